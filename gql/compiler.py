"""Compile a GraphQL selection into ONE SQL statement that builds the whole answer as JSON.

This is what Hasura and PostGraphile do: SQLite's ``json_object`` / ``json_group_array`` nest
the answer in the database, and Python only wraps the text in ``{"data": ...}``. It covers
the hot shapes: ``event``, ``events`` (filtered or not), ``search`` (by rank or date) and the
``timeline``, with everything nested under an event (sources, contexts, related links, related
events, recursively), fragments inlined and fields merged as GraphQL does (``gql.selection``).
Anything else (directives, other fields, arguments that would be errors) is not compiled: the
Strawberry resolvers answer it, and the tests compare both paths byte for byte.

No user text enters the SQL: field names are matched against fixed fragments below, and
response keys (aliases) and argument values are bound parameters.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)

from db.paths import PathError, canonical_path
from db.read import EVENT_FILTERS, domain_key

from . import cursors
from .errors import UserError
from .fts import plain_match
from .limits import DEFAULT_PAGE, MAX_FILTER_CONTEXTS, MAX_PAGE
from .selection import Unsupported, collect
from .validation import MAX_SEARCH_CHARS


@dataclass
class Plan:
    """A compiled operation: SQL with ``?`` parameters, and how to fill them from variables."""

    sql: str
    binders: list[Callable[[dict[str, Any]], Any]]

    def bind(self, variables: dict[str, Any] | None) -> list[Any]:
        """Parameter values for one request; Unsupported when the resolvers must answer."""
        values = variables or {}
        return [binder(values) for binder in self.binders]


EVENT_SCALARS = {
    "path": "{e}.path", "date": "{e}.date", "title": "{e}.title", "story": "{e}.story", "body": "{e}.body",
    "category": "{e}.category", "sourceCount": "{e}.source_count", "relatedCount": "{e}.related_count",
    "id": "gql_id('Event', {e}.id)",
}
SOURCE_SCALARS = {"name": "s.name", "url": "s.url", "domain": "s.domain"}
CONTEXT_SCALARS = {"name": "c.name", "eventCount": "coalesce(c.event_count, 0)", "id": "gql_id('Context', c.id)"}
RELATED_SCALARS = {"path": "r.target_path", "title": "r.title"}


@dataclass
class _Builder:
    variable_defaults: dict[str, Any]
    fragments: dict[str, FragmentDefinitionNode]
    slots: dict[int, str]  # id() of a string argument -> the name its value is bound under (``gql.shape``)
    binders: list[Callable[[dict[str, Any]], Any]] = field(default_factory=list)
    id_sets: list[str] = field(default_factory=list)  # CTEs: which events each level needs
    levels: list[str] = field(default_factory=list)  # CTEs: each level's JSON, deepest first

    # -- parameters -----------------------------------------------------------------------------

    def constant(self, value: Any) -> str:
        def bind(_values: dict[str, Any]) -> Any:
            return value

        self.binders.append(bind)
        return f"?{len(self.binders)}"

    def argument(self, node: ValueNode | None, convert: Callable[[Any], Any]) -> str:
        """A parameter filled from a literal or a variable, through ``convert`` at bind time."""
        if node is None:
            literal: Any = None
            self.binders.append(lambda _values: convert(literal))
        elif isinstance(node, VariableNode):
            name, default = node.name.value, self.variable_defaults.get(node.name.value)
            self.binders.append(lambda values: convert(values.get(name, default)))
        elif isinstance(node, StringValueNode) and id(node) in self.slots:  # this request's string
            slot = self.slots[id(node)]
            self.binders.append(lambda values: convert(values[slot]))
        elif isinstance(node, ListValueNode) and node.values and all(id(v) in self.slots for v in node.values):
            slots = [self.slots[id(v)] for v in node.values]
            self.binders.append(lambda values: convert([values[slot] for slot in slots]))
        elif isinstance(node, StringValueNode | IntValueNode | NullValueNode | EnumValueNode | BooleanValueNode) or (
                isinstance(node, ListValueNode) and all(isinstance(v, StringValueNode) for v in node.values)):
            literal = value_from_ast_untyped(node) if not isinstance(node, EnumValueNode) else node.value
            self.binders.append(lambda _values: convert(literal))
        else:
            raise Unsupported("argument shape")
        return f"?{len(self.binders)}"

    # -- objects ---------------------------------------------------------------------------------

    def object(self, selections: FieldNode, typename: str, scalars: dict[str, str], alias: str,
               nested: Callable[[FieldNode], str] | None = None) -> str:
        """``json_object`` of a row ``alias``: ``scalars`` are its columns, anything else ``nested`` builds."""
        def column(sql: str) -> Callable[[FieldNode], str]:
            return lambda _: sql.format(e=alias)

        return self.fields(selections, typename, {name: column(sql) for name, sql in scalars.items()}, nested)

    def cte(self, columns: str, sql: str) -> str:
        """A materialized CTE ``(columns)`` of the rows of ``sql`` that some level reads; returns its name."""
        name = f"i{len(self.id_sets) + 1}"
        self.id_sets.append(f"{name}({columns}) AS MATERIALIZED ({sql})")
        return name

    def id_set(self, sql: str) -> str:
        """A CTE of event ids some level needs; returns its name."""
        return self.cte("id", sql)

    def level(self, node: FieldNode, ids: str) -> str:
        """The JSON of one event selection for every event in ``ids``, as a CTE ``(id, v)``.

        Each level of related events is its own CTE, so the SQL nests no deeper for ten hops
        than for one (SQLite's parser has a fixed stack), and each level is computed once.
        """
        value = self.event(node, "e", ids)
        name = f"j{ids[1:]}_{len(self.levels) + 1}"
        self.levels.append(f"{name}(id, v) AS MATERIALIZED (SELECT e.id, {value} FROM events e"
                           f" WHERE e.id IN (SELECT id FROM {ids}))")
        return name

    def event(self, node: FieldNode, alias: str, ids: str) -> str:
        def nested(selection: FieldNode) -> str:
            name = selection.name.value
            if selection.arguments:
                raise Unsupported(f"arguments on Event.{name}")
            if name == "sources":
                inner = self.object(selection, "Source", SOURCE_SCALARS, "s")
                return (f"json((SELECT json_group_array({inner}) FROM (SELECT name, url, domain FROM sources"
                        f" WHERE event_id = {alias}.id ORDER BY position) s))")
            if name == "contexts":
                return self.context_list(selection, "event_contexts x JOIN contexts c ON c.id = x.context_id"
                                         f" WHERE x.event_id = {alias}.id", "c.name")
            if name == "related":
                return self.related(selection, alias, ids)
            raise Unsupported(f"field Event.{name}")

        return self.object(node, "Event", EVENT_SCALARS, alias, nested)

    def context_list(self, node: FieldNode, links: str, order: str) -> str:
        """Contexts reached through ``links`` (a FROM ... WHERE over a link table ``x``)."""
        inner = self.object(node, "Context", CONTEXT_SCALARS, "c")
        return (f"json((SELECT json_group_array({inner}) FROM (SELECT c.id, c.name, c.event_count FROM {links}"
                f" ORDER BY {order}) c))")

    def related(self, node: FieldNode, alias: str, ids: str) -> str:
        targets: str | None = None

        def nested(selection: FieldNode) -> str:
            nonlocal targets
            name = selection.name.value
            if selection.arguments:
                raise Unsupported(f"arguments on RelatedEvent.{name}")
            if name == "event":
                targets = targets or self.id_set(
                    f"SELECT DISTINCT target_id FROM related WHERE event_id IN (SELECT id FROM {ids})"
                    " AND target_id IS NOT NULL")
                child = self.level(selection, targets)
                return f"json((SELECT v FROM {child} WHERE {child}.id = r.target_id))"
            if name == "contexts":
                return self.context_list(selection, "related_contexts x JOIN contexts c ON c.id = x.context_id"
                                         " WHERE x.related_id = r.id", "x.position")
            raise Unsupported(f"field RelatedEvent.{name}")

        inner = self.object(node, "RelatedEvent", RELATED_SCALARS, "r", nested)
        return (f"json((SELECT json_group_array({inner}) FROM (SELECT id, target_path, target_id, title FROM related"
                f" WHERE event_id = {alias}.id ORDER BY position) r))")

    # -- root fields -----------------------------------------------------------------------------

    def root(self, node: FieldNode, counts: dict[str, int]) -> str:
        if node.directives:
            raise Unsupported("directives")
        name = node.name.value
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        if name == "event" and set(arguments) == {"path"}:
            path = self.argument(arguments["path"], _path)
            level = self.level(node, self.id_set(f"SELECT id FROM events WHERE path = {path}"))
            return f"json((SELECT v FROM {level}))"
        if name == "events" and set(arguments) <= {"first", "after", "orderBy", "filter"}:
            return self.events(node, arguments, counts)
        if name == "search" and "query" in arguments and set(arguments) <= {"query", "first", "after", "advanced",
                                                                             "orderBy"}:
            return self.search(node, arguments)
        if name == "timeline" and set(arguments) <= {"interval", "filter"}:
            return self.timeline(node, arguments.get("interval"), self.filter(arguments.get("filter")))
        if name == "__typename":
            return self.constant("Query")
        raise Unsupported(f"root field {name}")

    def filter(self, node: ValueNode | None) -> str:
        """An ``EventFilter`` literal as a condition on ``e``; its values (or variables) are bound.

        The SQL has one shape per document: a value that would change it (an empty list, a null)
        or be an error sends that request to the resolvers.
        """
        if node is None or isinstance(node, NullValueNode):
            return "1"
        if not isinstance(node, ObjectValueNode):
            raise Unsupported("filter from a variable")
        clauses = []
        for item in node.fields:
            name = item.name.value
            if name not in FILTERS:
                raise Unsupported(f"filter field {name}")
            sql, convert = FILTERS[name]
            clauses.append(sql.format(p=self.argument(item.value, convert)))
        return " AND ".join(clauses) or "1"

    def timeline(self, node: FieldNode, interval: ValueNode | None, where: str) -> str:
        """The timeline: unfiltered from the per-day table, else counted per day and rolled up."""
        widths = {"DAY": 10, "MONTH": 7, "YEAR": 4}
        if interval is not None and not (isinstance(interval, EnumValueNode) and interval.value in widths):
            raise Unsupported("interval from a variable")
        width = widths[interval.value if isinstance(interval, EnumValueNode) else "MONTH"]
        inner = self.object(node, "TimelineBucket", {"bucket": "t.bucket", "count": "t.count"}, "t")
        counted = f"SELECT substr(date, 1, {width}) AS bucket, sum(event_count) AS count FROM days"
        if where != "1":  # the matching dates first, found by the filter's indexes (as db.read does)
            matched = self.cte("date", f"SELECT e.date FROM events e WHERE {where}")
            counted = f"SELECT substr(date, 1, {width}) AS bucket, count(*) AS count FROM {matched}"
        return f"json((SELECT json_group_array({inner}) FROM ({counted} GROUP BY bucket ORDER BY bucket) t))"

    def events(self, node: FieldNode, arguments: dict[str, ValueNode], counts: dict[str, int]) -> str:
        order = arguments.get("orderBy")
        if order is not None and not isinstance(order, EnumValueNode | NullValueNode):
            raise Unsupported("orderBy from a variable")
        newest = not (isinstance(order, EnumValueNode) and order.value == "OLDEST_FIRST")
        # a rowid range either way, so deep pages cost what the first page costs
        direction, compare, unbounded = ("DESC", "<", "9223372036854775807") if newest else ("ASC", ">", "-1")
        first = self.argument(arguments.get("first"), _first)
        after = self.argument(arguments.get("after"), _after)
        where = self.filter(arguments.get("filter"))
        matched = f" AND {where}" if where != "1" else ""

        def page_sql(extra: int) -> str:
            return (f"SELECT e.id FROM events e WHERE e.id {compare} coalesce({after}, {unbounded}){matched}"
                    f" ORDER BY e.id {direction} LIMIT {first} + {extra}")

        page = functools.cache(lambda: self.id_set(page_sql(0)))  # one CTE, made when first needed

        def edges(selection: FieldNode) -> str:
            edge = self.object(selection, "EventEdge", {"cursor": "gql_id('e', {e}.id)"}, "e", self._node_of(page()))
            return self._listed(edge, f"SELECT id FROM {page()} ORDER BY id {direction}")

        reverse = "ASC" if direction == "DESC" else "DESC"

        def cursor(way: str) -> Callable[[FieldNode], str]:
            return lambda _: f"(SELECT gql_id('e', p.id) FROM {page()} p ORDER BY p.id {way} LIMIT 1)"

        page_info = {
            "hasNextPage": lambda _: _flag(f"(SELECT count(*) FROM ({page_sql(1)})) > {first}"),
            "hasPreviousPage": lambda _: _flag(f"{after} IS NOT NULL"),
            "startCursor": cursor(direction),
            "endCursor": cursor(reverse),
        }
        return self.fields(node, "EventConnection", {
            "totalCount": lambda _: (self.constant(counts["events"]) if where == "1"
                                     else f"(SELECT count(*) FROM events e WHERE {where})"),
            "edges": edges,
            "pageInfo": lambda selection: self.fields(selection, "PageInfo", page_info),
        })

    def fields(self, node: FieldNode, typename: str, values: dict[str, Callable[[FieldNode], str]],
               nested: Callable[[FieldNode], str] | None = None) -> str:
        """``json_object(key, value, ...)`` in selection order, keys bound as parameters: argument-free
        fields built by ``values[name]``, any other by ``nested`` (which judges its arguments)."""
        parts: list[str] = []
        for selection in collect(node, typename, self.fragments):
            key = self.constant((selection.alias or selection.name).value)
            name = selection.name.value
            if name == "__typename":
                value = self.constant(typename)
            elif name in values and not selection.arguments:
                value = values[name](selection)
            elif nested is not None:
                value = nested(selection)
            else:
                raise Unsupported(f"field {typename}.{name}")
            parts.append(f"{key}, {value}")
        if not parts:
            raise Unsupported("empty selection")
        return f"json_object({', '.join(parts)})"

    def search(self, node: FieldNode, arguments: dict[str, ValueNode]) -> str:
        """Full-text search: one page CTE (id, rank, snippet, n), then the same event levels.

        By rank the cursor is the hit's place in the ranking; in date order it is the event id and
        the page a rowid range of the index, as in ``events``.
        """
        advanced, order = arguments.get("advanced"), arguments.get("orderBy")
        if advanced is not None and not isinstance(advanced, BooleanValueNode):
            raise Unsupported("advanced from a variable")
        if order is not None and not isinstance(order, EnumValueNode | NullValueNode):
            raise Unsupported("orderBy from a variable")
        raw = advanced is not None and advanced.value
        match = self.argument(arguments["query"], _fts_raw if raw else _fts_plain)
        first = self.argument(arguments.get("first"), _first)
        by_date = isinstance(order, EnumValueNode) and order.value != "RELEVANCE"
        wanted = {  # in date order, scores and snippets cost more than the rest: only when asked
            chosen.name.value for edges in collect(node, "SearchConnection", self.fragments)
            if edges.name.value == "edges" for chosen in collect(edges, "SearchEdge", self.fragments)}
        rank = "f.rank" if "rank" in wanted or not by_date else "NULL"
        snippet = "snippet(events_fts, -1, '<mark>', '</mark>', '…', 16)" if "snippet" in wanted else "NULL"
        found = (f"SELECT f.rowid AS id, {rank} AS rank, {snippet} AS snippet FROM events_fts f"
                 f" WHERE events_fts MATCH {match} AND f.rank MATCH 'bm25(10.0, 1.0, 5.0)'")
        if by_date:
            newest = isinstance(order, EnumValueNode) and order.value == "NEWEST_FIRST"
            direction, compare, unbounded = ("DESC", "<", "9223372036854775807") if newest else ("ASC", ">", "-1")
            after = self.argument(arguments.get("after"), _after)
            hits = f"{found} AND f.rowid {compare} coalesce({after}, {unbounded}) ORDER BY f.rowid {direction}"
            skip, cursor, earlier = "", "gql_id('e', {e}.id)", f"{after} IS NOT NULL"
            place = f"row_number() OVER (ORDER BY id {direction})"
        else:
            offset = self.argument(arguments.get("after"), _search_offset)
            hits = f"{found} ORDER BY f.rank, f.rowid"
            skip, cursor, earlier = f" OFFSET {offset}", "gql_id('s', {e}.n)", f"{offset} > 0"
            place = f"{offset} + row_number() OVER (ORDER BY rank, id) - 1"
        page_cte = functools.cache(lambda: self.cte(  # one CTE, made when first needed
            "id, rank, snippet, n", f"SELECT id, rank, snippet, {place} FROM ({hits} LIMIT {first}{skip})"))

        def edges(selection: FieldNode) -> str:
            scalars = {"cursor": cursor, "rank": "round({e}.rank, 6)", "snippet": "coalesce({e}.snippet, '')"}
            edge = self.object(selection, "SearchEdge", scalars, "p", self._node_of(page_cte()))
            return self._listed(edge, f"SELECT id, rank, snippet, n FROM {page_cte()} ORDER BY n")

        def end(way: str) -> Callable[[FieldNode], str]:
            return lambda _: f"(SELECT {cursor.format(e='p')} FROM {page_cte()} p ORDER BY p.n {way} LIMIT 1)"

        page_info = {
            "hasNextPage": lambda _: _flag(f"(SELECT count(*) FROM ({hits} LIMIT {first} + 1{skip})) > {first}"),
            "hasPreviousPage": lambda _: _flag(earlier),
            "startCursor": end("ASC"),
            "endCursor": end("DESC"),
        }
        return self.fields(node, "SearchConnection", {
            "totalCount": lambda _: f"(SELECT count(*) FROM events_fts WHERE events_fts MATCH {match})",
            "edges": edges,
            "pageInfo": lambda selection: self.fields(selection, "PageInfo", page_info),
        })

    def _node_of(self, page: str) -> Callable[[FieldNode], str]:
        """An edge's ``node``: the event ``e`` of the edge's row (``_listed``); its related events are
        levels over the page's ids."""

        def nested(selection: FieldNode) -> str:
            if selection.name.value == "node" and not selection.arguments:
                return self.event(selection, "e", page)
            raise Unsupported(f"field {selection.name.value} of an edge")

        return nested

    @staticmethod
    def _listed(edge: str, rows: str) -> str:
        """The JSON array of ``edge`` over a page's ``rows`` (``p``, in order), each joined to its event ``e``.

        The edge's object is built in the aggregate itself, so SQLite keeps it JSON and nothing is
        parsed again per edge; CROSS JOIN keeps the page's order as the outer loop, which is the
        order the aggregate sees.
        """
        return f"json((SELECT json_group_array({edge}) FROM ({rows}) p CROSS JOIN events e ON e.id = p.id))"


def _day(value: Any) -> str:
    if not isinstance(value, str):
        raise Unsupported("date: the resolvers answer or give the error")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise Unsupported("bad date: the resolvers give the error") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Unsupported("null or not a string: the resolvers answer or give the error")
    return value


def _names(value: Any) -> str:
    if (not isinstance(value, list) or not 0 < len(value) <= MAX_FILTER_CONTEXTS
            or not all(isinstance(name, str) for name in value)):
        raise Unsupported("empty, null or long list: the resolvers answer or give the error")
    return json.dumps(value)


#: EventFilter field -> (condition on ``e`` with parameter ``{p}``, value check): the conditions the
#: resolvers use (``db.read.EVENT_FILTERS``), checked here so that a value they would refuse or
#: answer differently (a null, an empty list) is sent to them.
FILTERS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "dateFrom": (EVENT_FILTERS["date_from"], _day),
    "dateTo": (EVENT_FILTERS["date_to"], _day),
    "category": (EVENT_FILTERS["category"], _text),
    "contextsAny": (EVENT_FILTERS["contexts_any"], _names),
    "contextsAll": (EVENT_FILTERS["contexts_all"], _names),
    "publisher": (EVENT_FILTERS["publisher"], _text),
    "domain": (EVENT_FILTERS["domain"], lambda value: domain_key(_text(value))),
}


def _flag(condition: str) -> str:
    """A JSON boolean from an SQL condition."""
    return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"


def _path(value: Any) -> str | None:
    if not isinstance(value, str):
        raise Unsupported("path must be a string")
    try:
        return canonical_path(value)
    except PathError:
        return None


def _first(value: Any) -> int:
    if value is None:
        return DEFAULT_PAGE
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE:
        raise Unsupported("first out of range: the resolvers give the error")
    return value


def _fts_plain(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_SEARCH_CHARS:
        raise Unsupported("search text: the resolvers give the error")
    match = plain_match(value)
    if match is None:
        raise Unsupported("no words: the resolvers answer an empty page")
    return match


def _fts_raw(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_SEARCH_CHARS:
        raise Unsupported("search text: the resolvers give the error")
    return value


def _search_offset(value: Any) -> int:
    if value is None:
        return 0
    if not isinstance(value, str):
        raise Unsupported("after must be a string")
    try:
        return cursors.decode(value, ("s",))[1] + 1
    except UserError:
        raise Unsupported("bad cursor: the resolvers give the error") from None


def _after(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unsupported("after must be a string")
    try:
        return cursors.decode(value, ("e",))[1]
    except UserError:
        raise Unsupported("bad cursor: the resolvers give the error") from None


def compile_operation(document: DocumentNode, operation_name: str | None, counts: dict[str, int],
                      slots: dict[int, str] | None = None) -> Plan:
    """Compile the chosen query operation; raise Unsupported if any part needs the resolvers.

    ``slots`` names the string arguments whose values each request brings (``gql.shape``);
    any other literal is part of the plan.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(operations) + len(fragments) != len(document.definitions):
        raise Unsupported("definitions")
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY or chosen[0].directives:
        raise Unsupported("operation")
    operation = chosen[0]
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or () if definition.default_value is not None
    }
    builder = _Builder(defaults, fragments, slots or {})
    parts: list[str] = []
    for selection in collect(operation, "Query", fragments):
        key = builder.constant((selection.alias or selection.name).value)
        parts.append(f"{key}, {builder.root(selection, counts)}")
    ctes = builder.id_sets + builder.levels
    with_clause = f"WITH {', '.join(ctes)} " if ctes else ""
    return Plan(sql=f"{with_clause}SELECT json_object({', '.join(parts)})", binders=builder.binders)
