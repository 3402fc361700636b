"""What the executor needs to know of a document before running it: its operations and shape.

Not the parsed document: a parse holds hundreds of objects (its tokens are linked both ways),
and a thousand cached ones made each full garbage collection stall the server for ~80 ms under
clients that rename their queries per request. The plan cache parses again the one time it
compiles a shape.

A text seen before is found by its digest; a new text whose skeleton is known (``skeleton``: the
same text but for the operation's name and its strings) by one scan; any other is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode, parse

from ..caching import LruCache, digest
from ..limits import OUTLINE_BYTES, OUTLINE_CACHE
from . import skeleton
from .shape import Shape, shape_of, string_arguments


@dataclass(frozen=True)
class Outline:
    names: tuple[str | None, ...]  # of its operations, in order
    shape: Shape | None  # one operation: what its compiled plan depends on (``shape``)


def _size(found: Outline) -> int:
    return 64 + (len(found.shape.key) + sum(map(len, found.shape.literals)) if found.shape else 0)


#: Outlines by the document's digest, bounded in count and in the bytes of their shapes.
_OUTLINES: LruCache[bytes, Outline] = LruCache(OUTLINE_CACHE, OUTLINE_BYTES, size=_size)


def outline(query: str) -> Outline | None:
    """The document's outline; None if it does not parse (Strawberry reports that)."""
    key = digest(query.encode())
    found = _OUTLINES.get(key)
    if found is not None:
        return found
    scanned = skeleton.scan(query)
    if scanned is not None:
        known = skeleton.SKELETONS.get(skeleton.key(scanned))
        shape = known.shape(query, scanned) if known is not None else None
        if shape is not None:  # not kept by digest: texts that differ only so are seldom sent twice
            return Outline((scanned.name,), shape)
    found = _outline(query, scanned)
    if found is not None:
        _OUTLINES.put(key, found)
    return found


def _outline(query: str, scanned: skeleton.Scan | None) -> Outline | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    names = tuple(d.name.value if d.name else None for d in operations)
    shape = shape_of(query, document)
    if scanned is not None and shape is not None:
        name = operations[0].name
        starts = [node.loc.start for node in string_arguments(document) if node.loc is not None]
        learned = skeleton.learn(query, scanned, name.loc.start if name and name.loc else None, starts, shape)
        if learned is not None:
            skeleton.SKELETONS.put(skeleton.key(scanned), learned)
    return Outline(names, shape)
