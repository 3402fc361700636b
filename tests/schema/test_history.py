"""What changed, through the API (issue 13, item 4): ``builds`` and the ``changedSince`` /
``changedAfter`` filters, on a file built, changed and rebuilt incrementally; both executors agree."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.build import BuildSummary, build
from db.sample import SAMPLE_DIR
from gql.web.app import create_app
from tests.db.test_incremental import CHANGES


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary, BuildSummary]:
    """The sample built, then a day added, an event edited and a day removed, rebuilt over it."""
    root = tmp_path_factory.mktemp("history")
    corpus, served = root / "corpus", root / "news.db"
    shutil.copytree(SAMPLE_DIR, corpus)
    first = build(corpus, served, workers=1)
    for change in ("add a day", "edit an event", "remove a day"):
        CHANGES[change](corpus)
    return served, first, build(corpus, served, workers=1)


async def post(db: Path, query: str, variables: dict[str, Any] | None = None, *, compiled: bool = True) -> Any:
    app = create_app(db, compiled=compiled, max_age=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        answers = [await http.post("/graphql", json={"query": query, "variables": variables or {}})
                   for _ in range(2)]  # the second may take the compiled path
    assert answers[0].text == answers[1].text
    return answers[1].json()


async def test_builds_say_what_each_changed(rebuilt: tuple[Path, BuildSummary, BuildSummary]) -> None:
    served, first, second = rebuilt
    assert second.changes is not None
    body = await post(served, "{ builds { number kind fingerprint eventCount added changed removed"
                              " removedPaths(first: 100) } }")
    assert body["data"]["builds"] == [
        {"number": 2, "kind": "incremental", "fingerprint": second.fingerprint, "eventCount": second.events,
         "added": 1, "changed": 1, "removed": len(second.changes.removed),
         "removedPaths": second.changes.removed},
        {"number": 1, "kind": "full", "fingerprint": first.fingerprint, "eventCount": first.events,
         "added": first.events, "changed": 0, "removed": 0, "removedPaths": []},
    ]
    assert all(path.startswith("/news/2015/09/01/") for path in second.changes.removed)


@pytest.mark.parametrize("compiled", [False, True])
async def test_changed_since_a_fingerprint_or_a_time(rebuilt: tuple[Path, BuildSummary, BuildSummary],
                                                     compiled: bool) -> None:
    served, first, second = rebuilt
    assert second.changes is not None
    query = ("query($f: String!, $t: String!) { since: events(filter: {changedSince: $f}, first: 100) {"
             " totalCount edges { node { path } } }"
             " latest: events(filter: {changedSince: $l}) { totalCount }"
             " unknown: events(filter: {changedSince: \"f00\"}) { totalCount }"
             " after: events(filter: {changedAfter: $t}) { totalCount }"
             " before: events(filter: {changedAfter: \"2000-01-01T00:00:00Z\"}) { totalCount } }"
             ).replace("$t: String!)", "$t: String!, $l: String!)")
    body = await post(served, query, {"f": first.fingerprint, "t": first.built_at, "l": second.fingerprint},
                      compiled=compiled)
    data = body["data"]
    assert sorted(edge["node"]["path"] for edge in data["since"]["edges"]) == sorted(
        second.changes.added + second.changes.changed)
    assert data["since"]["totalCount"] == 2
    assert data["latest"]["totalCount"] == 0  # nothing newer than the newest build
    assert data["unknown"]["totalCount"] == second.events  # a copy older than the history: everything
    assert data["before"]["totalCount"] == second.events
    # the first build's time: the second came after it (2 events), or in the same second (not after it)
    assert data["after"]["totalCount"] == (2 if second.built_at > first.built_at else 0)


@pytest.mark.parametrize("time", ["yesterday", "0001-01-01T00:00:00+05:00"])  # the second: before UTC's first day
async def test_a_bad_time_is_named(rebuilt: tuple[Path, BuildSummary, BuildSummary], time: str) -> None:
    body = await post(rebuilt[0], f'{{ events(filter: {{changedAfter: "{time}"}}) {{ totalCount }} }}')
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "changedAfter: not an ISO 8601 time, e.g. 2026-12-05T10:00:00Z" in error["message"]
