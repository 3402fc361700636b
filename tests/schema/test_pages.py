"""Paging both ways (issue 12, item 3): every connection walked forward with ``first``/``after`` and
backward with ``last``/``before`` sees every edge once each way, and ``pageInfo`` says where a
page lies, asserted against the sample's own rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

from db import sql
from db.read import Reader
from db.sql import NEWEST_FIRST, OLDEST_FIRST, Keyset
from gql import cursors
from gql.limits import MAX_PAGE
from gql.schema.rules import measure

PAGE = "edges { cursor node { path } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
ARGS = "first: $f, after: $a, last: $l, before: $b"
VARS = "$f: Int, $a: String, $l: Int, $b: String"
WORD = "migrant"  # in a tenth of the sample: several pages of hits at 4 a page


def rows(db: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(query, params).fetchall()


def largest_context(db: Path) -> str:
    return str(rows(db, "SELECT name FROM contexts ORDER BY event_count DESC, name LIMIT 1")[0][0])


def connection_query(field: str) -> str:
    """A query of one connection with the four page arguments as variables; ``field`` holds ``{args}``
    (and may open the fields it is nested in)."""
    opened = field.format(args=ARGS)
    return f"query({VARS}) {{ {opened} {{ {PAGE} }} {'}' * (opened.count('{') - opened.count('}'))}}}"


def found(data: dict[str, Any]) -> dict[str, Any]:
    """The connection in an answer, however deep (``context { events }``)."""
    while "edges" not in data:
        [data] = data.values()
    return data


async def walk(post: Any, query: str, size: int, backward: bool) -> tuple[list[str], list[dict[str, Any]]]:
    """Every edge's path in the order the walk met them, and every page's pageInfo."""
    met: list[str] = []
    infos: list[dict[str, Any]] = []
    cursor = None
    while True:
        if backward:
            page = found(await post(query, {"l": size, "b": cursor}))
        else:
            page = found(await post(query, {"f": size, "a": cursor}))
        paths = [edge["node"]["path"] for edge in page["edges"]]
        met += paths[::-1] if backward else paths
        infos.append(page["pageInfo"])
        assert page["pageInfo"]["startCursor"] == (page["edges"][0]["cursor"] if paths else None)
        assert page["pageInfo"]["endCursor"] == (page["edges"][-1]["cursor"] if paths else None)
        more = page["pageInfo"]["hasPreviousPage" if backward else "hasNextPage"]
        if not more:
            return met, infos
        cursor = page["pageInfo"]["startCursor" if backward else "endCursor"]
        assert len(met) < 1000, "the walk does not end"


async def assert_walks_both_ways(post: Any, field: str, expected: list[str], size: int) -> None:
    query = connection_query(field)
    forward, ahead = await walk(post, query, size, backward=False)
    backward, back = await walk(post, query, size, backward=True)
    assert forward == expected and len(set(forward)) == len(forward) > 2 * size  # each once, several pages
    assert backward == expected[::-1]  # each once, met in the opposite order
    # at the ends: the first page has none before it, the last none after it, whichever way walked
    assert ahead[0]["hasPreviousPage"] is False and ahead[0]["hasNextPage"] is True
    assert ahead[-1]["hasNextPage"] is False and ahead[-1]["hasPreviousPage"] is True
    assert back[0]["hasNextPage"] is False and back[0]["hasPreviousPage"] is True
    assert back[-1]["hasPreviousPage"] is False and back[-1]["hasNextPage"] is True
    assert all(info["hasNextPage"] and info["hasPreviousPage"] for info in ahead[1:-1] + back[1:-1])


@pytest.mark.parametrize("order", ["NEWEST_FIRST", "OLDEST_FIRST"])
async def test_events_walk_both_ways(gql_post: Any, sample_db: Path, order: str) -> None:
    direction = "DESC" if order == "NEWEST_FIRST" else "ASC"
    expected = [path for (path,) in rows(sample_db, f"SELECT path FROM events ORDER BY id {direction}")]
    await assert_walks_both_ways(gql_post, f"events({{args}}, orderBy: {order})", expected, 9)


@pytest.mark.parametrize("order", ["RELEVANCE", "NEWEST_FIRST", "OLDEST_FIRST"])
async def test_search_walks_both_ways(gql_post: Any, sample_db: Path, order: str) -> None:
    hits = rows(sample_db, "SELECT e.path FROM events_fts f JOIN events e ON e.id = f.rowid"
                           f" WHERE events_fts MATCH '\"{WORD}\"*' ORDER BY e.id")
    if order == "RELEVANCE":  # the ranking in one page
        whole = await gql_post(f'{{ search(query: "{WORD}", first: 100) {{ edges {{ node {{ path }} }} }} }}')
        expected = [edge["node"]["path"] for edge in whole["search"]["edges"]]
        assert sorted(expected) == sorted(path for (path,) in hits)
    else:
        expected = [path for (path,) in (hits[::-1] if order == "NEWEST_FIRST" else hits)]
    await assert_walks_both_ways(gql_post, f'search(query: "{WORD}", {{args}}, orderBy: {order})', expected, 4)


async def test_the_events_of_the_largest_context_walk_both_ways(gql_post: Any, sample_db: Path) -> None:
    name = largest_context(sample_db)
    expected = [path for (path,) in rows(
        sample_db, "SELECT e.path FROM events e JOIN event_contexts ec ON ec.event_id = e.id"
        " JOIN contexts c ON c.id = ec.context_id WHERE c.name = ? ORDER BY e.id DESC", name)]
    await assert_walks_both_ways(gql_post, f'context(name: "{name}") {{{{ events({{args}})', expected, 3)


# -- first and last together, both cursors ------------------------------------------------------


async def test_first_then_last_as_the_spec_says(gql_post: Any, sample_db: Path) -> None:
    paths = [path for (path,) in rows(sample_db, "SELECT path FROM events ORDER BY id DESC")]
    query = connection_query("events({args})")
    both = found(await gql_post(query, {"f": 10, "l": 3}))
    assert [edge["node"]["path"] for edge in both["edges"]] == paths[7:10]
    assert both["pageInfo"]["hasNextPage"] is True and both["pageInfo"]["hasPreviousPage"] is True
    fewer = found(await gql_post(query, {"f": 2, "l": 5}))  # last keeps all of first's two
    assert [edge["node"]["path"] for edge in fewer["edges"]] == paths[:2]
    assert fewer["pageInfo"]["hasPreviousPage"] is True  # more than 5 edges in the list
    # between two cursors: after the 3rd, before the 9th event
    after, before = cursors.encode("e", paths[2]), cursors.encode("e", paths[8])
    between = found(await gql_post(query, {"a": after, "b": before, "l": 2}))
    assert [edge["node"]["path"] for edge in between["edges"]] == paths[6:8]
    assert between["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": True,
                                   "startCursor": cursors.encode("e", paths[6]),
                                   "endCursor": cursors.encode("e", paths[7])}
    bounded = found(await gql_post(query, {"a": after, "b": before, "f": 10}))
    assert [edge["node"]["path"] for edge in bounded["edges"]] == paths[3:8]
    assert bounded["pageInfo"]["hasNextPage"] is False  # the list ends at `before`


async def test_ranked_pages_between_two_places(gql_post: Any) -> None:
    query = connection_query(f'search(query: "{WORD}", {{args}})')
    whole = [edge["node"]["path"] for edge in found(await gql_post(query, {"f": 100}))["edges"]]
    page = found(await gql_post(query, {"a": cursors.encode("s", 1), "b": cursors.encode("s", 6), "l": 3}))
    assert [edge["node"]["path"] for edge in page["edges"]] == whole[3:6]
    assert [edge["cursor"] for edge in page["edges"]] == [cursors.encode("s", n) for n in (3, 4, 5)]
    assert page["pageInfo"]["hasPreviousPage"] is True and page["pageInfo"]["hasNextPage"] is True
    # a place past the last hit: the page ends with the last hit
    beyond = found(await gql_post(query, {"b": cursors.encode("s", 10_000), "l": 2}))
    assert [edge["node"]["path"] for edge in beyond["edges"]] == whole[-2:]
    assert beyond["pageInfo"]["hasNextPage"] is False


async def test_an_empty_list_pages_to_nothing_either_way(gql_post: Any) -> None:
    query = connection_query('search(query: "zzzznothing", {args}, orderBy: NEWEST_FIRST)')
    for variables in ({"l": 5}, {"f": 5}, {"l": 5, "b": cursors.encode("e", "/news/2015/09/05/x.md")}):
        page = found(await gql_post(query, variables))
        assert page == {"edges": [], "pageInfo": {"hasNextPage": False, "hasPreviousPage": False,
                                                  "startCursor": None, "endCursor": None}}


async def test_the_other_side_of_a_cursor_is_looked_up(gql_post: Any, sample_db: Path) -> None:
    oldest, newest = rows(sample_db, "SELECT min(path), max(path) FROM events")[0]
    query = connection_query("events({args})")
    # a cursor before the oldest event (newest first, nothing is after it; before it is every event)
    early = cursors.encode("e", "/news/2000/01/01/nothing.md")
    page = found(await gql_post(query, {"l": 2, "b": early}))
    assert [edge["node"]["path"] for edge in page["edges"]][-1] == oldest
    assert page["pageInfo"]["hasNextPage"] is False and page["pageInfo"]["hasPreviousPage"] is True
    late = cursors.encode("e", "/news/2099/01/01/nothing.md")
    page = found(await gql_post(query, {"f": 2, "a": late}))
    assert page["edges"][0]["node"]["path"] == newest
    assert page["pageInfo"]["hasPreviousPage"] is False  # nothing is newer than 2099
    page = found(await gql_post(query, {"f": 2, "a": cursors.encode("e", newest)}))
    assert page["pageInfo"]["hasPreviousPage"] is True  # the cursor's own event is on the page before


# -- refused arguments ----------------------------------------------------------------------------


async def post_error(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"accept": "application/graphql-response+json"})
    assert response.status_code in (200, 400), response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize("query", [
    "{ events(last: 101) { totalCount } }",
    "{ context(name: \"Syria\") { events(last: -1) { totalCount } } }",
])
async def test_a_page_too_large_is_refused_naming_last(client: httpx.AsyncClient, query: str) -> None:
    error = await post_error(client, query)
    assert error["message"].startswith(f"last must be between 0 and {MAX_PAGE}; got")


async def test_last_as_a_variable_is_refused_too(client: httpx.AsyncClient) -> None:
    error = await post_error(client, connection_query("events({args})"), {"l": 500})
    assert error["message"] == f"last must be between 0 and {MAX_PAGE}; got 500"


@pytest.mark.parametrize("literal", [True, False])
async def test_a_before_cursor_of_another_order_is_refused(client: httpx.AsyncClient, literal: bool) -> None:
    ranked = cursors.encode("s", 3)
    if literal:  # a rank cursor is a search cursor: validation lets it through, the resolver refuses it
        query = f'{{ search(query: "{WORD}", last: 2, before: "{ranked}", orderBy: NEWEST_FIRST) {{ totalCount }} }}'
        error = await post_error(client, query)
    else:
        error = await post_error(client, connection_query(f'search(query: "{WORD}", {{args}}, orderBy: OLDEST_FIRST)'),
                                 {"l": 2, "b": ranked})
    assert error["message"] == ("invalid before cursor: it belongs to a search with another orderBy"
                                " (this one needs NEWEST_FIRST or OLDEST_FIRST)")


@pytest.mark.parametrize("before", ["garbage!", cursors.encode("s", 3), cursors.encode("e", "/news/2015/9/5/x.md")])
async def test_a_bad_before_literal_is_refused_in_validation(client: httpx.AsyncClient, before: str) -> None:
    query = f'{{ events(last: 2, before: "{before}") {{ totalCount }} }}'
    response = await client.post("/graphql", json={"query": query},
                                 headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 400  # refused before anything ran
    [error] = response.json()["errors"]
    assert error["message"].startswith("invalid before cursor: ")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_last_counts_like_first() -> None:
    def objects(query: str) -> int:
        return measure(parse(query), None)["objects"]

    nested = "{{ events({}) {{ edges {{ node {{ related {{ title }} }} }} }} }}"
    assert objects(nested.format("last: 3")) == objects(nested.format("first: 3"))
    assert objects("query($n: Int) " + nested.format("last: $n")) == objects(nested.format(f"first: {MAX_PAGE}"))
    assert objects(nested.format("last: 3")) < objects(nested.format("first: 30"))


# -- the plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [NEWEST_FIRST, OLDEST_FIRST])
def test_a_backward_page_of_events_is_a_rowid_range(sample_db: Path, order: Keyset) -> None:
    reader = Reader(sample_db)
    try:
        # what `events(last: 5, before: ...)` reads: the page after the cursor in the reversed order
        statement = sql.event_page("e.id", "1", order.reversed, "?", "?", "?")
        plan = reader.explain(statement, ["/news/2015/09/05/x.md", None, 6])
        through = reader.explain(sql.events_through("1", order, "?"), ["/news/2015/09/05/x.md"])
    finally:
        reader.close()
    assert any("USING INTEGER PRIMARY KEY (rowid" in line for line in plan), plan
    assert not any(line.startswith("SCAN e") or "TEMP B-TREE" in line for line in plan), plan
    assert not any(line.startswith("SCAN e") for line in through), through


async def test_the_last_place_of_a_ranking_is_no_cursor(client: httpx.AsyncClient, gql_post: Any) -> None:
    """The place after a rank cursor is an OFFSET: it must fit SQLite's integers, whichever way paged."""
    query = connection_query(f'search(query: "{WORD}", {{args}})')
    error = await post_error(client, query, {"f": 2, "a": cursors.encode("s", 2**63 - 1)})
    assert error["message"].startswith("invalid after cursor: ")
    far = cursors.encode("s", 2**63 - 2)
    assert found(await gql_post(query, {"f": 2, "a": far}))["edges"] == []
    page = found(await gql_post(query, {"l": 2, "b": far}))
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"] is False
