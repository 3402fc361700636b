"""The GraphQL types, each built from a database row by ``from_row``; nested lists use loaders."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from db.read import EventQuery, Row

from . import cursors
from .context import Info
from .errors import LimitExceeded
from .limits import MAX_FILTER_CONTEXTS, MAX_GRAPH_DEPTH, MAX_GRAPH_NODES, page_size


@strawberry.interface(description="An object with a global id, refetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="A news source cited by an event, in the order the event lists them.")
class Source:
    name: str
    url: str
    domain: str | None = strawberry.field(description="Host of the URL without `www.`.")

    @classmethod
    def from_row(cls, row: Row) -> Source:
        return cls(name=row["name"], url=row["url"], domain=row["domain"])


@strawberry.type(description="A page of events with Relay cursors.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.enum(description="Order of an event list. Event ids follow date order.")
class EventOrder(Enum):
    NEWEST_FIRST = "newest"
    OLDEST_FIRST = "oldest"


@strawberry.enum(description="Order of search hits.")
class SearchOrder(Enum):
    RELEVANCE = strawberry.enum_value("relevance", description="Best bm25 score first (titles weigh most).")
    NEWEST_FIRST = strawberry.enum_value("newest", description="Latest events first; as fast for common words.")
    OLDEST_FIRST = strawberry.enum_value("oldest", description="Earliest events first; as fast for common words.")


@strawberry.enum(description="Width of a timeline bucket.")
class Interval(Enum):
    DAY = 10
    MONTH = 7
    YEAR = 4


@strawberry.input(description="Narrows an event list; every field given must hold (AND).")
class EventFilter:
    date_from: dt.date | None = strawberry.field(default=None, description="On or after this day.")
    date_to: dt.date | None = strawberry.field(default=None, description="On or before this day.")
    contexts_any: list[str] | None = strawberry.field(default=None, description="Has at least one.")
    contexts_all: list[str] | None = strawberry.field(default=None, description="Has every one.")
    category: str | None = None
    publisher: str | None = strawberry.field(default=None, description="A source name, e.g. `BBC`.")
    domain: str | None = strawberry.field(default=None, description="A source host, e.g. `bbc.co.uk`.")

    def to_query(self) -> EventQuery:
        any_ = self.contexts_any or []
        all_ = self.contexts_all or []
        if len(any_) > MAX_FILTER_CONTEXTS or len(all_) > MAX_FILTER_CONTEXTS:
            raise LimitExceeded(f"at most {MAX_FILTER_CONTEXTS} contexts in a filter")
        return EventQuery(
            date_from=self.date_from.isoformat() if self.date_from else None,
            date_to=self.date_to.isoformat() if self.date_to else None,
            contexts_any=tuple(any_),
            contexts_all=tuple(all_),
            category=self.category,
            publisher=self.publisher,
            domain=self.domain,
        )


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type(description="Events in pages: `edges`, `pageInfo` and `totalCount` (Relay).")
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo
    _reader_count: strawberry.Private[object]

    @strawberry.field(description="How many events match, over all pages.")
    def total_count(self) -> int:
        count = self._reader_count
        return int(count() if callable(count) else count)  # type: ignore[arg-type]


def event_connection(info: Info, query: EventQuery, first: int | None, after: str | None,
                     order: EventOrder = EventOrder.NEWEST_FIRST) -> EventConnection:
    """Keyset pagination over events: the cursor holds the last id seen."""
    size = page_size(first)
    after_id = cursors.decode(after, ("e",))[1] if after else None
    newest = order is EventOrder.NEWEST_FIRST
    reader = info.context.reader
    rows = reader.list_events(query, first=size + 1, after_id=after_id, newest_first=newest) if size else []
    edges = [EventEdge(cursor=cursors.encode("e", row["id"]), node=Event.from_row(row)) for row in rows[:size]]
    return EventConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after_id is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _reader_count=lambda: reader.count_events(query),
    )


@strawberry.type(description="Number of events in one day, month or year.")
class TimelineBucket:
    bucket: str = strawberry.field(description="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`.")
    count: int


def timeline(info: Info, query: EventQuery, interval: Interval) -> list[TimelineBucket]:
    rows = info.context.reader.timeline(query, interval.value)
    return [TimelineBucket(bucket=row["bucket"], count=row["count"]) for row in rows]


@strawberry.type(description="A topic shared by events (a Wikipedia article name).")
class Context(Node):
    _pk: strawberry.Private[int]
    name: str
    event_count: int = strawberry.field(description="Events that have this context.")

    @classmethod
    def from_row(cls, row: Row) -> Context:
        return cls(id=strawberry.ID(cursors.node_id("Context", row["id"])), _pk=row["id"],
                   name=row["name"], event_count=row["event_count"] or 0)

    @strawberry.field(description="Events with this context, newest first.")
    def events(self, info: Info, first: int | None = None, after: str | None = None,
               order_by: EventOrder | None = None) -> EventConnection:
        return event_connection(info, EventQuery(context_ids=(self._pk,)), first, after,
                                order_by or EventOrder.NEWEST_FIRST)

    @strawberry.field(description="Events with this context per day, month or year.")
    def timeline(self, info: Info, interval: Interval = Interval.MONTH) -> list[TimelineBucket]:
        return timeline(info, EventQuery(context_ids=(self._pk,)), interval)

    @strawberry.field(description="Contexts that appear on the same events, most shared first.")
    def co_occurring(self, info: Info, first: int | None = 10) -> list[ContextCount]:
        rows = info.context.reader.co_contexts(self._pk, page_size(first, 10))
        return [ContextCount(context=Context.from_row(row), count=row["together"]) for row in rows]


@strawberry.type(description="A context and how many events it shares with another.")
class ContextCount:
    context: Context
    count: int


@strawberry.type(description="A link from an event to another; `event` is null when the target is not in the archive.")
class RelatedEvent:
    _pk: strawberry.Private[int]
    _target_id: strawberry.Private[int | None]
    path: str = strawberry.field(description="Canonical path of the target event.")
    title: str = strawberry.field(description="Title as the link states it.")

    @classmethod
    def from_row(cls, row: Row) -> RelatedEvent:
        return cls(_pk=row["id"], _target_id=row["target_id"], path=row["target_path"], title=row["title"])

    @strawberry.field(description="The target event, or null for a dangling link.")
    async def event(self, info: Info) -> Event | None:
        if self._target_id is None:
            return None
        row = await info.context.loaders.event.load(self._target_id)
        return Event.from_row(row) if row is not None else None

    @strawberry.field(description="Contexts the two events share, as the link lists them.")
    async def contexts(self, info: Info) -> list[Context]:
        return [Context.from_row(row) for row in await info.context.loaders.related_contexts.load(self._pk)]


@strawberry.type(description="An edge of a related-events graph.")
class GraphEdge:
    source: strawberry.ID
    target: strawberry.ID
    title: str


@strawberry.type(description="An event reached in a related-events walk, with its distance.")
class GraphNode:
    depth: int
    event: Event


@strawberry.type(description="Events reachable through related links, and the links among them.")
class RelatedGraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]


@strawberry.type(description="One news event, identified by its path (date + slug).")
class Event(Node):
    _pk: strawberry.Private[int]
    path: str = strawberry.field(description="Canonical path, e.g. `/news/2015/09/01/slug.md`.")
    date: dt.date
    title: str
    story: str | None = strawberry.field(description="Story names that prefix the title, if any.")
    body: str
    category: str | None = strawberry.field(description="Heading of the day page listing the event.")
    source_count: int
    related_count: int

    @classmethod
    def from_row(cls, row: Row) -> Event:
        return cls(
            id=strawberry.ID(cursors.node_id("Event", row["id"])), _pk=row["id"], path=row["path"],
            date=dt.date.fromisoformat(row["date"]), title=row["title"], story=row["story"], body=row["body"],
            category=row["category"], source_count=row["source_count"], related_count=row["related_count"],
        )

    @strawberry.field(description="Sources in the order the event lists them.")
    async def sources(self, info: Info) -> list[Source]:
        return [Source.from_row(row) for row in await info.context.loaders.sources.load(self._pk)]

    @strawberry.field(description="The event's own contexts (union of those on its related links), by name.")
    async def contexts(self, info: Info) -> list[Context]:
        return [Context.from_row(row) for row in await info.context.loaders.contexts.load(self._pk)]

    @strawberry.field(description="Related events in the order the event lists them.")
    async def related(self, info: Info) -> list[RelatedEvent]:
        return [RelatedEvent.from_row(row) for row in await info.context.loaders.related.load(self._pk)]

    @strawberry.field(description="Events reachable within `depth` hops (one recursive SQL query).")
    def related_graph(self, info: Info, depth: int = 2, limit: int = 100) -> RelatedGraph:
        if not 0 <= depth <= MAX_GRAPH_DEPTH:
            raise LimitExceeded(f"depth must be between 0 and {MAX_GRAPH_DEPTH}; got {depth}")
        if not 1 <= limit <= MAX_GRAPH_NODES:
            raise LimitExceeded(f"limit must be between 1 and {MAX_GRAPH_NODES}; got {limit}")
        nodes, edges = info.context.reader.related_graph(self._pk, depth, limit)
        return RelatedGraph(
            nodes=[GraphNode(depth=row["depth"], event=Event.from_row(row)) for row in nodes],
            edges=[
                GraphEdge(
                    source=strawberry.ID(cursors.node_id("Event", row["event_id"])),
                    target=strawberry.ID(cursors.node_id("Event", row["target_id"])),
                    title=row["title"],
                )
                for row in edges
            ],
        )


@strawberry.type(description="A search hit: the event, its rank and a highlighted snippet.")
class SearchEdge:
    cursor: str
    node: Event
    rank: float = strawberry.field(description="bm25 score, 6 decimals; lower is better (SQLite FTS5).")
    snippet: str = strawberry.field(description="Matching text with `<mark>` around hits.")


@strawberry.type(description="Search results in the order asked for (best first by default), with Relay cursors.")
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    _count: strawberry.Private[object]

    @strawberry.field
    def total_count(self) -> int:
        count = self._count
        return int(count() if callable(count) else count)  # type: ignore[arg-type]


@strawberry.type(description="Events of one category on one day.")
class CategoryGroup:
    name: str | None
    events: list[Event]


@strawberry.type(description="A day of the archive with its events grouped by category.")
class Day:
    date: dt.date
    event_count: int

    @strawberry.field(description="Events grouped under the day page's category headings.")
    async def categories(self, info: Info) -> list[CategoryGroup]:
        groups: dict[str | None, list[Event]] = {}
        for row in await info.context.loaders.day_events.load(self.date.isoformat()):
            groups.setdefault(row["category"], []).append(Event.from_row(row))
        return [CategoryGroup(name=name, events=events) for name, events in groups.items()]

    @strawberry.field(description="All events of the day.")
    async def events(self, info: Info) -> list[Event]:
        return [Event.from_row(row) for row in await info.context.loaders.day_events.load(self.date.isoformat())]


@strawberry.type(description="A publisher (source name) with the number of events citing it.")
class Publisher:
    name: str
    domain: str | None
    event_count: int
