"""Facets of event lists and search, ``contexts``/``publishers(filter:)`` and ``trending`` (issue 12,
items 2 and 5), asserted against the sample's own rows counted with sqlite3."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from db import facets, rollups
from db.build import build
from db.filters import FILTERS_BY_NAME, Criteria
from db.read import Reader
from db.sample import SAMPLE_DIR
from gql.arguments import plain_match
from gql.limits import MAX_WINDOW_DAYS
from gql.web.app import create_app

FACETS = """facets {
  contexts(first: 100) { context { name eventCount } count }
  publishers(first: 100) { value count }
  domains(first: 100) { value count }
  categories(first: 100) { value count }
  years { bucket count }
}"""


def rows(db: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(query, params).fetchall()


def expected(db: Path, ids: str, *params: object) -> dict[str, Any]:
    """The facets of the events ``ids`` (a query), counted here by plain GROUP BYs."""
    def ordered(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return sorted(found, key=lambda row: (-row[-1], row[0]))

    contexts = ordered(rows(db, f"SELECT c.name, c.event_count, count(*) FROM event_contexts ec JOIN contexts c"
                                f" ON c.id = ec.context_id WHERE ec.event_id IN ({ids}) GROUP BY c.id", *params))
    counted = {
        name: ordered(rows(db, f"SELECT {column}, count(DISTINCT {key}) FROM {table} WHERE {key} IN ({ids})"
                               f" AND {column} IS NOT NULL GROUP BY {column}", *params))
        for name, table, column, key in (("publishers", "sources", "name", "event_id"),
                                         ("domains", "sources", "domain", "event_id"),
                                         ("categories", "events", "category", "id"))
    }
    years = rows(db, f"SELECT substr(date, 1, 4), count(*) FROM events WHERE id IN ({ids}) GROUP BY 1 ORDER BY 1",
                 *params)
    return {
        "contexts": [{"context": {"name": name, "eventCount": total}, "count": count}
                     for name, total, count in contexts[:100]],
        **{name: [{"value": value, "count": count} for value, count in found[:100]]
           for name, found in counted.items()},
        "years": [{"bucket": year, "count": count} for year, count in years],
    }


CONTEXTS = ["European migrant crisis", "Syrian civil war"]
MATCHED = ("SELECT ec.event_id FROM event_contexts ec JOIN contexts c ON c.id = ec.context_id"
           " WHERE c.name IN (?, ?)")


async def test_facets_count_every_matched_event_not_the_page(gql_post: Any, sample_db: Path) -> None:
    data = await gql_post(f"query($c: [String!]) {{ events(first: 2, filter: {{contextsAny: $c}}) {{ totalCount"
                          f" edges {{ cursor }} {FACETS} }} }}", {"c": CONTEXTS})
    found = data["events"]
    assert found["facets"] == expected(sample_db, MATCHED, *CONTEXTS)
    assert len(found["edges"]) == 2 < found["totalCount"] == sum(year["count"] for year in found["facets"]["years"])
    after = await gql_post(f"query($c: [String!], $a: String) {{ events(first: 2, after: $a, filter: {{contextsAny:"
                           f" $c}}) {{ {FACETS} }} }}", {"c": CONTEXTS, "a": found["edges"][-1]["cursor"]})
    assert after["events"]["facets"] == found["facets"]  # the same on every page


async def test_unfiltered_facets_are_the_whole_archive(gql_post: Any, sample_db: Path) -> None:
    data = await gql_post(f"{{ events(first: 1) {{ {FACETS} }} }}")
    assert data["events"]["facets"] == expected(sample_db, "SELECT id FROM events")
    empty_filter = await gql_post(f"{{ events(first: 1, filter: {{}}) {{ {FACETS} }} }}")
    assert empty_filter == data


async def test_search_facets_count_the_hits(gql_post: Any, sample_db: Path) -> None:
    data = await gql_post(f'{{ search(query: "refugees", first: 1) {{ totalCount {FACETS} }} }}')
    hits = "SELECT rowid FROM events_fts WHERE events_fts MATCH ?"
    assert data["search"]["facets"] == expected(sample_db, hits, plain_match("refugees"))
    assert data["search"]["totalCount"] == sum(year["count"] for year in data["search"]["facets"]["years"]) > 1


async def test_a_context_s_events_have_facets(gql_post: Any, sample_db: Path) -> None:
    data = await gql_post(f'{{ context(name: "Syria") {{ events(first: 1) {{ {FACETS} }} }} }}')
    assert data["context"]["events"]["facets"] == expected(
        sample_db, "SELECT event_id FROM event_contexts WHERE context_id = (SELECT id FROM contexts WHERE name = ?)",
        "Syria")


@pytest.mark.parametrize(("arguments", "ids", "params"), [
    ('events(first: 1, filter: {category: "Armed conflicts and attacks"})',
     "SELECT id FROM events WHERE category = ?", ["Armed conflicts and attacks"]),
    ('events(first: 1, filter: {dateFrom: "2015-09-05", dateTo: "2016-12-10"})',
     "SELECT id FROM events WHERE date >= ? AND date <= ?", ["2015-09-05", "2016-12-10"]),
    ('events(first: 1, filter: {contextsAll: ["European migrant crisis"]})', MATCHED, CONTEXTS[:1] * 2),
    ('context(name: "European migrant crisis") { events(first: 1)', MATCHED, CONTEXTS[:1] * 2),
])
async def test_facets_of_a_rolled_up_scope_are_the_counted_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                arguments: str, ids: str, params: list[str]) -> None:
    """A context (of at least ``MIN_CONTEXT_EVENTS``: lowered for the sample), a category, a date
    range (its whole months, the days at its edges counted) read from ``facet_rollups``."""
    monkeypatch.setattr(rollups, "MIN_CONTEXT_EVENTS", 4)
    db = tmp_path / "rolled.db"
    build(SAMPLE_DIR, db, workers=1)
    assert rows(db, "SELECT count(*) FROM facet_rollups WHERE scope = 'context:' ||"
                    " (SELECT id FROM contexts WHERE name = ?)", CONTEXTS[0])[0][0]  # the context is a scope
    closing = " }" if arguments.startswith("context(") else ""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(db)), base_url="http://t") as http:
        response = await http.post("/graphql", json={"query": f"{{ {arguments} {{ {FACETS} }}{closing} }}"})
    data = response.json()["data"]
    found = data["context"]["events"] if closing else data["events"]
    assert found["facets"] == expected(db, ids, *params)


async def test_first_cuts_each_list_and_nothing_matched_is_empty(gql_post: Any) -> None:
    data = await gql_post("{ events(first: 0) { facets { contexts { count } top: contexts(first: 2) { count }"
                          " none: publishers(first: 0) { count } } }"
                          ' nothing: search(query: "   ") { facets { categories { value } years { count } } }'
                          ' unmatched: events(filter: {dateFrom: "2030-01-01"}) { facets { domains { value }'
                          " years { count } } } }")
    assert len(data["events"]["facets"]["contexts"]) == 10  # the default `first`
    assert data["events"]["facets"]["top"] == data["events"]["facets"]["contexts"][:2]
    assert data["events"]["facets"]["none"] == []
    assert data["nothing"]["facets"] == {"categories": [], "years": []}
    assert data["unmatched"]["facets"] == {"domains": [], "years": []}


@pytest.mark.parametrize("query", [
    "{ events { facets { contexts(first: 101) { count } } } }",
    'query($n: Int) { events { facets { domains(first: $n) { value } } } }',
    '{ search(query: "NEAR(", advanced: true) { facets { years { count } } } }',
])
async def test_bad_facet_arguments_are_user_errors(client: httpx.AsyncClient, query: str) -> None:
    response = await client.post("/graphql", json={"query": query, "variables": {"n": 10_000}})
    assert response.status_code in (200, 400)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error


async def test_the_set_is_gathered_once_for_every_facet_of_a_connection(sample_db: Path) -> None:
    """The lists asked for of one connection are counted together, whatever their `first`: the set
    gathered once, then one statement per distinct list."""
    app = create_app(sample_db, compiled=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/graphql", json={"query": '{ events(first: 1, filter: {dateFrom: "2015-09-05"})'
                                                     " { facets { a: contexts(first: 2) { count } b: contexts"
                                                     " { count } categories { count } years { count } } } }",
                                                     "extensions": {"cost": True}})
    body = response.json()
    assert body["extensions"]["cost"]["statements"] == 5, body  # the page, the set, and 3 distinct lists
    assert body["data"]["events"]["facets"]["a"] == body["data"]["events"]["facets"]["b"][:2]


# -- the compiled path declines a connection's facets: the resolvers answer, the same either way


@pytest.mark.parametrize("query", [
    f"{{ events(first: 3, filter: {{contextsAny: [\"Syria\"]}}) {{ totalCount {FACETS} }} }}",
    f'{{ search(query: "migrants", first: 2) {{ edges {{ node {{ title }} }} {FACETS} }} }}',
])
async def test_facets_answer_the_same_with_the_compiled_path_on_and_off(sample_db: Path, query: str) -> None:
    answers = []
    for compiled in (True, False):
        app = create_app(sample_db, compiled=compiled)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            response = await http.post("/graphql", json={"query": query})
        assert response.status_code == 200 and "errors" not in response.json()
        answers.append(response.json())
    assert answers[0] == answers[1]


# -- plans


@pytest.mark.parametrize("filters", [
    {"contextsAny": '["Syria"]'}, {"dateFrom": "2015-09-05", "dateTo": "2015-09-07"},
    {"category": "Law and crime"}, {"publisher": "BBC"}, {"domain": "bbc.co.uk"},
])
def test_filtered_facets_read_indexes_only(sample_db: Path, filters: dict[str, str]) -> None:
    criteria = Criteria(tuple((FILTERS_BY_NAME[name], value) for name, value in filters.items()))
    where, params = criteria.where()
    reader = Reader(sample_db)
    try:
        plans = [reader.explain(facets.facet(ids, name, 100), bound) for name in facets.FACETS for ids, bound in (
            (f"SELECT e.id AS id FROM events e WHERE {where}", params),
            ("SELECT f.rowid AS id FROM events_fts f WHERE events_fts MATCH ?", ['"syria"']))]
    finally:
        reader.close()
    for plan in plans:
        scans = [detail for detail in plan if detail.startswith("SCAN ") and detail.split()[1] in
                 {"e", "events", "sources", "related", "event_contexts", "ec", "contexts", "c"}]
        assert not scans, plan


# -- windowed statistics


async def test_contexts_and_publishers_count_within_a_filter(gql_post: Any, sample_db: Path) -> None:
    data = await gql_post('{ contexts(first: 100, filter: {dateFrom: "2015-09-05"}) { name eventCount }'
                          ' syria: contexts(filter: {dateFrom: "2015-09-05"}, prefix: "Syria") { name eventCount }'
                          ' second: contexts(first: 2, offset: 1, filter: {dateFrom: "2015-09-05"}) { name }'
                          ' publishers(first: 100, filter: {dateFrom: "2015-09-05"}) { name domain eventCount }'
                          ' bbc: publishers(filter: {dateFrom: "2015-09-05"}, domain: "www.BBC.co.uk") { name }'
                          ' all: contexts(first: 100, filter: {}) { name eventCount } plain: contexts(first: 100)'
                          " { name eventCount } }")
    within = "SELECT id FROM events WHERE date >= '2015-09-05'"
    contexts = sorted(rows(sample_db, "SELECT c.name, count(*) FROM event_contexts ec JOIN contexts c ON"
                                      f" c.id = ec.context_id WHERE ec.event_id IN ({within}) GROUP BY c.id"),
                      key=lambda row: (-row[1], row[0]))
    assert [(c["name"], c["eventCount"]) for c in data["contexts"]] == contexts[:100]
    assert [(c["name"], c["eventCount"]) for c in data["syria"]] == [c for c in contexts if c[0].startswith("Syria")]
    assert [c["name"] for c in data["second"]] == [c[0] for c in contexts[1:3]]
    publishers = sorted(rows(sample_db, "SELECT name, min(domain), count(DISTINCT event_id) FROM sources"
                                        f" WHERE event_id IN ({within}) GROUP BY name"),
                        key=lambda row: (-row[2], row[0]))
    assert [(p["name"], p["domain"], p["eventCount"]) for p in data["publishers"]] == publishers[:100]
    assert [p["name"] for p in data["bbc"]] == [name for (name,) in rows(
        sample_db, f"SELECT DISTINCT name FROM sources WHERE domain = 'bbc.co.uk' AND event_id IN ({within})")]
    assert data["all"] == data["plain"]  # an empty filter changes nothing


def _trending(db: Path, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """``trending`` computed here from the rows: shares of both windows, add-one smoothed."""
    days = (last - first).days + 1
    before = (first - dt.timedelta(days), first - dt.timedelta(1))

    def counts(start: dt.date, end: dt.date) -> tuple[int, dict[str, int]]:
        total = rows(db, "SELECT count(*) FROM events WHERE date BETWEEN ? AND ?", start.isoformat(),
                     end.isoformat())[0][0]
        found = dict(rows(db, "SELECT c.name, count(*) FROM events e JOIN event_contexts ec ON ec.event_id = e.id"
                              " JOIN contexts c ON c.id = ec.context_id WHERE e.date BETWEEN ? AND ? GROUP BY c.name",
                          start.isoformat(), end.isoformat()))
        return total, found

    total, now = counts(first, last)
    previous_total, previous = counts(*before)
    scored = [{"context": {"name": name}, "count": count, "previousCount": previous.get(name, 0),
               "score": math.log((count + 1) / (total + 1)) - math.log((previous.get(name, 0) + 1)
                                                                        / (previous_total + 1))}
              for name, count in now.items() if count >= facets.MIN_TRENDING_COUNT]
    return sorted(scored, key=lambda item: (-item["score"], -item["count"], item["context"]["name"]))


@pytest.mark.parametrize(("start", "end"), [("2015-09-06", "2015-09-08"), ("2015-09-04", "2015-09-10"),
                                            ("2015-09-07", "2015-09-07")])
async def test_trending_ranks_by_smoothed_share_ratio(gql_post: Any, sample_db: Path, start: str, end: str) -> None:
    data = await gql_post("query($f: Date!, $t: Date!) { trending(dateFrom: $f, dateTo: $t, first: 100) {"
                          " context { name } count previousCount score } }", {"f": start, "t": end})
    found = data["trending"]
    wanted = _trending(sample_db, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert [{**item, "score": pytest.approx(item["score"])} for item in wanted] == found
    if start != end:
        assert found and all(item["count"] >= facets.MIN_TRENDING_COUNT for item in found)


@pytest.mark.parametrize(("arguments", "message"), [
    ('dateFrom: "2015-09-08", dateTo: "2015-09-06"', "dateFrom (2015-09-08) must be on or before dateTo (2015-09-06)"),
    ('dateFrom: "2014-01-01", dateTo: "2015-09-06"',
     f"dateTo: the window from dateFrom may be {MAX_WINDOW_DAYS} days long at most; got 614"),
    ('dateFrom: "2015-09-01", dateTo: "2015-09-06", first: 1000', "first must be between 0 and 100; got 1000"),
])
async def test_trending_refuses_a_bad_window(client: httpx.AsyncClient, arguments: str, message: str) -> None:
    response = await client.post("/graphql", json={"query": f"{{ trending({arguments}) {{ count }} }}"})
    [error] = response.json()["errors"]
    assert error["message"] == message and error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_trending_at_the_ends_of_time_answers(gql_post: Any) -> None:
    data = await gql_post('{ a: trending(dateFrom: "0001-01-01", dateTo: "0001-01-05") { count }'
                          ' b: trending(dateFrom: "9999-12-01", dateTo: "9999-12-31") { count } }')
    assert data == {"a": [], "b": []}


def test_trending_reads_the_date_index(sample_db: Path) -> None:
    reader = Reader(sample_db)
    try:
        plan = reader.explain(facets.TRENDING, ("2015-09-06", "2015-09-08", "2015-09-03", "2015-09-05", 1, 1, 3, 10))
    finally:
        reader.close()
    assert any("idx_events_date" in detail for detail in plan), plan
    assert not [detail for detail in plan if detail.startswith("SCAN ") and detail.split()[1] in
                {"e", "events", "ec", "event_contexts", "c", "contexts"}], plan
