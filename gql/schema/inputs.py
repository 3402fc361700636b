"""The schema's input types and enums; ``EventFilter`` is made from ``db.filters.FILTERS``.

A filter is declared once, in the SQL vocabulary (its GraphQL name, kind, condition and
description); its field here, its condition for the resolvers and for the compiled path all
come from that one declaration.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from db.filters import FILTERS, Criteria, Kind
from db.sql import BUCKET_WIDTHS, KEYSETS, Keyset

from .. import arguments


@strawberry.enum(description="Order of an event list. Event ids follow date order.")
class EventOrder(Enum):
    NEWEST_FIRST = "newest"
    OLDEST_FIRST = "oldest"

    @property
    def keyset(self) -> Keyset:
        return KEYSETS[self.name]


@strawberry.enum(description="Order of search hits.")
class SearchOrder(Enum):
    RELEVANCE = strawberry.enum_value("relevance", description="Best bm25 score first (titles weigh most).")
    NEWEST_FIRST = strawberry.enum_value("newest", description="Latest events first; as fast for common words.")
    OLDEST_FIRST = strawberry.enum_value("oldest", description="Earliest events first; as fast for common words.")

    @property
    def keyset(self) -> Keyset | None:
        """The date order's keyset; None for RELEVANCE."""
        return KEYSETS.get(self.name)


@strawberry.enum(description="Width of a timeline bucket.")
@strawberry.enum(description="Which links a related-graph walk follows from each event.")
class GraphDirection(Enum):
    OUTGOING = strawberry.enum_value("OUTGOING", description="The event's own related links (the default).")
    INCOMING = strawberry.enum_value("INCOMING", description="Links of other events that point at it.")
    BOTH = strawberry.enum_value("BOTH", description="Either way.")


class Interval(Enum):
    DAY = BUCKET_WIDTHS["DAY"]
    MONTH = BUCKET_WIDTHS["MONTH"]
    YEAR = BUCKET_WIDTHS["YEAR"]


_TYPES: dict[Kind, Any] = {Kind.DATE: dt.date | None, Kind.TEXT: str | None, Kind.NAMES: list[str] | None}


def _attribute(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _criteria(self: Any) -> Criteria:
    """Which events this filter holds (its values checked as the compiled path checks them)."""
    return arguments.criteria({item: getattr(self, _attribute(item.name)) for item in FILTERS})


def _event_filter() -> type:
    namespace: dict[str, Any] = {"__annotations__": {}, "criteria": _criteria}
    for item in FILTERS:
        attribute = _attribute(item.name)
        namespace["__annotations__"][attribute] = _TYPES[item.kind]
        namespace[attribute] = strawberry.field(default=None, name=item.name, description=item.description)
    return strawberry.input(type("EventFilter", (), namespace),
                            description="Narrows an event list; every field given must hold (AND).")


if TYPE_CHECKING:
    class EventFilter:
        """What type checkers see of the generated input type."""

        def criteria(self) -> Criteria: ...
else:
    EventFilter = _event_filter()
