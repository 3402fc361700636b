"""An event's selection as SQL over a row ``e``: its columns, child lists and related events.

Child lists are ``db.sql``'s, correlated to the row (the resolvers batch the same ones); a
related event is looked up in the next level's CTE (``Ctes.level``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import FieldNode

from db import sql

from ..arguments import LINK_CURSOR
from ..errors import Unsupported
from .binding import Parameters
from .binding import first as first_size
from .ctes import Ctes
from .json_sql import Build, Json, array, flag

EVENT_SCALARS = {
    "path": "{e}.path", "date": "{e}.date", "title": "{e}.title", "story": "{e}.story", "body": "{e}.body",
    "category": "{e}.category", "sourceCount": "{e}.source_count", "relatedCount": "{e}.related_count",
    "id": "gql_id('Event', {e}.path)", "linkedFromCount": sql.linked_from_count("{e}.id"),
}
SOURCE_SCALARS = {"name": "{e}.name", "url": "{e}.url", "domain": "{e}.domain"}
CONTEXT_SCALARS = {"name": "{e}.name", "eventCount": "coalesce({e}.event_count, 0)",
                   "id": "gql_id('Context', {e}.name)"}
LINK_SCALARS = {"path": "{e}.target_path", "title": "{e}.title"}


@dataclass
class Builder:
    """One compilation's state: its parameters, CTEs and JSON assembly, and its guards: conditions
    under which the statement gives no answer and the resolvers answer the request instead."""

    params: Parameters
    ctes: Ctes
    json: Json
    guards: list[str] = field(default_factory=list)


def level(b: Builder, node: FieldNode, where: str | None) -> str:
    """A CTE ``(id, v)`` of the selection ``node`` for every event ``e`` that ``where`` holds for
    (None: for any event, read by its parent one id at a time)."""
    return b.ctes.level(where, event(b, node, "e"))


def event(b: Builder, node: FieldNode, alias: str) -> str:
    """The selection on the event row ``alias``."""
    def nested(selection: FieldNode) -> str:
        name = selection.name.value
        if name == "linkedFrom":
            return linked_from(b, selection, alias)
        if selection.arguments:
            raise Unsupported(f"arguments on Event.{name}")
        if name == "sources":
            inner = b.json.row(selection, "Source", SOURCE_SCALARS, "s")
            return array(inner, sql.SOURCES.correlated(f"{alias}.id"), "s")
        if name == "contexts":
            return contexts(b, selection, sql.EVENT_CONTEXTS, f"{alias}.id")
        if name == "related":
            return related(b, selection, alias)
        raise Unsupported(f"field Event.{name}")

    return b.json.row(node, "Event", EVENT_SCALARS, alias, nested)


def contexts(b: Builder, node: FieldNode, child: sql.ChildList, parent: str) -> str:
    """The contexts of ``child`` (an event's or a link's) of the row whose id is ``parent``."""
    return array(b.json.row(node, "Context", CONTEXT_SCALARS, "c"), child.correlated(parent), "c")


def related(b: Builder, node: FieldNode, alias: str) -> str:
    """The related links of the event row ``alias``; their events are the next level, each read
    by its link's ``target_id``."""
    def nested(selection: FieldNode) -> str:
        name = selection.name.value
        if selection.arguments:
            raise Unsupported(f"arguments on RelatedEvent.{name}")
        if name == "event":
            child = level(b, selection, None)
            return f"json((SELECT v FROM {child} WHERE {child}.id = r.target_id))"
        if name == "contexts":
            return contexts(b, selection, sql.LINK_CONTEXTS, "r.id")
        raise Unsupported(f"field RelatedEvent.{name}")

    inner = b.json.row(node, "RelatedEvent", LINK_SCALARS, "r", nested)
    return array(inner, sql.RELATED.correlated(f"{alias}.id"), "r")


#: A backlink's cursor (``gql.arguments.link_cursor``): the link's position and its citing event's path.
_LINK_CURSOR = f"gql_id('{LINK_CURSOR}', {{e}}.position || ':' || (SELECT path FROM events WHERE id = {{e}}.citing))"


def linked_from(b: Builder, node: FieldNode, alias: str) -> str:
    """``linkedFrom`` of the event row ``alias``: its first page of backlinks (``db.sql.backlink_page``,
    newest citing event first). Pages after a cursor or read backward are the resolvers'."""
    arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
    if set(arguments) - {"first"}:
        raise Unsupported("linkedFrom after a cursor or read backward")
    first = b.params.argument(arguments.get("first"), first_size)
    target = f"{alias}.id"

    def rows(limit: str) -> str:
        return sql.backlink_page("r.id AS link_id, r.position AS position, r.title AS link_title, r.event_id AS citing",
                                 target, sql.BACKLINKS, None, None, limit, citing="linking")

    def backlink(selection: FieldNode) -> str:
        def nested(inner: FieldNode) -> str:
            name = inner.name.value
            if inner.arguments:
                raise Unsupported(f"arguments on Backlink.{name}")
            if name == "event":
                return event(b, inner, "c")
            if name == "contexts":
                return contexts(b, inner, sql.LINK_CONTEXTS, "p.link_id")
            raise Unsupported(f"field Backlink.{name}")

        return b.json.row(selection, "Backlink", {"title": "{e}.link_title"}, "p", nested)

    def edges(selection: FieldNode) -> str:
        def nested(inner: FieldNode) -> str:
            if inner.name.value == "node" and not inner.arguments:
                return backlink(inner)
            raise Unsupported(f"field BacklinkEdge.{inner.name.value}")

        edge = b.json.row(selection, "BacklinkEdge", {"cursor": _LINK_CURSOR}, "p", nested)
        return f"json((SELECT json_group_array({edge}) FROM ({rows(first)}) p CROSS JOIN events c ON c.id = p.citing))"

    def end(last: bool) -> Build:
        order = "p.citing, p.position DESC" if last else "p.citing DESC, p.position"  # as BACKLINKS orders them
        return lambda _: (f"(SELECT {_LINK_CURSOR.format(e='p')} FROM (SELECT * FROM ({rows(first)}) p"
                          f" ORDER BY {order} LIMIT 1) p)")

    page_info = {
        "hasNextPage": lambda _: flag(f"(SELECT count(*) FROM ({rows(f'{first} + 1')})) > {first}"),
        "hasPreviousPage": lambda _: flag("0"),
        "startCursor": end(last=False),
        "endCursor": end(last=True),
    }
    return b.json.fields(node, "BacklinkConnection", {
        "totalCount": lambda _: sql.linked_from_count(target),
        "edges": edges,
        "pageInfo": lambda selection: b.json.fields(selection, "PageInfo", page_info),
    })
