"""A connection's ``facets`` in the compiled statement: each list counted over the connection's set.

The lists are ``db.facets``'s (each ``Facet``'s rows and order), over the set's ids gathered once
in a CTE. A set of ``db.rollups.MIN_CONTEXT_EVENTS`` events or more is the resolvers' to answer
(they read the build's rollups where there are some): the statement then yields no answer
(``Builder.guards``) and the request goes to them, so no compiled plan counts a big set.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import FieldNode

from db.facets import FACETS, top
from db.rollups import MIN_CONTEXT_EVENTS

from ..errors import Unsupported
from ..limits import MAX_PAGE
from .binding import facet_first
from .events import CONTEXT_SCALARS, Builder
from .json_sql import array

#: What each list's items are: their GraphQL type and their fields, as SQL over a facet row ``{e}``.
_COUNT = {"value": "{e}.value", "count": "{e}.count"}
_ITEMS = {"publishers": ("FacetCount", _COUNT), "domains": ("FacetCount", _COUNT),
          "categories": ("FacetCount", _COUNT),
          "years": ("TimelineBucket", {"bucket": "{e}.value", "count": "{e}.count"})}


def facets(b: Builder, node: FieldNode, matched: str) -> str:
    """The selection on ``Facets`` of the events ``matched`` (SQL of their ids)."""
    ids = b.ctes.ids(f"SELECT id FROM ({matched}) LIMIT {MIN_CONTEXT_EVENTS}")
    b.guards.append(f"(SELECT count(*) FROM {ids}) >= {MIN_CONTEXT_EVENTS}")
    # read with its bound: SQLite then knows the set is small, where it took it for a big one and
    # built a Bloom filter of every source for a list's join (10 ms at 10^5 for ten events, not 0.1)
    members = f"SELECT id FROM {ids} LIMIT {MIN_CONTEXT_EVENTS}"

    def listed(selection: FieldNode) -> str:
        name = selection.name.value
        if name not in FACETS:
            raise Unsupported(f"field Facets.{name}")
        given = {argument.name.value: argument.value for argument in selection.arguments or ()}
        if set(given) - ({"first"} if name != "years" else set()):
            raise Unsupported(f"arguments on Facets.{name}")
        size = b.params.argument(given.get("first"), facet_first) if name != "years" else str(MAX_PAGE)
        counted = FACETS[name].rows(members)
        if name == "contexts":  # a context row, as ``CONTEXT_SCALARS`` read one
            counted = f"SELECT *, extra AS event_count FROM ({counted})"
        rows = top(counted, name, size)
        if name == "contexts":
            return array(b.json.row(selection, "ContextCount", {"count": "{e}.count"}, "t", _context(b)), rows, "t")
        typename, fields = _ITEMS[name]
        return array(b.json.row(selection, typename, fields, "t"), rows, "t")

    return b.json.fields(node, "Facets", {}, listed)


def _context(b: Builder) -> Callable[[FieldNode], str]:
    """A ``ContextCount``'s ``context``: the context of the facet row ``t`` (its ``extra``, the
    context's events in the whole archive, read as ``event_count``: ``db.facets.CONTEXTS``)."""

    def nested(selection: FieldNode) -> str:
        if selection.name.value == "context" and not selection.arguments:
            return b.json.row(selection, "Context", CONTEXT_SCALARS, "t")
        raise Unsupported(f"field ContextCount.{selection.name.value}")

    return nested
