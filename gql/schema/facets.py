"""Statistics of event lists: ``Facets`` of a connection's whole matched set, the windowed
``contexts(filter:)`` and ``publishers(filter:)``, and ``trending``. The SQL is ``db.facets``'s.

A connection's facets are counted over every event it matched, not over its page, the way
search engines give aggregations beside the hits: the lists a client shows to narrow the set
(contexts, publishers, domains, categories, years) answer the same whichever page it is on, and
with the connection's own ``filter`` (or search) they need no second request. The lists asked
for of one connection are counted in one statement (a DataLoader per connection gathers them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import strawberry
from strawberry.dataloader import DataLoader

from db import facets
from db.errors import SearchSyntaxError
from db.filters import Criteria
from db.read import Reader, Row

from ..arguments import page_size, trending_window
from ..errors import UserError
from ..limits import FACET_PAGE, MAX_PAGE
from .context import Info
from .types import Context, ContextCount, Publisher, TimelineBucket

#: ``first`` of a facet list when omitted.


@strawberry.type(description="A value of a facet (a publisher, a domain, a category) and how many events of the "
                 "set have it.")
class FacetCount:
    value: str
    count: int


@strawberry.type(description="Counts over every event a list matched, not over its page (as search engines give "
                 "aggregations beside the hits): most events first, then by name. An event counts once per "
                 "value it has (an event citing two BBC articles counts once for BBC).")
class Facets:
    _load: strawberry.Private[DataLoader[str, list[Row]]]

    @classmethod
    def counting(cls, fetch: Callable[[Sequence[str]], dict[str, list[Row]]]) -> Facets:
        """The facets that ``fetch(names)`` counts, the first ``MAX_PAGE`` of each list: those asked
        for of one connection are fetched together, each list then cut to its ``first``."""
        async def load(names: list[str]) -> list[list[Row]]:
            found = fetch(names)
            return [found[name] for name in names]

        return cls(_load=DataLoader(load_fn=load))

    async def _rows(self, name: str, first: int | None) -> list[Row]:
        size = page_size(first, FACET_PAGE)
        return (await self._load.load(name))[:size] if size else []

    @strawberry.field(description="Contexts of the set's events; `count` is within the set, `context.eventCount` "
                      "the whole archive's.")
    async def contexts(self, first: int | None = FACET_PAGE) -> list[ContextCount]:
        return [ContextCount(context=Context.of(row["value"], row["name"], row["extra"]), count=row["count"])
                for row in await self._rows("contexts", first)]

    @strawberry.field(description="Publishers (source names) cited by the set's events.")
    async def publishers(self, first: int | None = FACET_PAGE) -> list[FacetCount]:
        return _counts(await self._rows("publishers", first))

    @strawberry.field(description="Source hosts (without `www.`) cited by the set's events.")
    async def domains(self, first: int | None = FACET_PAGE) -> list[FacetCount]:
        return _counts(await self._rows("domains", first))

    @strawberry.field(description="Day-page categories of the set's events (events without one are not counted).")
    async def categories(self, first: int | None = FACET_PAGE) -> list[FacetCount]:
        return _counts(await self._rows("categories", first))

    @strawberry.field(description="Events of the set per year, in year order (years with none left out).")
    async def years(self) -> list[TimelineBucket]:
        return [TimelineBucket(bucket=row["value"], count=row["count"]) for row in await self._load.load("years")]


def _counts(rows: list[Row]) -> list[FacetCount]:
    return [FacetCount(value=row["value"], count=row["count"]) for row in rows]


def of_criteria(reader: Reader, criteria: Criteria) -> Facets:
    """The facets of the events of ``criteria`` (an ``EventConnection``'s)."""
    return Facets.counting(lambda names: reader.facets(criteria, names, MAX_PAGE))


def of_search(reader: Reader, match: str | None, criteria: Criteria) -> Facets:
    """The facets of the hits of the FTS5 expression ``match`` (None: no words, no hits) among the
    events of ``criteria``."""
    def fetch(names: Sequence[str]) -> dict[str, list[Row]]:
        if match is None:
            return {name: [] for name in names}
        try:
            return reader.search_facets(match, criteria, names, MAX_PAGE)
        except SearchSyntaxError as exc:
            raise UserError(str(exc)) from None

    return Facets.counting(fetch)


# -- windowed statistics ----------------------------------------------------------------------


def contexts_within(info: Info, criteria: Criteria, first: int, offset: int, prefix: str | None) -> list[Context]:
    """``contexts(filter:)``: ``eventCount`` is the count within the filtered events, and orders them."""
    rows = info.context.reader.contexts_within(criteria, first=first, offset=offset, prefix=prefix)
    return [Context.of(row["value"], row["name"], row["count"]) for row in rows]


def publishers_within(info: Info, criteria: Criteria, first: int, offset: int, domain: str | None) -> list[Publisher]:
    """``publishers(filter:)``: ``eventCount`` is the count within the filtered events, and orders them."""
    rows = info.context.reader.publishers_within(criteria, first=first, offset=offset, domain=domain)
    return [Publisher(name=row["name"], domain=row["extra"], event_count=row["count"]) for row in rows]


@strawberry.type(description="A context trending in a window of days: its events there and in the equally long "
                 "window just before, and the score that ranks it.")
class TrendingContext:
    context: Context
    count: int = strawberry.field(description="Events of the context in the window.")
    previous_count: int = strawberry.field(description="Events of the context in the window before.")
    score: float = strawberry.field(description="`ln((count + 1) / (N + 1)) - ln((previousCount + 1) / (M + 1))`, "
                                    "N and M being all events of the window and of the one before: the log ratio "
                                    "of the context's add-one smoothed shares. 0 is as common as before, 0.69 "
                                    "twice the share; a context absent before scores finitely, and more events "
                                    "weigh more than a few.")


TRENDING_DESCRIPTION = (
    "Contexts whose share of the events dated `dateFrom` to `dateTo` (both included; equal dates are one day) "
    "most exceeds their share in the equally long window just before, best `score` first (then most events, "
    f"then name). A context needs at least {facets.MIN_TRENDING_COUNT} events in the window, so that one-off "
    "contexts do not top the list."
)


def trending(info: Info, date_from: dt.date, date_to: dt.date, first: int | None) -> list[TrendingContext]:
    window, before = trending_window(date_from, date_to)
    rows = info.context.reader.trending(window, before, page_size(first, FACET_PAGE))
    return [TrendingContext(context=Context.from_row(row), count=row["count"], previous_count=row["previous"],
                            score=facets.score(row["count"], row["previous"], row["total"], row["previous_total"]))
            for row in rows]
