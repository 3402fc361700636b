"""Identical GETs and POSTs are replayed from memory: same bytes and headers, 304s, nothing re-run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.types import Message

from gql.execute import Answer, GraphQLRequest
from gql.limits import MAX_BODY_BYTES
from gql.web.app import create_app
from gql.web.replay import entry_of, replay_cache
from gql.web.reply import Reply

QUERY = {"query": "{ events(first: 30) { edges { node { title body } } } }"}


def executed(app: Starlette) -> list[bytes]:
    """The keys of the requests the served file's executor is asked to answer, from now on."""
    executor = app.state.follower.archive.executor
    keys: list[bytes] = []
    execute = executor.execute

    async def counted(request: GraphQLRequest, key: bytes, deadline: float | None = None) -> Answer:
        keys.append(key)
        return await execute(request, key, deadline)

    executor.execute = counted
    return keys


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_request_asked_again_is_replayed_as_it_was_answered(sample_db: Path, method: str) -> None:
    """The first answer the response cache gives is recorded; from then on an identical request is
    replayed, never reaching the executor; a GET's ``If-None-Match`` gets its 304 there too."""
    app = create_app(sample_db)
    keys = executed(app)
    sent: dict[str, Any] = {"params": QUERY} if method == "GET" else {"json": QUERY}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for encoding, ran in (("identity", 2), ("gzip", 1)):  # then the response cache holds it already
            headers = {"accept": "application/graphql-response+json", "accept-encoding": encoding}
            answers = [await http.request(method, "/graphql", headers=headers, **sent) for _ in range(4)]
            assert len(keys) == ran and len(set(keys)) == 1  # the others replayed
            keys.clear()
            assert all(a.content == answers[0].content and a.headers == answers[0].headers for a in answers)
            assert len(answers[3].json()["data"]["events"]["edges"]) == 30
            assert answers[3].headers.get("content-encoding") == (None if encoding == "identity" else "gzip")
            etag = answers[0].headers.get("etag")
            if method == "POST":
                assert etag is None  # a POST answer is not an HTTP cache's to keep
                continue
            not_modified = await http.get("/graphql", params=QUERY, headers={**headers, "if-none-match": etag})
            assert not_modified.status_code == 304 and not_modified.headers["etag"] == etag
            assert not keys
        legacy = await http.request(method, "/graphql", headers={"accept": "application/json"}, **sent)
        assert legacy.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("query", [QUERY, {"query": "{ events(first: 1) { totalCount } }"}])  # gzipped, too short
async def test_a_304_says_what_its_answer_says_whether_replayed_or_not(sample_db: Path, query: dict[str, str]) -> None:
    """The endpoint's 304 (made without executing) and the replay's (from the recorded 200) carry
    the 200's ETag, Cache-Control and Vary, the same for a long answer as for a short one."""
    app = create_app(sample_db)
    headers = {"accept": "application/graphql-response+json", "accept-encoding": "gzip"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        first = await http.get("/graphql", params=query, headers=headers)
        revalidating = {**headers, "if-none-match": first.headers["etag"]}
        by_endpoint = await http.get("/graphql", params=query, headers=revalidating)  # nothing recorded yet
        await http.get("/graphql", params=query, headers=headers)  # from the response cache: recorded
        by_replay = await http.get("/graphql", params=query, headers=revalidating)
    kept = ("etag", "cache-control", "vary")
    assert by_endpoint.status_code == by_replay.status_code == 304
    assert [by_endpoint.headers.get(name) for name in kept] == [by_replay.headers.get(name) for name in kept] \
        == [first.headers[name] for name in kept]
    assert first.headers["vary"] == "Accept, Accept-Encoding"
    assert set(by_endpoint.headers) == set(by_replay.headers) == set(kept)


def test_a_recorded_answer_counts_its_request_in_the_bound() -> None:
    """Keys are the requests' bytes, compared whole: what they hold is counted with the answer."""
    cache = replay_cache(10, 16 * 1_000)  # an entry over 1/16 of the bytes is never kept
    sent = Reply(200, [(b"content-length", b"2")], b"{}")
    short, long = ((b"POST", b"*/*", b"", b"application/json", b"x" * size) for size in (100, 5_000))
    for key in (short, long):
        cache.put(key, entry_of(sent, key))
    assert cache.get(short) == (None, ((b"content-length", b"2"),), b"{}", 2 + 3 + 16 + 100 + 4)
    assert cache.get(long) is None  # a 2-byte answer, but 5 KB of request


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


async def test_another_body_or_content_type_is_not_the_replayed_answer(sample_db: Path) -> None:
    app = create_app(sample_db)
    keys = executed(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        answers = [await http.post("/graphql", json=QUERY) for _ in range(3)]
        assert len(keys) == 2
        other = await http.post("/graphql", json={**QUERY, "variables": {"unused": 1}})
        assert len(keys) == 3 and other.json()["data"] == answers[2].json()["data"]  # another body: run
        wrong_type = await http.post("/graphql", content=orjson.dumps(QUERY), headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 415  # same body, other Content-Type: not the replayed answer


async def test_posts_with_errors_or_costs_are_not_replayed(sample_db: Path) -> None:
    app = create_app(sample_db)
    bad = {"query": "query($n: Int) { events(first: $n) { totalCount } }", "variables": {"n": 500}}
    costed = {**QUERY, "extensions": {"cost": True}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for body in (bad, costed):
            answers = [(await http.post("/graphql", json=body)).json() for _ in range(2)]
            if body is bad:
                assert answers[0]["errors"] and answers[1]["errors"]
            else:  # each run reports how it was answered: the second from the response cache, not replayed
                assert [answer["extensions"]["cost"]["executor"] for answer in answers] == ["resolvers", "cache"]


async def test_a_post_body_read_in_chunks_reaches_the_endpoint_whole(sample_db: Path) -> None:
    app = create_app(sample_db)
    body = orjson.dumps(QUERY)
    answers: list[bytes] = []
    for _ in range(2):  # recorded from a chunked request, then replayed
        messages: list[Message] = [{"type": "http.request", "body": body[:10], "more_body": True},
                                   {"type": "http.request", "body": body[10:], "more_body": False}]
        answers.append(await _call(app, "POST", messages, len(body)))
    assert answers[0] == answers[1] and len(orjson.loads(answers[0])["data"]["events"]["edges"]) == 30


async def test_a_post_over_the_body_limit_is_still_refused(sample_db: Path) -> None:
    app = create_app(sample_db)
    chunk = b" " * (MAX_BODY_BYTES // 2 + 1)
    messages: list[Message] = [{"type": "http.request", "body": chunk, "more_body": True},
                               {"type": "http.request", "body": chunk, "more_body": True},
                               {"type": "http.request", "body": b"{}", "more_body": False}]
    answer = await _call(app, "POST", messages, None)
    assert b"too large" in answer


async def _call(app: object, method: str, messages: list[Message], length: int | None) -> bytes:
    """One request straight through the ASGI app (as a server that sends the body in chunks)."""
    headers = [(b"host", b"t"), (b"content-type", b"application/json"), (b"accept", b"application/json")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 1), "server": ("t", 80), "headers": headers}
    pending = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[operator]
    return b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")


async def test_replays_carry_the_cors_headers_of_their_own_origin(sample_db: Path) -> None:
    app = create_app(sample_db, cors_origins=["https://a.example", "https://b.example"])
    statements: list[str] = []
    app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for send in (lambda h: http.get("/graphql", params=QUERY, headers=h),
                     lambda h: http.post("/graphql", json=QUERY, headers=h)):
            seen = []
            for origin in ("https://a.example", "https://b.example", "https://elsewhere.example", None) * 2:
                response = await send({"accept": "application/json", **({"origin": origin} if origin else {})})
                seen.append((response.headers.get("access-control-allow-origin"), len(response.headers.raw)))
                assert len(response.json()["data"]["events"]["edges"]) == 30
            assert [allowed for allowed, _ in seen] == ["https://a.example", "https://b.example", None, None] * 2
            assert seen[:4] == seen[4:]  # the same headers each time: a replay is never added to
        assert len(statements) == 1  # the first GET ran; every other answer was replayed or cached
