"""Split ``_Context: ..._`` lists into names, using the whole corpus as evidence.

A list joins the shared context names of two events with ``", "``, sorted by code point. Names
may contain ``", "`` themselves (``Rowan County, Kentucky``, ``Guatemalan general election,
2015``), so a plain split is wrong. The pieces are read left to right; each either continues the
name before it or starts a new one. Five kinds of evidence, none of them a list of answers:

1. **Order.** Lists are sorted. A piece that sorts before the name it follows cannot start a
   new name: it continues the previous one (``Rowan County, Kentucky, Same-sex marriage``) --
   unless the piece with the next one makes a compound that sorts after it (``Charleston church
   shooting, Charleston, South Carolina``: ``" "`` sorts before ``","``).
2. **Titles.** Titles begin with story names (``Guatemalan general election, 2015. Voters
   ...``). A story name with ``", "`` proves that compound wherever its pieces meet; one without
   shows a name standing alone.
3. **Shape.** A piece that starts with a lower-case letter, or is a year or date (``, 2015``,
   ``, 2015–16``, ``, October 2015``, ``, 3 October 2015``), is a qualifier: it continues the
   previous name unless the corpus shows it standing alone (a whole list, the first piece of a
   list, a story name). A piece that starts with a digit but is not a date starts a name
   (``2015 Rugby World Cup, 2016 Summer Olympics``); one after a name that starts with a letter
   continues it by order already.
4. **Place names.** ``City, State`` is how Wikipedia names US places. A US state continues the
   piece before it when that piece never appears anywhere without this state after it and no
   title names it alone (``Las Vegas, Nevada`` merges; ``Barack Obama, Texas`` does not, as
   Obama stands alone; nor does ``Hurricane Harvey, Texas`` once a title begins "Hurricane
   Harvey.").
5. **Standing alone.** Evidence is read per boundary, never by gluing names another list showed
   side by side: two names in one list stay two names even where a compound of them exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SEPARATOR = ", "

US_STATES = frozenset({
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky",
    "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri",
    "Montana", "Nebraska", "Nevada", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Tennessee", "Texas",
    "Utah", "Vermont", "Virginia", "Washington", "Wisconsin", "Wyoming",
}) | {"New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
     "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "D.C."}

_MONTH = "(?:January|February|March|April|May|June|July|August|September|October|November|December)"
#: A year, a season (``2015–16``), a month and year, a day, month and year: qualifiers, not names.
_DATE = re.compile(rf"(?:(?:\d{{1,2}} )?{_MONTH} )?\d{{4}}(?:[–-]\d{{2}}(?:\d{{2}})?)?")


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What the whole corpus shows, gathered once before any list is split."""

    alone: frozenset[str]  # names seen standing alone: whole lists, first pieces, story names
    places: dict[str, str]  # piece -> the US state that always follows it
    compounds: frozenset[str]  # compound names a title proves
    width: int  # the most pieces in one of ``compounds``


def segment_all(texts: Iterable[str], names: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """Map every distinct raw list to its names; ``names`` are names the corpus shows standing alone.

    ``segment_all(["Hurricane Harvey, Texas"], ["Hurricane Harvey"])`` gives
    ``{"Hurricane Harvey, Texas": ("Hurricane Harvey", "Texas")}``; story names from titles are
    the usual ``names``.
    """
    distinct = sorted({text for text in texts if text})
    evidence = _gather(distinct, names)
    return {text: _segment(text, evidence) for text in distinct}


def segment(text: str) -> tuple[str, ...]:
    """Split one list without corpus evidence (order, shape and its own places only)."""
    return segment_all([text]).get(text, ())


def _pieces(text: str) -> list[str]:
    return [piece for piece in (part.strip() for part in text.split(SEPARATOR)) if piece]


def _gather(distinct: list[str], names: Iterable[str]) -> _Evidence:
    titled = _titled(names)
    alone = {name for name in titled if SEPARATOR not in name}
    followers: dict[str, set[str | None]] = {}
    for text in distinct:
        pieces = _pieces(text)
        if pieces:
            alone.add(pieces[0])
        for index, piece in enumerate(pieces):
            followers.setdefault(piece, set()).add(pieces[index + 1] if index + 1 < len(pieces) else None)
    places = {
        piece: state
        for piece, after in followers.items()
        if len(after) == 1 and (state := next(iter(after))) in US_STATES and piece not in titled
    }
    compounds = frozenset(name for name in titled if SEPARATOR in name)
    width = max((name.count(SEPARATOR) + 1 for name in compounds), default=1)
    return _Evidence(frozenset(alone), places, compounds, width)


def _titled(names: Iterable[str]) -> set[str]:
    """Story names, whole and split at ``". "`` (a title may begin with several)."""
    titled: set[str] = set()
    for name in names:
        titled.update(part for part in (name.strip(), *(p.strip() for p in name.split(". "))) if part)
    return titled


def _segment(text: str, evidence: _Evidence) -> tuple[str, ...]:
    pieces = _pieces(text)
    names: list[str] = []
    index = 0
    while index < len(pieces):
        if names and _continues(names[-1], pieces, index, evidence):
            names[-1] = names[-1] + SEPARATOR + pieces[index]
            index += 1
        else:
            width = _proven_width(pieces, index, evidence)
            names.append(SEPARATOR.join(pieces[index : index + width]))
            index += width
    return tuple(names)


def _continues(previous: str, pieces: list[str], index: int, evidence: _Evidence) -> bool:
    piece = pieces[index]
    if piece < previous:
        return not _opens_compound_after(previous, pieces, index, evidence)
    return _binds(previous, piece, evidence)


def _opens_compound_after(previous: str, pieces: list[str], index: int, evidence: _Evidence) -> bool:
    """Whether ``pieces[index]`` starts a compound that sorts after ``previous`` though it does not."""
    if index + 1 >= len(pieces):
        return False
    piece, following = pieces[index], pieces[index + 1]
    if piece + SEPARATOR + following <= previous:
        return False
    return _proven_width(pieces, index, evidence) > 1 or _binds(piece, following, evidence)


def _binds(previous: str, piece: str, evidence: _Evidence) -> bool:
    """Whether ``piece`` continues ``previous`` by place or by shape (order aside)."""
    if evidence.places.get(previous) == piece:
        return True
    return (piece[0].islower() or _DATE.fullmatch(piece) is not None) and piece not in evidence.alone


def _proven_width(pieces: list[str], index: int, evidence: _Evidence) -> int:
    """How many pieces from ``index`` make the longest compound a title proves (1 if none)."""
    for width in range(min(evidence.width, len(pieces) - index), 1, -1):
        if SEPARATOR.join(pieces[index : index + width]) in evidence.compounds:
            return width
    return 1
