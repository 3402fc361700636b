"""``search``: a page of full-text hits by rank or in date order, with Relay cursors.

By rank the cursor is the hit's place in the ranking; in date order it is the event's id, a
keyset like that of ``events``. Rank, snippet and the match are ``db.sql``'s, as in the
compiled path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from db.errors import SearchSyntaxError
from db.filters import Criteria
from db.read import Reader, Row
from db.sql import SNIPPET_TEXT_CHARS, Keyset

from .. import cursors
from ..arguments import EVENT_CURSOR, RANK_CURSOR, dated_cursor, rank_cursor, search_match
from ..errors import UserError
from .context import Info
from .facets import Facets, of_search
from .inputs import SearchOrder
from .pages import Page, PageInfo, Window, window
from .types import Event


@strawberry.type(description="A search hit: the event, its rank and a highlighted snippet.")
class SearchEdge:
    cursor: str
    node: Event
    rank: float = strawberry.field(description="bm25 score, 6 decimals; lower is better (SQLite FTS5).")
    snippet: str = strawberry.field(description=f"Matching text with `<mark>` around hits: from the title alone "
                                                f"when the event's text is over {SNIPPET_TEXT_CHARS:,} characters.")

    @classmethod
    def from_row(cls, cursor: str, row: Row) -> SearchEdge:
        return cls(cursor=cursor, node=Event.from_row(row), rank=row["rank"], snippet=row["snippet"])


@strawberry.type(description="Search results in the order asked for (best first by default), with Relay cursors.")
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], int]]  # counted only when asked for
    _match: strawberry.Private[str | None]  # the FTS5 expression and the filter: their hits are
    _criteria: strawberry.Private[Criteria]  # what the facets count

    @strawberry.field
    def total_count(self) -> int:
        return self._count()

    @strawberry.field(description="Counts per context, publisher, domain, category and year of every hit, over "
                      "all pages.")
    def facets(self, info: Info) -> Facets:
        return of_search(info.context.reader, self._match, self._criteria)


def search(info: Info, text: str, criteria: Criteria, first: int | None, after: str | None, advanced: bool,
           order: SearchOrder, last: int | None = None, before: str | None = None) -> SearchConnection:
    """The page of hits of ``text`` (plain words, or an FTS5 expression when ``advanced``) among
    the events ``criteria`` holds."""
    match = search_match(text, advanced)
    reader = info.context.reader
    counted: list[int] = []

    def total() -> int:  # counted once, when asked for (or to page back from the end of a ranking)
        if not counted:
            counted.append(_count_hits(reader, match, criteria) if match else 0)
        return counted[0]

    try:
        keyset = order.keyset
        if keyset is None:
            edges, page = _ranked_hits(reader, match, criteria, window(first, after, last, before, rank_cursor), total)
        else:
            edges, page = _dated_hits(reader, match, criteria, window(first, after, last, before, dated_cursor), keyset)
    except SearchSyntaxError as exc:
        raise UserError(str(exc)) from None
    return SearchConnection(edges=edges, page_info=PageInfo.of(edges, page), _count=total, _match=match,
                            _criteria=criteria)


Hits = tuple[list[SearchEdge], Page[Any]]  # the edges, and where their page lies


def _ranked_hits(reader: Reader, match: str | None, criteria: Criteria, asked: Window[int],
                 total: Callable[[], int]) -> Hits:
    """A page of hits by rank; a cursor is the hit's place in the ranking, and a page an offset
    window: from just after ``after`` (or the top) up to ``before``. Read backward, the window
    ends at ``before`` or at the last hit, whichever comes first (so the hits are counted)."""
    low = asked.after + 1 if asked.after is not None else 0
    if asked.backward:  # the places [start, end), read as if backward from `end`
        end = min(asked.before, total()) if asked.before is not None else total()
        start = max(low, end - asked.limit)
        places = range(end - 1, start - 1, -1)
    else:
        end = asked.before if asked.before is not None else low + asked.limit
        places = range(low, min(end, low + asked.limit))
    rows = (reader.search(match, first=len(places), offset=min(places, default=0), criteria=criteria)
            if match and places else [])
    if asked.backward:
        rows.reverse()
    edges = [SearchEdge.from_row(cursors.encode(RANK_CURSOR, place), row) for place, row
             in zip(places, rows, strict=False)]  # fewer hits than places at the end
    page = asked.page(edges, lambda: total() > 0, lambda: asked.before is not None and total() > asked.before)
    return page.rows, page


def _dated_hits(reader: Reader, match: str | None, criteria: Criteria, asked: Window[str], keyset: Keyset) -> Hits:
    """A page of hits in date order; a cursor is the event's path, a keyset like `events`."""
    if match is None:
        return [], asked.page([], lambda: False, lambda: False)
    page = asked.keyset_page(
        keyset,
        lambda order, start, end, limit: reader.search_by_date(match, first=limit, after=start, order=order,
                                                               criteria=criteria, before=end),
        lambda order, place: reader.hits_through(match, order=order, through=place, criteria=criteria),
    )
    edges = [SearchEdge.from_row(cursors.encode(EVENT_CURSOR, row["path"]), row) for row in page.rows]
    return edges, page


def _count_hits(reader: Reader, match: str, criteria: Criteria) -> int:
    try:
        return reader.count_search(match, criteria)
    except SearchSyntaxError as exc:
        raise UserError(str(exc)) from None
