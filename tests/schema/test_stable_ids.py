"""Ids and cursors survive rebuilds: an event's id is its date and slug, never its row number."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.build import build
from db.sample import SAMPLE_DIR
from gql import cursors
from gql.web.app import create_app

PAGE = ("query($a: String) { events(first: 7, after: $a, orderBy: OLDEST_FIRST) "
        "{ edges { cursor node { id path title } } } }")


async def ask(db: Path, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=create_app(db))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        body = (await http.post("/graphql", json={"query": query, "variables": variables or {}})).json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample, and the sample changed: its first day removed, a day before it added, one event edited."""
    root = tmp_path_factory.mktemp("stable")
    corpus = root / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    before = root / "before.db"
    build(corpus, before)
    shutil.rmtree(corpus / "news/2015/09/01")
    earlier = corpus / "news/2015/08/31"
    earlier.mkdir(parents=True)
    for n in range(3):
        (earlier / f"added-{n}.md").write_text(
            f"### [2015-08-31](/news/2015/08/31/index.md)\n\n# Added event {n}.\n\nA body.\n", encoding="utf-8")
    edited = sorted((corpus / "news/2015/09/05").glob("[!i]*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("\n\n", "\n\nEdited. ", 1), encoding="utf-8")
    after = root / "after.db"
    build(corpus, after)
    return before, after


async def everything(db: Path) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    cursor = None
    while page := (await ask(db, PAGE, {"a": cursor}))["events"]["edges"]:
        edges += page
        cursor = page[-1]["cursor"]
    return edges


async def test_the_id_of_an_unchanged_event_is_the_same_in_the_next_build(two_builds: tuple[Path, Path]) -> None:
    before, after = [await everything(db) for db in two_builds]
    old = {edge["node"]["path"]: edge["node"]["id"] for edge in before}
    new = {edge["node"]["path"]: edge["node"]["id"] for edge in after}
    kept = old.keys() & new.keys()
    assert len(kept) > 100 and all(old[path] == new[path] for path in kept)
    query = "query($id: ID!) { node(id: $id) { ... on Event { path } } }"
    for edge in before[::9]:
        found = (await ask(two_builds[1], query, {"id": edge["node"]["id"]}))["node"]
        path = edge["node"]["path"]
        assert (found and found["path"]) == (path if path in new else None)  # the same event, or null: never another


async def test_a_cursor_taken_before_continues_the_same_walk(two_builds: tuple[Path, Path]) -> None:
    before, after = [await everything(db) for db in two_builds]
    paths = [edge["node"]["path"] for edge in after]
    for edge in before[::11]:  # kept or removed (the first day is gone from the second build)
        page = (await ask(two_builds[1], PAGE, {"a": edge["cursor"]}))["events"]["edges"]
        expected = [path for path in paths if path > edge["node"]["path"]][:7]
        assert [e["node"]["path"] for e in page] == expected


async def test_a_before_cursor_taken_before_keeps_its_place(two_builds: tuple[Path, Path]) -> None:
    back = ("query($b: String) { events(last: 7, before: $b, orderBy: OLDEST_FIRST) "
            "{ edges { node { path } } pageInfo { hasNextPage } } }")
    before, after = [await everything(db) for db in two_builds]
    paths = [edge["node"]["path"] for edge in after]
    taken = before[::11]
    assert any(edge["node"]["path"] not in paths for edge in taken)  # some are gone from the second build
    for edge in taken:
        page = (await ask(two_builds[1], back, {"b": edge["cursor"]}))["events"]
        expected = [path for path in paths if path < edge["node"]["path"]][-7:]
        assert [e["node"]["path"] for e in page["edges"]] == expected
        assert page["pageInfo"]["hasNextPage"] is True  # later events remain in the second build


async def test_a_context_id_is_its_name(two_builds: tuple[Path, Path]) -> None:
    for db in two_builds:
        data = await ask(db, '{ context(name: "Syria") { id } }')
        assert data["context"]["id"] == cursors.node_id("Context", "Syria")
        again = await ask(db, "query($id: ID!) { node(id: $id) { ... on Context { name } } }",
                          {"id": data["context"]["id"]})
        assert again["node"] == {"name": "Syria"}


async def test_an_old_row_number_id_is_null(two_builds: tuple[Path, Path]) -> None:
    data = await ask(two_builds[1], '{ a: node(id: "RXZlbnQ6NTk") { id } b: node(id: "Q29udGV4dDox") { id } }')
    assert data == {"a": None, "b": None}  # Event:59, Context:1 as 0.1 spelled them
