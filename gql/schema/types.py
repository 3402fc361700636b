"""The GraphQL types, each built from a database row by ``from_row``; nested lists use loaders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.filters import IN_CONTEXT, Criteria
from db.read import Row

from .. import cursors
from ..arguments import EVENT_CURSOR, event_cursor, in_range, page_size
from .context import Info
from .inputs import EventFilter, EventOrder, GraphDirection, Interval, criteria_of
from .pages import BOTH_WAYS, PageInfo, window

if TYPE_CHECKING:
    from .backlinks import BacklinkConnection
    from .facets import Facets


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


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type(description="Events in pages: `edges`, `pageInfo` and `totalCount` (Relay).")
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], int]]  # counted only when asked for
    _criteria: strawberry.Private[Criteria]  # which events it matched: what its facets count

    @strawberry.field(description="How many events match, over all pages.")
    def total_count(self) -> int:
        return self._count()

    @strawberry.field(description="Counts per context, publisher, domain, category and year of every event "
                      "matched, over all pages.")
    def facets(self, info: Info) -> Annotated[Facets, strawberry.lazy(".facets")]:
        from .facets import of_criteria  # the facets module builds on the types of this one

        return of_criteria(info.context.reader, self._criteria)


def event_connection(info: Info, criteria: Criteria, first: int | None, after: str | None,
                     order: EventOrder = EventOrder.NEWEST_FIRST, last: int | None = None,
                     before: str | None = None) -> EventConnection:
    """Keyset pages over events, both ways: a cursor holds an event's path (its identity)."""
    reader = info.context.reader
    page = window(first, after, last, before, event_cursor).keyset_page(
        order.keyset,
        lambda keyset, start, end, limit: reader.list_events(criteria, first=limit, after=start, order=keyset,
                                                             before=end),
        lambda keyset, place: reader.events_through(criteria, order=keyset, through=place),
    )
    edges = [EventEdge(cursor=cursors.encode(EVENT_CURSOR, row["path"]), node=Event.from_row(row)) for row in page.rows]
    return EventConnection(edges=edges, page_info=PageInfo.of(edges, page),
                           _count=lambda: reader.count_events(criteria), _criteria=criteria)


@strawberry.type(description="Number of events in one day, month or year.")
class TimelineBucket:
    bucket: str = strawberry.field(description="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`.")
    count: int


def timeline(info: Info, criteria: Criteria, interval: Interval) -> list[TimelineBucket]:
    rows = info.context.reader.timeline(criteria, interval.value)
    return [TimelineBucket(bucket=row["bucket"], count=row["count"]) for row in rows]


@strawberry.type(description="A topic shared by events (a Wikipedia article name).")
class Context(Node):
    _pk: strawberry.Private[int]
    name: str
    event_count: int = strawberry.field(description="Events that have this context.")

    @classmethod
    def from_row(cls, row: Row) -> Context:
        return cls.of(row["id"], row["name"], row["event_count"])

    @classmethod
    def of(cls, pk: int, name: str, event_count: int | None) -> Context:
        return cls(id=strawberry.ID(cursors.node_id("Context", name)), _pk=pk, name=name,
                   event_count=event_count or 0)

    @strawberry.field(description=f"Events with this context, newest first; `filter` narrows them further. {BOTH_WAYS}")
    def events(self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None,
               before: str | None = None, order_by: EventOrder | None = None,
               filter: EventFilter | None = None) -> EventConnection:
        return event_connection(info, self._criteria(filter), first, after, order_by or EventOrder.NEWEST_FIRST, last,
                                before)

    @strawberry.field(description="Events with this context per day, month or year; `filter` narrows them.")
    def timeline(self, info: Info, interval: Interval = Interval.MONTH,
                 filter: EventFilter | None = None) -> list[TimelineBucket]:
        return timeline(info, self._criteria(filter), interval)

    def _criteria(self, filter: EventFilter | None) -> Criteria:
        return Criteria(((IN_CONTEXT, self._pk),)).also(criteria_of(filter))

    @strawberry.field(description="Contexts that appear on the same events, most shared first.")
    def co_occurring(self, info: Info, first: int | None = 10) -> list[ContextCount]:
        rows = info.context.reader.co_contexts(self._pk, page_size(first, 10))
        return [ContextCount(context=Context.from_row(row), count=row["together"]) for row in rows]


@strawberry.type(description="A context and a count of events: those it shares with another context "
                 "(`coOccurring`), or those of a set it is on (`facets`).")
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
            id=strawberry.ID(cursors.node_id("Event", row["path"])), _pk=row["id"], path=row["path"],
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

    @strawberry.field(description="How many related links of the archive point at this event (backlinks).")
    async def linked_from_count(self, info: Info) -> int:
        return await info.context.loaders.linked_from_count.load(self._pk)

    @strawberry.field(description="The links of other events that point at this one (backlinks): newest citing event "
                      f"first, then in the order each lists them. {BOTH_WAYS}")
    def linked_from(self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None,
                    before: str | None = None) -> Annotated[BacklinkConnection, strawberry.lazy(".backlinks")]:
        from .backlinks import linked_from  # it builds on Event: imported when first asked for

        return linked_from(info, self._pk, first, after, last, before)

    @strawberry.field(description="Events reachable within `depth` hops (one recursive SQL query), along the "
                      "event's links (OUTGOING), against them (INCOMING: the events that cite it), or BOTH.")
    def related_graph(self, info: Info, depth: int = 2, limit: int = 100,
                      direction: GraphDirection = GraphDirection.OUTGOING) -> RelatedGraph:
        in_range("depth", depth)
        in_range("limit", limit)
        nodes, edges = info.context.reader.related_graph(self._pk, depth, limit, direction.name)
        paths = {row["id"]: row["path"] for row in nodes}  # an edge joins two of the nodes
        return RelatedGraph(
            nodes=[GraphNode(depth=row["depth"], event=Event.from_row(row)) for row in nodes],
            edges=[
                GraphEdge(
                    source=strawberry.ID(cursors.node_id("Event", paths[row["event_id"]])),
                    target=strawberry.ID(cursors.node_id("Event", paths[row["target_id"]])),
                    title=row["title"],
                )
                for row in edges
            ],
        )


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


@strawberry.type(description="What this archive file is: what a client shows and keys its caches on.")
class Archive:
    schema_version: int
    built_at: str = strawberry.field(description="When the file was built, in UTC (ISO 8601).")
    fingerprint: str = strawberry.field(description="The corpus fingerprint: a digest of every file's bytes. "
                                        "Two builds of one corpus share it.")
    files: int = strawberry.field(description="Files in the corpus it was built from.")
    event_count: int
    source_count: int
    context_count: int
    link_count: int = strawberry.field(description="Related links of every event.")
    resolved_link_count: int = strawberry.field(description="Links whose target event is in the archive.")
    skipped_files: int = strawberry.field(description="Corpus files not read (listed in `build_errors`).")
    warnings: int = strawberry.field(description="Problems in files that were read (listed in `build_errors`).")
    first_date: dt.date | None
    last_date: dt.date | None

    @strawberry.field(description="`resolvedLinkCount / linkCount` (0 with no links).")
    def resolved_share(self) -> float:
        return self.resolved_link_count / self.link_count if self.link_count else 0.0

    @classmethod
    def from_meta(cls, meta: dict[str, str | None]) -> Archive:
        def number(key: str) -> int:
            return int(meta.get(key) or 0)

        def day(key: str) -> dt.date | None:
            value = meta.get(key)
            return dt.date.fromisoformat(value) if value else None

        return cls(schema_version=number("schema_version"), built_at=meta.get("built_at") or "",
                   fingerprint=meta.get("corpus_fingerprint") or "", files=number("files"),
                   event_count=number("events"), source_count=number("sources"), context_count=number("contexts"),
                   link_count=number("related"), resolved_link_count=number("related_resolved"),
                   skipped_files=number("skipped_files"), warnings=number("warnings"),
                   first_date=day("first_date"), last_date=day("last_date"))


@strawberry.type(description="One build of this archive file and what it changed against the file it replaced. "
                 "A client keeps the `fingerprint` it has, and asks for `events(filter: {changedSince: ...})` "
                 "and the paths removed since.")
class Build:
    number: int = strawberry.field(description="1 for the first build of the file, then one more each build.")
    built_at: str = strawberry.field(description="When, in UTC (ISO 8601).")
    fingerprint: str = strawberry.field(description="The corpus fingerprint: a digest of every file's bytes.")
    kind: str = strawberry.field(description="`full` (every file parsed) or `incremental` (changed days only).")
    parsed_files: int
    event_count: int = strawberry.field(description="Events in the archive after this build.")
    added: int = strawberry.field(description="Events added (every event, for the first build).")
    changed: int = strawberry.field(description="Events whose file or day-page category changed.")
    removed: int

    @strawberry.field(description="The paths of the events this build removed, in path order.")
    def removed_paths(self, info: Info, first: int | None = None) -> list[str]:
        return info.context.reader.removed_paths(self.number, page_size(first))

    @classmethod
    def from_row(cls, row: Row) -> Build:
        return cls(number=row["id"], built_at=row["built_at"], fingerprint=row["fingerprint"], kind=row["kind"],
                   parsed_files=row["parsed_files"], event_count=row["events"], added=row["added"],
                   changed=row["changed"], removed=row["removed"])
