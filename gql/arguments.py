"""Argument values as both executors accept them: each check and conversion written once.

The resolvers call these with the values Strawberry parsed; the compiled path calls them when
it binds a request's values (``gql.compiled.params``) and declines, sending the request to the
resolvers, wherever one raises: the resolvers then give the error. Values written into the
document are also refused earlier, in validation (``gql.schema.rules``), with the same message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from db.filters import FILTERS_BY_NAME, Criteria, Filter, Kind, plain_match
from db.paths import PathError, canonical_path

from . import cursors
from .errors import LimitExceeded, UserError
from .limits import (
    DEFAULT_PAGE,
    MAX_FILTER_CONTEXTS,
    MAX_FILTER_FIELDS,
    MAX_FILTER_NESTING,
    MAX_GRAPH_DEPTH,
    MAX_GRAPH_NODES,
    MAX_OFFSET,
    MAX_PAGE,
    MAX_SEARCH_CHARS,
    MAX_WINDOW_DAYS,
)

#: Cursor kinds: an event's place in date order (its canonical path), a place in a ranking, and a
#: link's place among an event's backlinks (the citing event's path and the link's position in it).
EVENT_CURSOR, RANK_CURSOR, LINK_CURSOR = "e", "s", "l"
#: The arguments that hold a cursor: the page goes on after one, or ends before one.
CURSOR_ARGUMENTS = ("after", "before")
#: A link's place among backlinks: (the citing event's canonical path, the link's position in it).
LinkPlace = tuple[str, int]


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON ``value`` nests more than ``limit`` arrays and objects (without recursion)."""
    level: list[Any] = [value]
    for _ in range(limit + 1):
        level = [child for item in level if isinstance(item, dict | list)
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return True


#: The integer arguments every client can abuse, by name: the values allowed.
RANGES = {"first": (0, MAX_PAGE), "last": (0, MAX_PAGE), "offset": (0, MAX_OFFSET),
          "depth": (0, MAX_GRAPH_DEPTH), "limit": (1, MAX_GRAPH_NODES), "month": (1, 12), "day": (1, 31)}


def in_range(name: str, value: int, high: int | None = None) -> int:
    """``value`` of the argument ``name`` if ``RANGES`` allows it (up to ``high`` if given)."""
    low, top = RANGES[name]
    top = top if high is None else high
    if not low <= value <= top:
        raise LimitExceeded(f"{name} must be between {low} and {top}; got {value}")
    return value


def calendar_day(month: int, day: int) -> str:
    """``MM-DD`` of a day that some year has (29 February too), as ISO dates end."""
    in_range("month", month)
    in_range("day", day)
    try:
        found = dt.date(2000, month, day)  # a leap year
    except ValueError:
        raise UserError(f"no year has a day {day} in month {month}") from None
    return found.isoformat()[5:]


Window = tuple[str, str]  # first and last day, ISO dates


def trending_window(date_from: dt.date, date_to: dt.date) -> tuple[Window, Window]:
    """The days of ``trending(dateFrom:, dateTo:)`` (both included: equal dates are one day) and
    the equally long window just before it (cut at the first day there is)."""
    if date_from > date_to:
        raise UserError(f"dateFrom ({date_from}) must be on or before dateTo ({date_to})")
    days = date_to.toordinal() - date_from.toordinal() + 1
    if days > MAX_WINDOW_DAYS:
        raise LimitExceeded(f"dateTo: the window from dateFrom may be {MAX_WINDOW_DAYS} days long at most; got {days}")
    start = date_from.toordinal()
    if start == 1:  # nothing is before the first day: a window no date is in
        return (date_from.isoformat(), date_to.isoformat()), ("1", "0")
    before = (dt.date.fromordinal(max(1, start - days)), dt.date.fromordinal(start - 1))
    return (date_from.isoformat(), date_to.isoformat()), (before[0].isoformat(), before[1].isoformat())


def page_size(first: int | None, default: int = DEFAULT_PAGE, maximum: int = MAX_PAGE, name: str = "first") -> int:
    """``first`` (or ``last``): 0..maximum, ``default`` when omitted."""
    return default if first is None else in_range(name, first, maximum)


def offset(value: int) -> int:
    """``offset`` of the lists that page by offset (contexts, publishers)."""
    return in_range("offset", value)


def event_path(value: str, text: str, what: str = "cursor") -> str:
    """The canonical event path a cursor or id holds: an event's identity, the same in every build."""
    try:
        if canonical_path(value) == value:
            return value
    except PathError:
        pass
    raise UserError(f"invalid {what}: {text[:40]!r}")


def cursor_value(text: str, kinds: tuple[str, ...], argument: str = "after") -> tuple[str, int | str | LinkPlace]:
    """(kind, value) of a cursor of one of ``kinds`` given as ``argument``: a rank's place, an
    event's path, or a link's place (``LinkPlace``)."""
    what = f"{argument} cursor"
    kind, value = cursors.decode(text, kinds, what)
    if kind == RANK_CURSOR:  # the place after it must be an SQLite integer too (an OFFSET)
        place = cursors.number(value, text, what)
        if place >= 2**63 - 1:
            raise UserError(f"invalid {what}: {text[:40]!r}")
        return kind, place
    if kind == LINK_CURSOR:
        position, colon, path = value.partition(":")
        if not colon:
            raise UserError(f"invalid {what}: {text[:40]!r}")
        return kind, (event_path(path, text, what), cursors.number(position, text, what))
    return kind, event_path(value, text, what)


def event_cursor(text: str | None, argument: str = "after") -> str | None:
    """The event path a cursor of a date-ordered page holds (None: from the start, or to the end).

    The page goes on after (or ends before) that place in date order even when the event is gone
    from the file."""
    return str(cursor_value(text, (EVENT_CURSOR,), argument)[1]) if text else None


def rank_cursor(text: str, argument: str = "after") -> int:
    """The place in the ranking a ``search`` cursor by relevance holds."""
    return int(_search_cursor(text, RANK_CURSOR, argument))


def dated_cursor(text: str, argument: str = "after") -> str:
    """The event path a ``search`` cursor in date order holds."""
    return str(_search_cursor(text, EVENT_CURSOR, argument))


def _search_cursor(text: str, kind: str, argument: str) -> int | str:
    """A search cursor of the order ``kind``; a cursor of the other ordering is refused, not misread."""
    found, value = cursor_value(text, (RANK_CURSOR, EVENT_CURSOR), argument)
    if found != kind:
        orders = "RELEVANCE" if kind == RANK_CURSOR else "NEWEST_FIRST or OLDEST_FIRST"
        raise UserError(f"invalid {argument} cursor: it belongs to a search with another orderBy"
                        f" (this one needs {orders})")
    return cast(int | str, value)


def link_cursor(place: LinkPlace) -> str:
    """The cursor of a backlink: the citing event's path and the link's position in it."""
    path, position = place
    return cursors.encode(LINK_CURSOR, f"{position}:{path}")


def link_place(text: str | None, argument: str = "after") -> LinkPlace | None:
    """The place a backlink cursor holds (None: from the start, or to the end); it keeps its place
    in the order when the citing event is gone."""
    if not text:
        return None
    return cast(LinkPlace, cursor_value(text, (LINK_CURSOR,), argument)[1])


def search_match(text: str, advanced: bool) -> str | None:
    """The FTS5 expression of ``search(query:, advanced:)``; None when nothing can match.

    An expression may hold no NUL: FTS5 reads one only up to it, so the rest would be ignored
    without a word (plain words are taken from around it).
    """
    check_search_text(text)
    if advanced and "\x00" in text:
        raise UserError("search expression contains a NUL character")
    return text if advanced else plain_match(text)


def check_search_text(text: str) -> None:
    if len(text) > MAX_SEARCH_CHARS:
        raise UserError(f"search query too long ({MAX_SEARCH_CHARS} characters at most)")


def check_name_count(count: int) -> None:
    """A filter's list of context names is bounded: each name is a lookup."""
    if count > MAX_FILTER_CONTEXTS:
        raise LimitExceeded(f"at most {MAX_FILTER_CONTEXTS} contexts in a filter")


def filter_parameter(item: Filter, value: object) -> object | None:
    """One filter's value as bound, None when it narrows nothing; UserError when it is refused."""
    if item.kind is Kind.NAMES and isinstance(value, list | tuple):
        check_name_count(len(value))
    if item.kind is Kind.WORDS and isinstance(value, str):
        check_search_text(value)
    try:
        return item.parameter(value)
    except ValueError as exc:
        raise UserError(f"invalid filter value: {exc}") from None


def criteria(values: Mapping[Filter, object]) -> Criteria:
    """The criteria of a filter's fields (those given); each value checked by ``filter_parameter``."""
    bound = ((item, filter_parameter(item, value)) for item, value in values.items())
    return Criteria(tuple((item, parameter) for item, parameter in bound if parameter is not None))


#: The fields of ``EventFilter`` that hold other filters: all of a list, any of a list, not one.
AND, OR, NOT = "and", "or", "not"


def check_filter_shape(given: Mapping[str, Any]) -> None:
    """A filter (its fields by GraphQL name, nested filters as mappings) nests at most
    ``MAX_FILTER_NESTING`` levels and gives at most ``MAX_FILTER_FIELDS`` fields in all.
    Level by level, never recursion: a hostile filter costs its size, not the stack."""
    level: list[Any] = [given]
    fields = nesting = 0
    while level:
        nesting += 1
        if nesting > MAX_FILTER_NESTING:
            raise LimitExceeded(f"filter nested too deep: at most {MAX_FILTER_NESTING - 1} levels of and/or/not")
        below: list[Any] = []
        for item in level:
            for name, value in item.items() if isinstance(item, Mapping) else ():
                if value is None:
                    continue
                fields += 1
                if fields > MAX_FILTER_FIELDS:
                    raise LimitExceeded(f"filter too large: at most {MAX_FILTER_FIELDS} fields at all levels")
                if name in (AND, OR):
                    below.extend(value if isinstance(value, list | tuple) else [value])
                elif name == NOT:
                    below.append(value)
        level = below


def filter_criteria(given: Mapping[str, Any]) -> Criteria:
    """The criteria of an ``EventFilter`` (its fields by GraphQL name; ``and``/``or`` lists and
    ``not`` of the same), its shape and every value checked."""
    check_filter_shape(given)
    return _composed(given)


def _composed(given: Mapping[str, Any]) -> Criteria:
    own = criteria({FILTERS_BY_NAME[name]: value for name, value in given.items() if name in FILTERS_BY_NAME})
    every, some, negated = given.get(AND), given.get(OR), given.get(NOT)
    return Criteria(
        own.bound,
        all_of=tuple(_composed(part) for part in _listed(every)),
        any_of=None if some is None else tuple(_composed(part) for part in _listed(some)),
        none_of=None if negated is None else _composed(negated),
    )


def _listed(value: Any) -> list[Mapping[str, Any]]:
    """A list of filters; one filter where a list goes is a list of one (GraphQL's input coercion)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
