"""The schema's input types and enums; ``EventFilter`` is made from ``db.filters.FILTERS``.

A filter is declared once, in the SQL vocabulary (its GraphQL name, kind, condition and
description); its field here, its condition for the resolvers and for the compiled path all
come from that one declaration.
"""

from __future__ import annotations

import datetime as dt
import keyword
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


@strawberry.enum(description="Which links a related-graph walk follows from each event.")
class GraphDirection(Enum):
    OUTGOING = strawberry.enum_value("OUTGOING", description="The event's own related links (the default).")
    INCOMING = strawberry.enum_value("INCOMING", description="Links of other events that point at it.")
    BOTH = strawberry.enum_value("BOTH", description="Either way.")


@strawberry.enum(description="Width of a timeline bucket.")
class Interval(Enum):
    DAY = BUCKET_WIDTHS["DAY"]
    MONTH = BUCKET_WIDTHS["MONTH"]
    YEAR = BUCKET_WIDTHS["YEAR"]


_TYPES: dict[Kind, Any] = {Kind.DATE: dt.date | None, Kind.TEXT: str | None, Kind.NAMES: list[str] | None,
                          Kind.WORDS: str | None}
#: The fields that compose filters: (GraphQL name, its type, description).
_COMPOSING = (
    (arguments.AND, "list[EventFilter] | None", "Every one of these holds (`and: []` holds for every event)."),
    (arguments.OR, "list[EventFilter] | None", "At least one of these holds (`or: []` holds for none)."),
    (arguments.NOT, "EventFilter | None", "This filter does not hold."),
)


def _attribute(name: str) -> str:
    """The Python attribute of a field: snake case, and ``and_`` for the keyword ``and``."""
    attribute = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return f"{attribute}_" if keyword.iskeyword(attribute) else attribute


def _given(self: Any) -> dict[str, Any]:
    """The fields given, by GraphQL name; nested filters as the same mappings."""
    given: dict[str, Any] = {item.name: getattr(self, _attribute(item.name)) for item in FILTERS}
    for name, _, _ in _COMPOSING:
        value = getattr(self, _attribute(name))
        given[name] = [part.given() for part in value] if isinstance(value, list) else (
            value.given() if value is not None else None)
    return given


def _criteria(self: Any) -> Criteria:
    """Which events this filter holds (its values and shape checked as the compiled path checks them)."""
    return arguments.filter_criteria(self.given())


def _event_filter() -> type:
    namespace: dict[str, Any] = {"__annotations__": {}, "__module__": __name__, "criteria": _criteria,
                                 "given": _given}
    fields = [(item.name, _TYPES[item.kind], item.description) for item in FILTERS] + list(_COMPOSING)
    for name, annotation, description in fields:
        attribute = _attribute(name)
        namespace["__annotations__"][attribute] = annotation
        namespace[attribute] = strawberry.field(default=None, name=name, description=description)
    return strawberry.input(type("EventFilter", (), namespace),
                            description="Narrows an event list; every field given must hold (AND), and "
                            "`and`, `or` and `not` compose filters.")


if TYPE_CHECKING:
    class EventFilter:
        """What type checkers see of the generated input type."""

        def criteria(self) -> Criteria: ...

        def given(self) -> dict[str, Any]: ...
else:
    EventFilter = _event_filter()


def criteria_of(filter: EventFilter | None) -> Criteria:
    """The criteria of an ``EventFilter`` argument; every event when none was given."""
    return filter.criteria() if filter is not None else Criteria()
