"""Root fields: turn arguments into one read (``db.read``) and rows into types. Nothing more."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from db.read import EventQuery, Reader, Row, SearchSyntaxError

from . import cursors
from .context import Info
from .errors import UserError
from .fts import plain_match
from .limits import page_size
from .types import (
    Context,
    Day,
    Event,
    EventConnection,
    EventFilter,
    EventOrder,
    Interval,
    Node,
    PageInfo,
    Publisher,
    SearchConnection,
    SearchEdge,
    SearchOrder,
    TimelineBucket,
    event_connection,
    timeline,
)
from .validation import MAX_SEARCH_CHARS


@strawberry.type
class Query:
    @strawberry.field(description="Refetch any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            kind, pk = cursors.decode(str(id), ("Event", "Context"), what="id")
        except UserError:
            return None
        if kind == "Event":
            row = await info.context.loaders.event.load(pk)
            return Event.from_row(row) if row is not None else None
        crow = await info.context.loaders.context.load(pk)
        return Context.from_row(crow) if crow is not None else None

    @strawberry.field(description="One event by path, in any spelling (padded or not).")
    def event(self, info: Info, path: str) -> Event | None:
        row = info.context.reader.event_by_path(path)
        return Event.from_row(row) if row is not None else None

    @strawberry.field(description="Events, newest first unless `orderBy` says otherwise.")
    def events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: EventFilter | None = None,
        order_by: EventOrder | None = None,
    ) -> EventConnection:
        query = filter.to_query() if filter else EventQuery()
        return event_connection(info, query, first, after, order_by or EventOrder.NEWEST_FIRST)

    @strawberry.field(description="Full-text search over titles, bodies and context names, best first unless "
                      "`orderBy` says otherwise.")
    def search(
        self,
        info: Info,
        query: str,
        first: int | None = None,
        after: str | None = None,
        advanced: Annotated[bool, strawberry.argument(
            description="Read `query` as an FTS5 expression (AND, OR, NEAR, \"phrases\", prefix*)."
        )] = False,
        order_by: SearchOrder | None = None,
    ) -> SearchConnection:
        if len(query) > MAX_SEARCH_CHARS:
            raise UserError(f"search query too long ({MAX_SEARCH_CHARS} characters at most)")
        match = query if advanced else plain_match(query)
        order = order_by or SearchOrder.RELEVANCE
        size = page_size(first)
        reader = info.context.reader
        try:
            if order is SearchOrder.RELEVANCE:
                edges, more, previous = _ranked_hits(reader, match, size, after)
            else:
                edges, more, previous = _dated_hits(reader, match, size, after, order is SearchOrder.NEWEST_FIRST)
        except SearchSyntaxError as exc:
            raise UserError(str(exc)) from None
        return SearchConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more, has_previous_page=previous,
                start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
            ),
            _count=lambda: _count_search(reader, match) if match else 0,
        )

    @strawberry.field(description="A context (topic) by exact name.")
    def context(self, info: Info, name: str) -> Context | None:
        row = info.context.reader.context_by_name(name)
        return Context.from_row(row) if row is not None else None

    @strawberry.field(description="Contexts, most events first; `prefix` narrows by name.")
    def contexts(self, info: Info, first: int | None = None, offset: int = 0,
                 prefix: str | None = None) -> list[Context]:
        rows = info.context.reader.contexts(first=page_size(first), offset=_offset(offset), prefix=prefix)
        return [Context.from_row(row) for row in rows]

    @strawberry.field(description="Number of events per day, month or year, optionally filtered.")
    def timeline(self, info: Info, interval: Interval = Interval.MONTH,
                 filter: EventFilter | None = None) -> list[TimelineBucket]:
        return timeline(info, filter.to_query() if filter else EventQuery(), interval)

    @strawberry.field(description="One day with its events grouped by category; null if it has none.")
    def day(self, info: Info, date: dt.date) -> Day | None:
        rows = info.context.reader.days(date.isoformat(), date.isoformat(), first=1, newest_first=True)
        return Day(date=date, event_count=rows[0]["count"]) if rows else None

    @strawberry.field(description="Days that have events, newest first unless `orderBy` says otherwise.")
    def days(self, info: Info, date_from: dt.date | None = None, date_to: dt.date | None = None,
             first: int | None = None, order_by: EventOrder | None = None) -> list[Day]:
        rows = info.context.reader.days(
            date_from.isoformat() if date_from else None, date_to.isoformat() if date_to else None,
            first=page_size(first), newest_first=order_by is not EventOrder.OLDEST_FIRST,
        )
        return [Day(date=dt.date.fromisoformat(row["date"]), event_count=row["count"]) for row in rows]

    @strawberry.field(description="Publishers (source names) by number of events citing them.")
    def publishers(self, info: Info, first: int | None = None, offset: int = 0,
                   domain: str | None = None) -> list[Publisher]:
        rows = info.context.reader.publishers(first=page_size(first), offset=_offset(offset), domain=domain)
        return [Publisher(name=row["name"], domain=row["domain"], event_count=row["event_count"]) for row in rows]


def _offset(offset: int) -> int:
    if not 0 <= offset <= 100_000:
        raise UserError(f"offset must be between 0 and 100000; got {offset}")
    return offset


Hits = tuple[list[SearchEdge], bool, bool]  # edges, has next page, has previous page


def _ranked_hits(reader: Reader, match: str | None, size: int, after: str | None) -> Hits:
    """A page of hits by rank; the cursor is the hit's place in the ranking ("s", offset)."""
    offset = _search_cursor(after, "s", "RELEVANCE") + 1 if after else 0
    rows = reader.search(match, first=size + 1, offset=offset) if size and match else []
    edges = [_search_edge(cursors.encode("s", offset + index), row) for index, row in enumerate(rows[:size])]
    return edges, len(rows) > size, offset > 0


def _dated_hits(reader: Reader, match: str | None, size: int, after: str | None,
                newest_first: bool) -> Hits:
    """A page of hits in date order; the cursor is the event's ("e", id), a keyset like `events`."""
    after_id = _search_cursor(after, "e", "NEWEST_FIRST or OLDEST_FIRST") if after else None
    rows = (reader.search_by_date(match, first=size + 1, after_id=after_id, newest_first=newest_first)
            if size and match else [])
    edges = [_search_edge(cursors.encode("e", row["id"]), row) for row in rows[:size]]
    return edges, len(rows) > size, after_id is not None


def _search_cursor(after: str, kind: str, orders: str) -> int:
    """The cursor's number; a cursor of the other ordering is refused, not silently misread."""
    found, value = cursors.decode(after, ("s", "e"))
    if found != kind:
        raise UserError(f"invalid cursor: it belongs to a search with another orderBy (this one needs {orders})")
    return value


def _search_edge(cursor: str, row: Row) -> SearchEdge:
    return SearchEdge(cursor=cursor, node=Event.from_row(row), rank=round(row["rank"], 6), snippet=row["snippet"] or "")


def _count_search(reader: Reader, match: str) -> int:
    try:
        return reader.count_search(match)
    except SearchSyntaxError as exc:
        raise UserError(str(exc)) from None
