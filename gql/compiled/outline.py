"""What the executor needs to know of a document before running it: its operations and shape.

Not the parsed document: a parse holds hundreds of objects (its tokens are linked both ways),
and a thousand cached ones made each full garbage collection stall the server for ~80 ms under
clients that rename their queries per request. The plan cache parses again the one time it
compiles a shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode, parse

from ..caching import LruCache, digest
from ..limits import OUTLINE_BYTES, OUTLINE_CACHE
from .shape import Shape, shape_of


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
    if found is None:
        found = _outline(query)
        if found is not None:
            _OUTLINES.put(key, found)
    return found


def _outline(query: str) -> Outline | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None
    names = tuple(d.name.value if d.name else None for d in document.definitions
                  if isinstance(d, OperationDefinitionNode))
    return Outline(names, shape_of(query, document))
