"""Split ``_Context: ..._`` lists into names, using the whole corpus as evidence.

A list joins the shared context names of two events with ``", "``, sorted by code point. Names
may contain ``", "`` themselves (``Rowan County, Kentucky``, ``Guatemalan general election,
2015``), so a plain split is wrong. Three kinds of evidence, none of them a list of answers:

1. **Order.** Lists are sorted. A piece that sorts before the name it follows cannot start a
   new name: it continues the previous one (``Rowan County, Kentucky, Same-sex marriage``).
2. **Shape.** A piece starting with a lower-case letter or a digit continues the previous name
   (Wikipedia titles start with a capital; ``, 2015`` is a year suffix), unless the corpus also
   shows it standing alone.
3. **Place names.** ``City, State`` is how Wikipedia names US places. A US state continues the
   piece before it when that piece never appears anywhere without this state after it
   (``Las Vegas, Nevada`` merges; ``Barack Obama, Texas`` does not, as Obama stands alone).
4. **Vocabulary.** Compound names proven by 1-3 anywhere in the corpus are merged wherever
   their pieces appear side by side, even in lists where the order alone could not tell.
"""

from __future__ import annotations

from collections.abc import Iterable

SEPARATOR = ", "

US_STATES = frozenset({
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky",
    "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri",
    "Montana", "Nebraska", "Nevada", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Tennessee", "Texas",
    "Utah", "Vermont", "Virginia", "Washington", "Wisconsin", "Wyoming",
}) | {"New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
     "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "D.C."}


def segment_all(texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Map every distinct raw list to its names, learning compounds from all of them first."""
    distinct = sorted({text for text in texts if text})
    alone = {text for text in distinct if SEPARATOR not in text} | {
        pieces[0] for pieces in (text.split(SEPARATOR) for text in distinct)
    }
    followers: dict[str, set[str | None]] = {}
    for text in distinct:
        pieces = text.split(SEPARATOR)
        for index, piece in enumerate(pieces):
            following = pieces[index + 1] if index + 1 < len(pieces) else None
            followers.setdefault(piece, set()).add(following)
    places = {
        f"{piece}{SEPARATOR}{state}"
        for piece, after in followers.items()
        if len(after) == 1 and (state := next(iter(after))) in US_STATES
    }
    compounds: set[str] = set(places)
    for text in distinct:
        compounds.update(name for name in _segment(text, alone, frozenset()) if SEPARATOR in name)
    known = frozenset(compounds)
    return {text: _segment(text, alone, known) for text in distinct}


def segment(text: str) -> tuple[str, ...]:
    """Split one list without corpus evidence (order and shape only)."""
    return segment_all([text]).get(text, ())


def _segment(text: str, alone: set[str], compounds: frozenset[str]) -> tuple[str, ...]:
    pieces = [piece.strip() for piece in text.split(SEPARATOR)]
    pieces = [piece for piece in pieces if piece]
    names: list[str] = []
    for piece in pieces:
        if names and _continues(names[-1], piece, alone):
            names[-1] = names[-1] + SEPARATOR + piece
        else:
            names.append(piece)
    return tuple(_merge_known(names, compounds)) if compounds else tuple(names)


def _continues(previous: str, piece: str, alone: set[str]) -> bool:
    if piece < previous:
        return True
    first = piece[0]
    return (first.islower() or first.isdigit()) and piece not in alone


def _merge_known(names: list[str], compounds: frozenset[str]) -> list[str]:
    """Greedily join neighbours whose joined text is a compound seen elsewhere (longest first)."""
    merged: list[str] = []
    index = 0
    while index < len(names):
        best = 1
        for width in range(len(names) - index, 1, -1):
            if SEPARATOR.join(names[index : index + width]) in compounds:
                best = width
                break
        merged.append(SEPARATOR.join(names[index : index + best]))
        index += best
    return merged
