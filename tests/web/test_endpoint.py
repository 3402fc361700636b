"""GraphQL over HTTP to the letter: methods, media types, status codes, caching headers."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from gql.web.app import create_app

GQL = "application/graphql-response+json"
JSON = "application/json"
Q = "{ events(first: 1) { totalCount } }"


async def test_post_both_media_types(client: httpx.AsyncClient) -> None:
    for accept, media in [(GQL, GQL), (JSON, JSON), ("", JSON), ("*/*", JSON),
                          (f"*/*, {GQL}", GQL),
                          (f"{JSON}, {GQL};q=0.5", JSON), (f"{JSON};q=0.9, {GQL}", GQL)]:
        headers = {"accept": accept}
        response = await client.post("/graphql", json={"query": Q}, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == f"{media}; charset=utf-8", accept
        assert response.json() == {"data": {"events": {"totalCount": 133}}}


async def test_get_with_variables_and_operation_name(client: httpx.AsyncClient) -> None:
    document = ("query A { a: events(first: 1) { totalCount } } "
                "query B($n: Int) { events(first: $n) { edges { cursor } } }")
    response = await client.get("/graphql", params={"query": document, "operationName": "B", "variables": '{"n": 2}'},
                                headers={"accept": GQL})
    assert response.status_code == 200
    assert len(response.json()["data"]["events"]["edges"]) == 2


@pytest.mark.parametrize(("query", "code"), [
    ("{ events(first: 1) { totalCount }", "syntax"),  # parse error
    ("{ nope }", "validation"),
    ("query($n: Int!) { events(first: $n) { totalCount } }", "coercion"),  # missing variable
])
async def test_request_errors_are_400_in_graphql_response_json_and_200_in_json(
        client: httpx.AsyncClient, query: str, code: str) -> None:
    new = await client.post("/graphql", json={"query": query}, headers={"accept": GQL})
    assert new.status_code == 400
    body = new.json()
    assert "data" not in body and body["errors"][0]["message"]
    legacy = await client.post("/graphql", json={"query": query}, headers={"accept": JSON})
    assert legacy.status_code == 200 and legacy.json() == body


async def test_unknown_operation_name(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": Q, "operationName": "Nope"}, headers={"accept": GQL})
    assert response.status_code == 400 and "Nope" in response.json()["errors"][0]["message"]


async def test_out_of_range_literal_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ events(first: 1000) { totalCount } }"},
                                 headers={"accept": GQL})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["message"] == "first must be between 0 and 100; got 1000"
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "path" not in error


async def test_out_of_range_variable_is_a_field_error_with_200(client: httpx.AsyncClient) -> None:
    query = "query($n: Int) { a: events(first: 1) { totalCount } b: events(first: $n) { totalCount } }"
    response = await client.post("/graphql", json={"query": query, "variables": {"n": 1000}},
                                 headers={"accept": GQL})
    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None  # `events` is non-null, so its error nulls the whole data
    assert body["errors"][0]["path"] == ["b"] and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"content": b"{not json", "headers": {"content-type": JSON}}, 400),
    ({"content": b"[1, 2]", "headers": {"content-type": JSON}}, 400),
    ({"content": b'{"query": 42}', "headers": {"content-type": JSON}}, 400),
    ({"content": b'{"query": "{ __typename }", "variables": [1]}', "headers": {"content-type": JSON}}, 400),
    ({"content": b"query=x", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415),
    ({"content": b'{"query": "{ __typename }"}', "headers": {"content-type": "text/plain"}}, 415),
])
async def test_malformed_requests_get_graphql_error_objects(client: httpx.AsyncClient, kwargs: dict[str, object],
                                                            status: int) -> None:
    response = await client.post("/graphql", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.headers["content-type"].startswith(JSON)
    assert response.json()["errors"][0]["message"]


async def test_methods_and_acceptability(client: httpx.AsyncClient) -> None:
    response = await client.put("/graphql", json={"query": Q})
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    assert response.json()["errors"]
    response = await client.post("/graphql", json={"query": Q}, headers={"accept": "text/csv"})
    assert response.status_code == 406 and response.json()["errors"]
    response = await client.get("/graphql")
    assert response.status_code == 400 and response.json()["errors"]


async def test_get_etag_and_304(client: httpx.AsyncClient, sample_db: Path) -> None:
    first = await client.get("/graphql", params={"query": Q}, headers={"accept": GQL})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=3600"
    import sqlite3

    fingerprint = sqlite3.connect(sample_db).execute(
        "SELECT value FROM meta WHERE key = 'corpus_fingerprint'").fetchone()[0]
    assert etag.startswith(f'"{fingerprint[:16]}-')
    again = await client.get("/graphql", params={"query": Q}, headers={"accept": GQL, "if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = await client.get("/graphql", params={"query": Q}, headers={"accept": JSON, "if-none-match": etag})
    assert other.status_code == 200  # another media type is another representation
    errors = await client.get("/graphql", params={"query": "{ nope }"})
    assert "etag" not in errors.headers and errors.headers["cache-control"] == "no-store"


async def test_graphiql_for_browsers(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "https://" not in page.text.split("<body")[0]  # no CDN
    asset = await client.get("/static/graphiql/graphiql.min.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


async def _raw(client: httpx.AsyncClient, body: dict[str, object], encoding: str) -> tuple[httpx.Response, bytes]:
    """An answer's headers and its bytes as sent (httpx would decode them)."""
    async with client.stream("POST", "/graphql", json=body, headers={"accept-encoding": encoding}) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


async def test_gzip(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """/graphql gzips its own answers (it runs before the gzip middleware): long ones for clients
    that accept gzip, with ``Vary: Accept-Encoding`` whether compressed or not; short ones never."""
    big = {"query": "{ events(first: 50) { edges { node { body } } } }"}
    zipped, sent = await _raw(client, big, "gzip, deflate")
    plain, identity = await _raw(client, big, "identity")
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert gzip.decompress(sent) == identity and len(sent) < len(identity) / 2
    assert int(zipped.headers["content-length"]) == len(sent)
    for response in (zipped, plain):
        assert "accept-encoding" in response.headers["vary"].lower()
    small, short = await _raw(client, {"query": Q}, "gzip")
    assert "content-encoding" not in small.headers and "vary" not in small.headers
    assert short == b'{"data":{"events":{"totalCount":133}}}'
    # a GET keeps its own Vary beside gzip's
    got = await client.get("/graphql", params=big, headers={"accept-encoding": "gzip", "accept": GQL})
    assert got.headers["content-encoding"] == "gzip"
    assert [v.strip() for v in got.headers["vary"].split(",")] == ["Accept", "Accept-Encoding"]
    # a long answer is compressed off the event loop, to the same bytes
    monkeypatch.setattr("gql.web.reply.GZIP_THREAD_BYTES", 0)
    threaded, sent_again = await _raw(client, big, "gzip")
    assert threaded.headers["content-encoding"] == "gzip" and gzip.decompress(sent_again) == identity
    # the other routes are gzipped by the middleware, as before
    asset = await client.get("/static/graphiql/graphiql.min.js", headers={"accept-encoding": "gzip"})
    assert asset.headers["content-encoding"] == "gzip"


async def test_cors_is_configurable(sample_db: Path) -> None:
    app = create_app(sample_db, cors_origins=["https://example.org"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        preflight = await http.options("/graphql", headers={
            "origin": "https://example.org", "access-control-request-method": "POST",
            "access-control-request-headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://example.org"
        response = await http.post("/graphql", json={"query": Q}, headers={"origin": "https://example.org"})
        assert response.headers["access-control-allow-origin"] == "https://example.org"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sample_db)), base_url="http://t") as http:
        response = await http.post("/graphql", json={"query": Q}, headers={"origin": "https://example.org"})
        assert "access-control-allow-origin" not in response.headers


async def test_healthz_and_schema(client: httpx.AsyncClient) -> None:
    health = (await client.get("/healthz")).json()
    assert health["status"] == "ok" and health["meta"]["events"] == 133
    sdl = await client.get("/schema.graphql")
    assert sdl.status_code == 200 and "type Event implements Node" in sdl.text


async def test_timeout_is_a_graphql_error(sample_db: Path) -> None:
    from gql.limits import Limits

    app = create_app(sample_db, limits=Limits(time_limit=-1.0))  # every statement is already late
    query = "{ events(first: 100) { edges { node { relatedGraph(depth: 6, limit: 500) { nodes { depth } } } } } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/graphql", json={"query": query})
    error = response.json()["errors"][0]
    assert response.status_code == 200 and error["extensions"]["code"] == "TIMEOUT"
    assert error["message"] == "the query ran past its time limit and was stopped"
