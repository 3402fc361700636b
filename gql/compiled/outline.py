"""What the executor needs to know of a document before running it: its operations and shape.

Not the parsed document: a parse holds hundreds of objects (its tokens are linked both ways),
and a thousand cached ones made each full garbage collection stall the server for ~80 ms under
clients that rename their queries per request. The plan cache parses again the one time it
compiles a shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import GraphQLError, OperationDefinitionNode, parse

from ..limits import OUTLINE_CACHE
from .shape import Shape, shape_of


@dataclass(frozen=True)
class Outline:
    names: tuple[str | None, ...]  # of its operations, in order
    shape: Shape | None  # one operation: what its compiled plan depends on (``shape``)


@lru_cache(maxsize=OUTLINE_CACHE)
def outline(query: str) -> Outline | None:
    """The document's outline; None if it does not parse (Strawberry reports that)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    names = tuple(d.name.value if d.name else None for d in document.definitions
                  if isinstance(d, OperationDefinitionNode))
    return Outline(names, shape_of(query, document))
