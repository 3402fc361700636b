"""The server follows its file (issue 13): a file renamed over the served path, or a symlink switched,
answers from the next look at the path with none of the old file's answers, tags or plans; a file
written over in place is refused (503) until a good file is renamed in; an in-flight request keeps
its file open to the end."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from db.build import build
from gql.limits import FOLLOW_INTERVAL
from gql.web.app import create_app
from gql.web.follow import etag_prefix

QUERY = "{ events(first: 3) { edges { node { title } } } }"
GQL = {"accept": "application/graphql-response+json"}


@pytest.fixture
def served(tagged_dbs: dict[str, Path], tmp_path: Path) -> Path:
    """``news.db``: a copy of file A, for the test to replace."""
    path = tmp_path / "news.db"
    shutil.copyfile(tagged_dbs["A"], path)
    return path


@pytest.fixture
async def client(served: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(served)), base_url="http://t") as http:
        yield http


def staged(tagged_dbs: dict[str, Path], tag: str, served: Path) -> Path:
    """A copy of file ``tag`` beside the served path, ready to be renamed over it."""
    path = served.with_name(f"{tag}.staged")
    shutil.copyfile(tagged_dbs[tag], path)
    return path


def meta(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())


async def a_look() -> None:
    """Wait past the interval between looks at the path."""
    await asyncio.sleep(FOLLOW_INTERVAL + 0.05)


async def tags(client: httpx.AsyncClient, method: str = "POST") -> set[str]:
    """The files the titles of one answer come from (one, when the answer is whole)."""
    if method == "POST":
        response = await client.post("/graphql", json={"query": QUERY}, headers=GQL)
    else:
        response = await client.get("/graphql", params={"query": QUERY}, headers=GQL)
    assert response.status_code == 200, response.text
    return {edge["node"]["title"][:3] for edge in response.json()["data"]["events"]["edges"]}


def open_deleted(directory: Path) -> list[str]:
    """Files under ``directory`` this process holds open though they are no longer there."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(directory)) and target.endswith(" (deleted)"):
            found.append(target)
    return found


async def test_a_file_renamed_over_the_path_answers_next(client: httpx.AsyncClient, served: Path,
                                                        tagged_dbs: dict[str, Path]) -> None:
    first = await client.get("/graphql", params={"query": QUERY}, headers=GQL)
    assert await tags(client, "GET") == await tags(client) == {"[A]"}  # replayed, and from the response cache
    old_feed = await client.get("/feed.atom?first=3")
    assert "[A] " in old_feed.text

    os.replace(staged(tagged_dbs, "B", served), served)
    await a_look()

    assert await tags(client) == await tags(client, "GET") == {"[B]"}
    again = await client.get("/graphql", params={"query": QUERY},
                             headers={**GQL, "if-none-match": first.headers["etag"]})
    assert again.status_code == 200 and again.content != first.content  # the old tag is no 304 for the new answer
    assert again.headers["etag"] != first.headers["etag"]
    assert again.headers["etag"].startswith(f'"{etag_prefix(meta(tagged_dbs["B"]))}-')
    feed = await client.get("/feed.atom?first=3", headers={"if-none-match": old_feed.headers["etag"]})
    assert feed.status_code == 200 and "[B] " in feed.text and "[A] " not in feed.text
    assert feed.headers["etag"] != old_feed.headers["etag"]
    health = await client.get("/healthz")
    assert health.status_code == 200 and "reason" not in health.json()
    assert health.json()["meta"]["built_at"] == meta(tagged_dbs["B"])["built_at"]
    assert open_deleted(served.parent) == []  # file A's connection is closed: no request was using it


async def test_a_build_to_the_served_path_answers_next(client: httpx.AsyncClient, served: Path,
                                                      tagged_dbs: dict[str, Path]) -> None:
    assert await tags(client) == {"[A]"}
    build(tagged_dbs["C"].with_name("corpus-C"), served)  # a temporary file, renamed over the path when complete
    await a_look()
    assert await tags(client, "GET") == await tags(client) == {"[C]"}
    assert (await client.get("/healthz")).status_code == 200


async def test_a_switched_symlink_is_followed(tagged_dbs: dict[str, Path], tmp_path: Path) -> None:
    link = tmp_path / "news.db"
    link.symlink_to(tagged_dbs["A"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(link)), base_url="http://t") as client:
        assert await tags(client, "GET") == {"[A]"}
        etag = (await client.get("/graphql", params={"query": QUERY}, headers=GQL)).headers["etag"]
        switched = tmp_path / "news.db.new"
        switched.symlink_to(tagged_dbs["B"])
        os.replace(switched, link)  # what `ln -s B.db news.db.new && mv -T news.db.new news.db` does
        await a_look()
        assert await tags(client, "GET") == await tags(client) == {"[B]"}
        answer = await client.get("/graphql", params={"query": QUERY}, headers={**GQL, "if-none-match": etag})
        assert answer.status_code == 200 and answer.headers["etag"] != etag
        health = await client.get("/healthz")
    assert health.status_code == 200 and health.json()["database"] == "news.db"
    assert health.json()["meta"]["corpus_fingerprint"] == meta(tagged_dbs["B"])["corpus_fingerprint"]


async def test_a_file_written_over_in_place_is_refused_until_one_is_renamed_in(
        client: httpx.AsyncClient, served: Path, tagged_dbs: dict[str, Path]) -> None:
    first = await client.get("/graphql", params={"query": QUERY}, headers=GQL)  # recorded for replay
    assert await tags(client) == {"[A]"}

    shutil.copyfile(tagged_dbs["B"], served)  # what `cp B.db news.db` does: the same inode, other bytes
    await a_look()

    for response in (
        await client.post("/graphql", json={"query": QUERY}, headers=GQL),
        await client.post("/graphql", json={"query": QUERY}),  # application/json
        await client.post("/graphql", json=[{"query": QUERY}, {"query": QUERY}], headers=GQL),  # a batch
        await client.get("/graphql", params={"query": QUERY}, headers=GQL),  # replayed before
        await client.get("/graphql", params={"query": QUERY}, headers={**GQL, "if-none-match": first.headers["etag"]}),
    ):
        assert response.status_code == 503 and response.headers["cache-control"] == "no-store"
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
        assert error["message"].startswith(f"{served} was changed in place") and "data" not in response.json()
    feed = await client.get("/feed.atom")
    assert feed.status_code == 503 and "changed in place" in feed.text
    health = await client.get("/healthz")
    assert health.status_code == 503 and health.json()["reason"].startswith(f"{served} was changed in place")

    os.replace(staged(tagged_dbs, "C", served), served)
    await a_look()
    assert await tags(client, "GET") == await tags(client) == {"[C]"}
    assert (await client.get("/feed.atom")).status_code == 200
    health = await client.get("/healthz")
    assert health.status_code == 200 and health.json()["meta"]["built_at"] == meta(tagged_dbs["C"])["built_at"]


async def test_a_file_that_cannot_be_served_leaves_the_old_one_answering(
        client: httpx.AsyncClient, served: Path, tagged_dbs: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    assert await tags(client) == {"[A]"}
    broken = served.with_name("broken.staged")
    broken.write_bytes(b"not a database")
    os.replace(broken, served)
    await a_look()
    assert await tags(client) == await tags(client, "GET") == {"[A]"}
    health = await client.get("/healthz")
    assert health.status_code == 503
    reason = health.json()["reason"]
    assert reason.startswith(f"{served} now holds a file that cannot be served (not a newsgql database")
    assert reason.endswith("still answering from the one opened before")
    assert caplog.text.count("cannot be served") == 1  # logged once, not at every look

    os.replace(staged(tagged_dbs, "B", served), served)
    await a_look()
    assert await tags(client) == {"[B]"}
    assert (await client.get("/healthz")).status_code == 200


async def test_a_path_gone_keeps_the_old_file_until_a_new_one_is_there(
        client: httpx.AsyncClient, served: Path, tagged_dbs: dict[str, Path]) -> None:
    assert await tags(client) == {"[A]"}
    served.unlink()
    await a_look()
    assert await tags(client) == {"[A]"}
    health = await client.get("/healthz")
    assert health.status_code == 503 and health.json()["reason"] == f"the database file is gone: {served}"
    os.replace(staged(tagged_dbs, "B", served), served)
    await a_look()
    assert await tags(client) == {"[B]"}
    assert (await client.get("/healthz")).status_code == 200


async def test_a_request_in_flight_keeps_its_file_open(served: Path, tagged_dbs: dict[str, Path]) -> None:
    app = create_app(served)
    follower = app.state.follower
    old = follower.archive
    old.take()  # as a request that has not finished
    os.replace(staged(tagged_dbs, "B", served), served)
    assert follower.state(now=True).archive is not old
    assert old.reader.rows("SELECT count(*) FROM events")[0][0] == 133  # still open, under the request
    old.done()
    with pytest.raises(sqlite3.ProgrammingError):  # closed when the request was done
        old.reader.rows("SELECT 1")
    assert follower.archive.reader.rows("SELECT title FROM events LIMIT 1")[0][0].startswith("[B] ")


def test_two_builds_of_one_corpus_tag_their_answers_apart() -> None:
    one = {"corpus_fingerprint": "3fa9c2d41b07e6a8ffff", "built_at": "2026-01-05T10:15:00+00:00"}
    assert etag_prefix(one) == "3fa9c2d41b07e6a8-20260105T101500"
    assert etag_prefix({**one, "built_at": "2026-01-05T10:15:01+00:00"}) != etag_prefix(one)
    assert etag_prefix({}) == "nofingerprint-unknown"
