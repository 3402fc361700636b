"""The root fields the compiled path answers: ``event``, ``events``, ``search``, ``timeline``.

Each reads its arguments (declining those given as variables where they would choose the SQL:
an order, an interval, ``advanced``) and builds its value from ``db.sql`` and the builders.
"""

from __future__ import annotations

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FieldNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    ValueNode,
)

from db import sql
from db.filters import EVERY, FILTERS_BY_NAME, Condition, Filter, either, every, neither

from ..arguments import AND, EVENT_CURSOR, NOT, OR, RANK_CURSOR
from ..errors import Unsupported
from . import binding
from .connections import Page, connection
from .events import Builder, level
from .json_sql import array

EVENTS_ARGUMENTS = {"first", "after", "last", "before", "orderBy", "filter"}
SEARCH_ARGUMENTS = {"query", "first", "after", "last", "before", "advanced", "orderBy", "filter"}
TIMELINE_ARGUMENTS = {"interval", "filter"}


#: The cursor of a row ``{e}`` of a page in date order: its event's path (looked up by id, per row of the page).
_DATED_CURSOR = f"gql_id('{EVENT_CURSOR}', (SELECT path FROM events WHERE id = {{e}}.id))"


def root(b: Builder, node: FieldNode, counts: dict[str, int]) -> str:
    """The value of one root field of the operation."""
    if node.directives:
        raise Unsupported("directives")
    name = node.name.value
    arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
    if name == "event" and set(arguments) == {"path"}:
        path = b.params.argument(arguments["path"], binding.path)
        # one row by a unique index, looked up where it is read: no set of ids to store and join
        found = level(b, node, sql.BY_PATH.format(p=path))
        return f"json((SELECT v FROM {found}))"
    if name == "events" and set(arguments) <= EVENTS_ARGUMENTS:
        return events(b, node, arguments, counts)
    if name == "search" and "query" in arguments and set(arguments) <= SEARCH_ARGUMENTS:
        return search(b, node, arguments)
    if name == "timeline" and set(arguments) <= TIMELINE_ARGUMENTS:
        return timeline(b, node, arguments.get("interval"), condition(b, arguments.get("filter")).sql)
    if name == "__typename":
        return b.params.constant("Query")
    raise Unsupported(f"root field {name}")


def condition(b: Builder, node: ValueNode | None) -> Condition:
    """An ``EventFilter`` literal as a condition on ``e`` (with its list of ids, when it is one, as
    ``Criteria.condition`` gives it); its values (or variables) are bound.

    The SQL has one shape per document: a value that would change it (an empty list, a null)
    or be an error sends that request to the resolvers. ``and``, ``or`` and ``not`` compose as
    ``db.filters.Criteria`` composes them (the document's shape, checked by validation, fixes them).
    """
    return _walk(b, node)[0]


def ranged(b: Builder, node: ValueNode | None, column: str) -> tuple[Condition, str]:
    """``condition``, and what of it is a range of the rowid ``column``, as ``Criteria.id_range``
    finds it: the filters with one (``Filter.ids``) at the top or inside ``and``; ``1`` when none.
    Their values are bound again for it, after the condition's."""
    where, ranges = _walk(b, node)
    clauses = [str(declared.id_clause(column, b.params.argument(value, binding.filter_value(declared))))
               for declared, value in ranges]
    return where, " AND ".join(clauses) or "1"


#: A filter given with a range of ids (``Filter.ids``) and the literal of its value.
_Ranged = tuple[Filter, ValueNode]


def _walk(b: Builder, node: ValueNode | None) -> tuple[Condition, list[_Ranged]]:
    """One walk of an ``EventFilter`` literal: its condition (``condition``) and, in the order they
    are given, the filters of it that hold as ranges of ids (``ranged``): those at the top or inside
    ``and``, not under ``or`` or ``not``."""
    if node is None or isinstance(node, NullValueNode):
        return EVERY, []
    if not isinstance(node, ObjectValueNode):
        raise Unsupported("filter from a variable")
    conditions: list[Condition] = []
    ranges: list[_Ranged] = []
    for item in node.fields:
        name, value = item.name.value, item.value
        if isinstance(value, NullValueNode) and name in (AND, OR, NOT):
            continue
        if name == AND:
            for part in _filters(value):
                inner, inner_ranges = _walk(b, part)
                conditions.append(inner.nested())
                ranges += inner_ranges
        elif name == OR:
            conditions.append(either([condition(b, part).nested() for part in _filters(value)]))
        elif name == NOT:
            conditions.append(neither(condition(b, value).nested()))
        else:
            found = FILTERS_BY_NAME.get(name)
            if found is None:
                raise Unsupported(f"filter field {name}")
            conditions.append(found.where(b.params.argument(value, binding.filter_value(found))))
            if found.ids:
                ranges.append((found, value))
    return every(conditions), ranges


def _filters(node: ValueNode) -> list[ValueNode]:
    """The filters of an ``and`` or ``or``: a list, or one filter written where the list goes."""
    return list(node.values) if isinstance(node, ListValueNode) else [node]


def _enum(node: ValueNode | None, default: str) -> str:
    """An enum argument's value; one from a variable would choose the SQL per request."""
    if node is None or isinstance(node, NullValueNode):
        return default
    if not isinstance(node, EnumValueNode):
        raise Unsupported("enum from a variable")
    return node.value


def _backward(arguments: dict[str, ValueNode]) -> bool:
    """A page read backward: ``last`` (and ``before``) without ``first`` or ``after``; a page with
    both sides of the cursors is the resolvers' (``gql.schema.pages``)."""
    backward = "last" in arguments or "before" in arguments
    if backward and ("first" in arguments or "after" in arguments or "last" not in arguments):
        raise Unsupported("first or after with last or before")
    return backward


def events(b: Builder, node: FieldNode, arguments: dict[str, ValueNode], counts: dict[str, int]) -> str:
    """``events``: a keyset page of the filtered events (a rowid range either way); read backward,
    the page after ``before`` in the reversed order (``gql.schema.pages``)."""
    keyset = sql.KEYSETS[_enum(arguments.get("orderBy"), "NEWEST_FIRST")]
    backward = _backward(arguments)
    read = keyset.reversed if backward else keyset
    size = b.params.argument(arguments.get("last" if backward else "first"),
                             binding.last if backward else binding.first)
    cursor = b.params.argument(arguments.get("before" if backward else "after"), binding.after_event)
    filtered = condition(b, arguments.get("filter"))
    where = filtered.sql
    total = b.params.constant(counts["events"]) if where == "1" else f"({sql.count_events(filtered)})"
    return connection(b, node, Page(
        connection="EventConnection", edge="EventEdge",
        rows=lambda limit: sql.event_page("e.id", where, read, cursor, limit), columns="id",
        position="id", direction=keyset.direction, cursor=_DATED_CURSOR,
        earlier=f"({sql.events_through(where, keyset, cursor)})", total=total, first=size, backward=backward,
        later=f"{cursor} IS NOT NULL AND ({sql.events_through(where, read, cursor)})",
        matched=sql.matched_ids(where),
    ))


def search(b: Builder, node: FieldNode, arguments: dict[str, ValueNode]) -> str:
    """``search``: one page CTE of hits (id, rank, snippet, place), by rank or in date order.

    By rank the cursor is the hit's place in the ranking; in date order it is the event id and
    the page a rowid range of the index, as in ``events``. Scores and snippets cost more than
    the rest, so in date order they are computed only when asked for.
    """
    advanced = arguments.get("advanced")
    if advanced is not None and not isinstance(advanced, BooleanValueNode):
        raise Unsupported("advanced from a variable")
    order = _enum(arguments.get("orderBy"), "RELEVANCE")
    match = b.params.argument(arguments["query"], binding.search_text(advanced is not None and advanced.value))
    backward = _backward(arguments)
    first = b.params.argument(arguments.get("last" if backward else "first"),
                              binding.last if backward else binding.first)
    filtered, ids = ranged(b, arguments.get("filter"), "f.rowid")
    where = filtered.sql
    later = "0"
    wanted = {chosen.name.value for edges in b.json.selected(node, "SearchConnection")
              if edges.name.value == "edges" for chosen in b.json.selected(edges, "SearchEdge")}
    rank = "f.rank" if "rank" in wanted or order == "RELEVANCE" else "NULL"
    snippet = sql.SNIPPET if "snippet" in wanted else "NULL"
    found = sql.search_hits(f"f.rowid AS id, {rank} AS rank, {snippet} AS snippet", match, with_events=False,
                            where=where, ids=ids)
    if order == "RELEVANCE":
        if backward:  # a window ending at `before` or at the last hit: the resolvers count the hits first
            raise Unsupported("a ranking read backward")
        offset = b.params.argument(arguments.get("after"), binding.after_rank)
        hits, skip = f"{found} ORDER BY {sql.RANKED}", f" OFFSET {offset}"
        earlier = f"{offset} > 0 AND EXISTS ({sql.search_hits('1', match, with_events=False, where=where, ids=ids)})"
        cursor = f"gql_id('{RANK_CURSOR}', {{e}}.n)"
        place = f"{offset} + row_number() OVER (ORDER BY {sql.ranked('rank', 'id')}) - 1"
    else:
        keyset = sql.KEYSETS[order]
        read = keyset.reversed if backward else keyset
        after = b.params.argument(arguments.get("before" if backward else "after"), binding.after_event)
        hits = sql.hits_by_date(found, read, after)
        skip, earlier = "", f"({sql.hits_through(match, keyset, after, where, ids)})"
        if backward:
            later = f"{after} IS NOT NULL AND ({sql.hits_through(match, read, after, where, ids)})"
        # the page's place: its rows in the list's order, however they were read
        cursor, place = _DATED_CURSOR, f"row_number() OVER (ORDER BY id {keyset.direction})"
    return connection(b, node, Page(
        connection="SearchConnection", edge="SearchEdge",
        rows=lambda limit: f"SELECT id, rank, snippet, {place} FROM ({hits} LIMIT {limit}{skip})",
        columns="id, rank, snippet, n", position="n", direction="ASC", cursor=cursor, earlier=earlier,
        total=f"({sql.count_hits(match, where, ids)})", first=first,
        scalars={"rank": sql.rounded_rank("{e}.rank"), "snippet": "{e}.snippet"}, backward=backward, later=later,
        matched=sql.search_hits("f.rowid AS id", match, with_events=False, where=where, ids=ids),
    ))


def timeline(b: Builder, node: FieldNode, interval: ValueNode | None, where: str) -> str:
    """``timeline``: unfiltered from the per-day table, else the matching dates counted per bucket."""
    width = sql.BUCKET_WIDTHS.get(_enum(interval, "MONTH"))
    if width is None:
        raise Unsupported("interval")
    inner = b.json.row(node, "TimelineBucket", {"bucket": "{e}.bucket", "count": "{e}.count"}, "t")
    matched = b.ctes.rows("date", sql.matched_dates(where)) if where != "1" else None
    return array(inner, sql.timeline(width, matched), "t")
