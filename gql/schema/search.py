"""``search``: a page of full-text hits by rank or in date order, with Relay cursors.

By rank the cursor is the hit's place in the ranking; in date order it is the event's id, a
keyset like that of ``events``. Rank, snippet and the match are ``db.sql``'s, as in the
compiled path.
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry

from db.errors import SearchSyntaxError
from db.filters import Criteria
from db.read import Reader, Row
from db.sql import SNIPPET_TEXT_CHARS, Keyset

from .. import cursors
from ..arguments import EVENT_CURSOR, RANK_CURSOR, dated_cursor, page_size, rank_cursor, search_match
from ..errors import UserError
from .context import Info
from .facets import Facets, of_search
from .inputs import SearchOrder
from .types import Event, PageInfo


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
           order: SearchOrder) -> SearchConnection:
    """The page of hits of ``text`` (plain words, or an FTS5 expression when ``advanced``) among
    the events ``criteria`` holds."""
    match = search_match(text, advanced)
    size = page_size(first)
    reader = info.context.reader
    try:
        keyset = order.keyset
        if keyset is None:
            edges, more, previous = _ranked_hits(reader, match, criteria, size, after)
        else:
            edges, more, previous = _dated_hits(reader, match, criteria, size, after, keyset)
    except SearchSyntaxError as exc:
        raise UserError(str(exc)) from None
    return SearchConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more, has_previous_page=previous,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=lambda: _count_hits(reader, match, criteria) if match else 0,
        _match=match,
        _criteria=criteria,
    )


Hits = tuple[list[SearchEdge], bool, bool]  # edges, has next page, has previous page


def _ranked_hits(reader: Reader, match: str | None, criteria: Criteria, size: int, after: str | None) -> Hits:
    """A page of hits by rank; the cursor is the hit's place in the ranking."""
    offset = rank_cursor(after) + 1 if after else 0
    rows = reader.search(match, first=size + 1, offset=offset, criteria=criteria) if size and match else []
    edges = [SearchEdge.from_row(cursors.encode(RANK_CURSOR, offset + index), row)
             for index, row in enumerate(rows[:size])]
    return edges, len(rows) > size, offset > 0


def _dated_hits(reader: Reader, match: str | None, criteria: Criteria, size: int, after: str | None,
                keyset: Keyset) -> Hits:
    """A page of hits in date order; the cursor is the event's path, a keyset like `events`."""
    after_path = dated_cursor(after) if after else None
    rows = (reader.search_by_date(match, first=size + 1, after=after_path, order=keyset, criteria=criteria)
            if size and match else [])
    edges = [SearchEdge.from_row(cursors.encode(EVENT_CURSOR, row["path"]), row) for row in rows[:size]]
    return edges, len(rows) > size, after_path is not None


def _count_hits(reader: Reader, match: str, criteria: Criteria) -> int:
    try:
        return reader.count_search(match, criteria)
    except SearchSyntaxError as exc:
        raise UserError(str(exc)) from None
