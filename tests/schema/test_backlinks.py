"""``Event.linkedFrom`` (issue 12, item 4): the links pointing at an event, newest citing event first,
paged both ways, asserted against the sample's own ``related`` rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

from db import sql
from db.read import Reader
from gql import cursors
from gql.arguments import link_cursor
from gql.limits import DEFAULT_PAGE, MAX_PAGE
from gql.schema.rules import measure

#: The sample's most cited event.
CITED = "SELECT target_id FROM related WHERE target_id IS NOT NULL GROUP BY target_id ORDER BY count(*) DESC, 1"
#: Its backlinks as the API gives them: newest citing event first, then by position.
BACKLINKS = ("SELECT e.path, r.position, r.title, r.id FROM related r JOIN events e ON e.id = r.event_id"
             " WHERE r.target_id = ? ORDER BY r.event_id DESC, r.position")
QUERY = ("query($p: String!, $f: Int, $a: String, $l: Int, $b: String) { event(path: $p) { linkedFromCount"
         " linkedFrom(first: $f, after: $a, last: $l, before: $b) { totalCount edges { cursor node { title"
         " event { path } contexts { name } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }")


def rows(db: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(query, params).fetchall()


def cited(db: Path) -> tuple[int, str]:
    [(target, path)] = rows(db, f"SELECT id, path FROM events WHERE id = ({CITED} LIMIT 1)")
    return target, path


async def linked_from(post: Any, path: str, **page: object) -> dict[str, Any]:
    data = await post(QUERY, {"p": path, **page})
    return data["event"]["linkedFrom"]  # type: ignore[no-any-return]


def placed(connection: dict[str, Any]) -> list[tuple[str, str]]:
    return [(edge["node"]["event"]["path"], edge["node"]["title"]) for edge in connection["edges"]]


async def test_the_most_cited_event_s_backlinks_are_its_related_rows(gql_post: Any, sample_db: Path) -> None:
    target, path = cited(sample_db)
    expected = rows(sample_db, BACKLINKS, target)
    data = await gql_post(QUERY, {"p": path, "f": 100})
    found = data["event"]["linkedFrom"]
    assert len(expected) > 4 and found["totalCount"] == data["event"]["linkedFromCount"] == len(expected)
    assert placed(found) == [(citing, title) for citing, _, title, _ in expected]
    assert [edge["cursor"] for edge in found["edges"]] == [link_cursor((citing, at)) for citing, at, _, _ in expected]
    for edge, (_, _, _, link) in zip(found["edges"], expected, strict=True):
        names = rows(sample_db, "SELECT c.name FROM related_contexts lc JOIN contexts c ON c.id = lc.context_id"
                                " WHERE lc.related_id = ? ORDER BY lc.position", link)
        assert [context["name"] for context in edge["node"]["contexts"]] == [name for (name,) in names]
    assert any(edge["node"]["contexts"] for edge in found["edges"])
    assert found["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False,
                                 "startCursor": found["edges"][0]["cursor"], "endCursor": found["edges"][-1]["cursor"]}


async def test_backlinks_page_forward_then_backward(gql_post: Any, sample_db: Path) -> None:
    target, path = cited(sample_db)
    expected = [(citing, title) for citing, _, title, _ in rows(sample_db, BACKLINKS, target)]
    forward: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = await linked_from(gql_post, path, f=2, a=cursor)
        forward += placed(page)
        assert page["pageInfo"]["hasPreviousPage"] is (cursor is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    backward: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = await linked_from(gql_post, path, l=2, b=cursor)
        backward = placed(page) + backward
        assert page["pageInfo"]["hasNextPage"] is (cursor is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        cursor = page["pageInfo"]["startCursor"]
    assert forward == backward == expected


async def test_a_cursor_of_a_citing_event_gone_keeps_its_place(gql_post: Any, sample_db: Path) -> None:
    target, path = cited(sample_db)
    expected = [(citing, title) for citing, _, title, _ in rows(sample_db, BACKLINKS, target)]
    middle = expected[len(expected) // 2][0]
    gone = middle.removesuffix(".md") + "-gone.md"  # just before the middle citing event in path order
    assert not rows(sample_db, "SELECT 1 FROM events WHERE path = ?", gone)
    after = await linked_from(gql_post, path, f=100, a=link_cursor((gone, 1)))
    before = await linked_from(gql_post, path, l=100, b=link_cursor((gone, 1)))
    assert placed(after) == [link for link in expected if link[0] < gone]  # older citing events: after, newest first
    assert placed(before) == [link for link in expected if link[0] > gone]
    assert placed(before) + placed(after) == expected
    assert after["pageInfo"]["hasPreviousPage"] is True and before["pageInfo"]["hasNextPage"] is True


async def test_an_event_no_link_points_at(gql_post: Any, sample_db: Path) -> None:
    [(path,)] = rows(sample_db, "SELECT path FROM events WHERE id NOT IN (SELECT target_id FROM related"
                                " WHERE target_id IS NOT NULL) ORDER BY id LIMIT 1")
    for page in ({"f": 5}, {"l": 5}):
        found = await linked_from(gql_post, path, **page)
        assert found == {"totalCount": 0, "edges": [], "pageInfo": {
            "hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}}


@pytest.mark.parametrize("argument", ["after", "before"])
async def test_a_cursor_of_another_list_is_refused(client: httpx.AsyncClient, sample_db: Path, argument: str) -> None:
    _, path = cited(sample_db)
    event_cursor = cursors.encode("e", path)
    literal = f'{{ event(path: "{path}") {{ linkedFrom({argument}: "{event_cursor}") {{ totalCount }} }} }}'
    response = await client.post("/graphql", json={"query": literal},
                                 headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["message"] == f"invalid {argument} cursor: {event_cursor[:40]!r} does not belong here"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    variable = {"p": path, "a" if argument == "after" else "b": cursors.encode("l", f"x:{path}")}
    response = await client.post("/graphql", json={"query": QUERY, "variables": variable})
    [error] = response.json()["errors"]
    assert response.status_code == 200 and error["message"].startswith(f"invalid {argument} cursor: ")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_backlinks_are_a_range_of_the_target_index(sample_db: Path) -> None:
    target, path = cited(sample_db)
    select = "e.id, r.position"
    reader = Reader(sample_db)
    try:
        plans = [
            reader.explain(sql.backlink_page(select, "?", sql.BACKLINKS, None, None, "?"), [target, 5]),
            reader.explain(sql.backlink_page(select, ":t", sql.BACKLINKS.reversed, (":p", ":k"), (":q", ":j"),
                                             ":n"), {"t": target, "p": path, "k": 1, "q": path, "j": 2, "n": 5}),
            reader.explain(sql.backlinks_through(":t", sql.BACKLINKS, (":p", ":k")),
                           {"t": target, "p": path, "k": 1}),
        ]
    finally:
        reader.close()
    for plan in plans:
        assert any("SEARCH r USING" in line and "idx_related_target_id_event_id_position (target_id=?" in line
                   for line in plan), plan
        assert not any(line.startswith(("SCAN r", "SCAN e")) or "TEMP B-TREE" in line for line in plan), plan
    assert "(target_id=? AND event_id>? AND event_id<?)" in plans[1][0]  # between two places: a range of it


def test_linked_from_is_counted_as_a_page() -> None:
    def objects(arguments: str) -> int:
        inner = f"linkedFrom{arguments} {{ edges {{ node {{ title }} }} }}"
        return measure(parse(f"{{ events(first: 10) {{ edges {{ node {{ {inner} }} }} }} }}"), None)["objects"]

    assert objects("(last: 5)") == objects("(first: 5)") < objects("") == objects(f"(first: {DEFAULT_PAGE})")
    assert objects("") < objects(f"(last: {MAX_PAGE})")
