"""Identical GETs are replayed from memory: same bytes and headers, 304s, nothing re-run."""

from __future__ import annotations

from pathlib import Path

import httpx

from gql.web.app import create_app

QUERY = {"query": "{ events(first: 30) { edges { node { title body } } } }"}


async def test_replay_is_identical_and_runs_nothing(sample_db: Path) -> None:
    app = create_app(sample_db)
    statements: list[str] = []
    app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for encoding in ("identity", "gzip"):
            headers = {"accept": "application/graphql-response+json", "accept-encoding": encoding}
            first = await http.get("/graphql", params=QUERY, headers=headers)
            ran = len(statements)
            again = await http.get("/graphql", params=QUERY, headers=headers)
            assert len(statements) == ran  # answered without touching the database
            assert again.content == first.content and again.json()["data"]["events"]["edges"]
            assert again.headers == first.headers
            assert again.headers.get("content-encoding") == (None if encoding == "identity" else "gzip")
            not_modified = await http.get("/graphql", params=QUERY, headers={**headers,
                                                                              "if-none-match": first.headers["etag"]})
            assert not_modified.status_code == 304 and not_modified.headers["etag"] == first.headers["etag"]
        legacy = await http.get("/graphql", params=QUERY, headers={"accept": "application/json"})
        assert legacy.headers["content-type"].startswith("application/json")


async def test_answers_with_errors_are_not_replayed(sample_db: Path) -> None:
    app = create_app(sample_db)
    statements: list[str] = []
    app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
    bad = {"query": "query($n: Int) { events(first: $n) { totalCount } }", "variables": '{"n": 500}'}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for _ in range(2):
            response = await http.get("/graphql", params=bad)
            assert response.json()["errors"] and "etag" not in response.headers
            assert response.headers["cache-control"] == "no-store"
