"""Root fields: turn arguments into one read (``db.read``) and rows into types. Nothing more."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from .. import arguments, cursors
from ..arguments import page_size
from ..errors import UserError
from .context import Info
from .facets import TRENDING_DESCRIPTION, TrendingContext, contexts_within, publishers_within, trending
from .inputs import EventFilter, EventOrder, Interval, SearchOrder, criteria_of
from .pages import BOTH_WAYS
from .search import SearchConnection, search
from .types import (
    Archive,
    Build,
    Context,
    Day,
    Event,
    EventConnection,
    Node,
    Publisher,
    TimelineBucket,
    event_connection,
    timeline,
)


@strawberry.type
class Query:
    @strawberry.field(description="Refetch any object by its global id. Ids are built from what an object is "
                      "(an event's date and slug, a context's name), so an id stays valid in every later build "
                      "of the archive; null once the object is gone, never another object.")
    def node(self, info: Info, id: strawberry.ID) -> Node | None:
        reader = info.context.reader
        try:
            kind, value = cursors.decode(str(id), ("Event", "Context"), what="id")
            if kind == "Event":
                row = reader.event_by_path(arguments.event_path(value, str(id), what="id"))
                return Event.from_row(row) if row is not None else None
        except UserError:
            return None
        found = reader.context_by_name(value)
        return Context.from_row(found) if found is not None else None

    @strawberry.field(description="One event by path, in any spelling (padded or not).")
    def event(self, info: Info, path: str) -> Event | None:
        row = info.context.reader.event_by_path(path)
        return Event.from_row(row) if row is not None else None

    @strawberry.field(description=f"Events, newest first unless `orderBy` says otherwise. {BOTH_WAYS}")
    def events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: EventFilter | None = None,
        order_by: EventOrder | None = None,
    ) -> EventConnection:
        return event_connection(info, criteria_of(filter), first, after, order_by or EventOrder.NEWEST_FIRST, last,
                                before)

    @strawberry.field(description="Full-text search over titles, bodies and context names, best first unless "
                      f"`orderBy` says otherwise; `filter` narrows the hits as it narrows `events`. {BOTH_WAYS} "
                      "By relevance a cursor is a place in the ranking.")
    def search(
        self,
        info: Info,
        query: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        advanced: Annotated[bool, strawberry.argument(
            description="Read `query` as an FTS5 expression (AND, OR, NEAR, \"phrases\", prefix*)."
        )] = False,
        order_by: SearchOrder | None = None,
        filter: EventFilter | None = None,
    ) -> SearchConnection:
        return search(info, query, criteria_of(filter), first, after, advanced, order_by or SearchOrder.RELEVANCE,
                      last, before)

    @strawberry.field(description="A context (topic) by exact name.")
    def context(self, info: Info, name: str) -> Context | None:
        row = info.context.reader.context_by_name(name)
        return Context.from_row(row) if row is not None else None

    @strawberry.field(description="Contexts, most events first; `prefix` narrows by name. With a `filter`, "
                      "`eventCount` counts (and orders by) the events of the filter only.")
    def contexts(self, info: Info, first: int | None = None, offset: int = 0,
                 prefix: str | None = None, filter: EventFilter | None = None) -> list[Context]:
        size, skip = page_size(first), arguments.offset(offset)
        criteria = criteria_of(filter)
        if not criteria.empty:  # an empty filter counts the whole archive: what `eventCount` holds
            return contexts_within(info, criteria, size, skip, prefix)
        rows = info.context.reader.contexts(first=size, offset=skip, prefix=prefix)
        return [Context.from_row(row) for row in rows]

    @strawberry.field(description=TRENDING_DESCRIPTION)
    def trending(self, info: Info, date_from: dt.date, date_to: dt.date,
                 first: int | None = 10) -> list[TrendingContext]:
        return trending(info, date_from, date_to, first)

    @strawberry.field(description="Number of events per day, month or year, optionally filtered.")
    def timeline(self, info: Info, interval: Interval = Interval.MONTH,
                 filter: EventFilter | None = None) -> list[TimelineBucket]:
        return timeline(info, criteria_of(filter), interval)

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

    @strawberry.field(description="Events on this calendar day in every year, newest first.")
    def on_this_day(self, info: Info, month: int, day: int, first: int | None = None) -> list[Event]:
        rows = info.context.reader.on_this_day(arguments.calendar_day(month, day), page_size(first))
        return [Event.from_row(row) for row in rows]

    @strawberry.field(description="What this archive file is: schema version, build time, corpus fingerprint, "
                      "counts and first and last day.")
    def archive(self, info: Info) -> Archive:
        return Archive.from_meta(info.context.reader.archive())

    @strawberry.field(description="The builds of this archive file, newest first: when, from which corpus "
                      "fingerprint, and how many events each added, changed and removed.")
    def builds(self, info: Info, first: int | None = None) -> list[Build]:
        return [Build.from_row(row) for row in info.context.reader.builds(page_size(first))]

    @strawberry.field(description="Publishers (source names) by number of events citing them; `domain` narrows "
                      "by host. With a `filter`, `eventCount` counts (and orders by) the events of the filter only.")
    def publishers(self, info: Info, first: int | None = None, offset: int = 0,
                   domain: str | None = None, filter: EventFilter | None = None) -> list[Publisher]:
        size, skip = page_size(first), arguments.offset(offset)
        criteria = criteria_of(filter)
        if not criteria.empty:
            return publishers_within(info, criteria, size, skip, domain)
        rows = info.context.reader.publishers(first=size, offset=skip, domain=domain)
        return [Publisher(name=row["name"], domain=row["domain"], event_count=row["event_count"]) for row in rows]

