"""``Event.linkedFrom``: the links of other events that point at an event, in pages both ways.

Newest citing event first, then each event's links in the order it lists them (``db.sql.BACKLINKS``).
A cursor holds the citing event's path and the link's position in it (``gql.arguments.link_cursor``):
like an event cursor, it keeps its place in every later build, even once the citing event is gone.
"""

from __future__ import annotations

import strawberry

from db.read import Row
from db.sql import BACKLINKS

from ..arguments import link_cursor, link_place
from .context import Info
from .pages import PageInfo, window
from .types import Context, Event


@strawberry.type(description="A link of another event that points at this one (a backlink).")
class Backlink:
    _pk: strawberry.Private[int]
    event: Event = strawberry.field(description="The citing event.")
    title: str = strawberry.field(description="The linked event's title, as the citing event states it.")

    @classmethod
    def from_row(cls, row: Row) -> Backlink:
        """A link and its citing event, from a row of ``Reader.backlinks``."""
        return cls(_pk=row["link_id"], event=Event.from_row(row), title=row["link_title"])

    @strawberry.field(description="Contexts the two events share, as the link lists them.")
    async def contexts(self, info: Info) -> list[Context]:
        return [Context.from_row(row) for row in await info.context.loaders.related_contexts.load(self._pk)]


@strawberry.type
class BacklinkEdge:
    cursor: str
    node: Backlink


@strawberry.type(description="The links pointing at an event in pages: `edges`, `pageInfo` and `totalCount` (Relay).")
class BacklinkConnection:
    edges: list[BacklinkEdge]
    page_info: PageInfo
    _target: strawberry.Private[int]

    @strawberry.field(description="How many links point at the event, over all pages (its `linkedFromCount`).")
    async def total_count(self, info: Info) -> int:
        return await info.context.loaders.linked_from_count.load(self._target)


def linked_from(info: Info, target: int, first: int | None, after: str | None, last: int | None,
                before: str | None) -> BacklinkConnection:
    """A page of the links pointing at the event ``target`` (its id)."""
    reader = info.context.reader
    page = window(first, after, last, before, link_place).keyset_page(
        BACKLINKS,
        lambda order, start, end, limit: reader.backlinks(target, first=limit, after=start, order=order, before=end),
        lambda order, place: reader.backlinks_through(target, order=order, through=place),
    )
    edges = [BacklinkEdge(cursor=link_cursor((row["path"], row["position"])), node=Backlink.from_row(row))
             for row in page.rows]
    return BacklinkConnection(edges=edges, page_info=PageInfo.of(edges, page), _target=target)
