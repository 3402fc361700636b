"""An event's selection as SQL over a row ``e``: its columns, child lists and related events.

Child lists are ``db.sql``'s, correlated to the row (the resolvers batch the same ones); a
related event is looked up in the next level's CTE (``Ctes.level``).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import FieldNode

from db import sql

from ..errors import Unsupported
from .binding import Parameters
from .ctes import Ctes
from .json_sql import Json, array

EVENT_SCALARS = {
    "path": "{e}.path", "date": "{e}.date", "title": "{e}.title", "story": "{e}.story", "body": "{e}.body",
    "category": "{e}.category", "sourceCount": "{e}.source_count", "relatedCount": "{e}.related_count",
    "id": "gql_id('Event', {e}.path)",
}
SOURCE_SCALARS = {"name": "{e}.name", "url": "{e}.url", "domain": "{e}.domain"}
CONTEXT_SCALARS = {"name": "{e}.name", "eventCount": "coalesce({e}.event_count, 0)",
                   "id": "gql_id('Context', {e}.name)"}
LINK_SCALARS = {"path": "{e}.target_path", "title": "{e}.title"}


@dataclass
class Builder:
    """One compilation's state: its parameters, CTEs and JSON assembly."""

    params: Parameters
    ctes: Ctes
    json: Json


def level(b: Builder, node: FieldNode, ids: str) -> str:
    """A CTE ``(id, v)`` of the selection ``node`` for every event in the id set ``ids``."""
    return b.ctes.level(ids, event(b, node, "e", ids))


def event(b: Builder, node: FieldNode, alias: str, ids: str) -> str:
    """The selection on the event row ``alias``, one of the id set ``ids``."""
    def nested(selection: FieldNode) -> str:
        name = selection.name.value
        if selection.arguments:
            raise Unsupported(f"arguments on Event.{name}")
        if name == "sources":
            inner = b.json.row(selection, "Source", SOURCE_SCALARS, "s")
            return array(inner, sql.SOURCES.correlated(f"{alias}.id"), "s")
        if name == "contexts":
            return contexts(b, selection, sql.EVENT_CONTEXTS, f"{alias}.id")
        if name == "related":
            return related(b, selection, alias, ids)
        raise Unsupported(f"field Event.{name}")

    return b.json.row(node, "Event", EVENT_SCALARS, alias, nested)


def contexts(b: Builder, node: FieldNode, child: sql.ChildList, parent: str) -> str:
    """The contexts of ``child`` (an event's or a link's) of the row whose id is ``parent``."""
    return array(b.json.row(node, "Context", CONTEXT_SCALARS, "c"), child.correlated(parent), "c")


def related(b: Builder, node: FieldNode, alias: str, ids: str) -> str:
    """The related links of the event row ``alias``; their events are the next level."""
    targets: str | None = None

    def nested(selection: FieldNode) -> str:
        nonlocal targets
        name = selection.name.value
        if selection.arguments:
            raise Unsupported(f"arguments on RelatedEvent.{name}")
        if name == "event":
            targets = targets or b.ctes.ids(sql.link_targets(ids))
            child = level(b, selection, targets)
            return f"json((SELECT v FROM {child} WHERE {child}.id = r.target_id))"
        if name == "contexts":
            return contexts(b, selection, sql.LINK_CONTEXTS, "r.id")
        raise Unsupported(f"field RelatedEvent.{name}")

    inner = b.json.row(node, "RelatedEvent", LINK_SCALARS, "r", nested)
    return array(inner, sql.RELATED.correlated(f"{alias}.id"), "r")
