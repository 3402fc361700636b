"""Documents by hash or id: Apollo's automatic persisted queries, and trusted documents (a manifest),
optionally the only ones a server runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gql.web.app import create_app
from gql.web.documents import Documents

Q = "{ events(first: 1) { totalCount } }"
HASH = hashlib.sha256(Q.encode()).hexdigest()
GR = {"accept": "application/graphql-response+json"}
DAYS = "{ days(first: 1) { date } }"


def apq(digest: str = HASH, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


async def test_automatic_persisted_queries(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/graphql", json={"extensions": apq()}, headers=GR)
    assert unknown.status_code == 200  # Apollo's link turns persisted queries off after a 400
    assert unknown.json() == {"errors": [{"message": "PersistedQueryNotFound",
                                          "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
    registered = await client.post("/graphql", json={"query": Q, "extensions": apq()})
    assert registered.json() == {"data": {"events": {"totalCount": 133}}}
    by_post = await client.post("/graphql", json={"extensions": apq()})
    by_get = await client.get("/graphql", params={"extensions": json.dumps(apq())})
    assert by_post.json() == by_get.json() == registered.json()
    assert by_get.headers["etag"] and "public" in by_get.headers["cache-control"]


@pytest.mark.parametrize(("extensions", "message"), [
    (apq("0" * 64), "provided sha does not match query"),
    (apq(version=2), 'extensions.persistedQuery must be {"version": 1, "sha256Hash": ...}'),
    ({"persistedQuery": "x"}, 'extensions.persistedQuery must be {"version": 1, "sha256Hash": ...}'),
    (apq("ABC"), "extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits"),
])
async def test_a_bad_persisted_query_is_a_request_error(client: httpx.AsyncClient, extensions: dict[str, Any],
                                                        message: str) -> None:
    response = await client.post("/graphql", json={"query": Q, "extensions": extensions}, headers=GR)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"message": message, "extensions": {"code": "BAD_REQUEST"}}


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({f"sha256:{HASH}": Q, "events-by-date": DAYS}))
    return path


@pytest.mark.parametrize("only", [False, True])
async def test_trusted_documents(sample_db: Path, manifest: Path, only: bool) -> None:
    app = create_app(sample_db, documents=Documents.from_manifest(manifest, only_trusted=only))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        by_id = await client.post("/graphql", json={"documentId": "events-by-date"})
        assert by_id.json() == {"data": {"days": [{"date": "2016-12-14"}]}}
        by_hash = await client.get("/graphql", params={"documentId": f"sha256:{HASH}"})
        assert by_hash.json() == {"data": {"events": {"totalCount": 133}}}
        assert (await client.post("/graphql", json={"extensions": apq()})).json() == by_hash.json()
        relay = await client.post("/graphql", json={"doc_id": HASH})
        relay_get = await client.get("/graphql", params={"doc_id": HASH})
        assert relay.json() == relay_get.json() == by_hash.json()
        # a trusted document under an id of its own is found by its hash too (Apollo's link sends that)
        days_hash = hashlib.sha256(DAYS.encode()).hexdigest()
        assert (await client.post("/graphql", json={"extensions": apq(days_hash)})).json() == by_id.json()
        both = await client.post("/graphql", json={"documentId": "events-by-date", "query": Q}, headers=GR)
        assert both.status_code == 400
        assert both.json()["errors"][0]["message"] == "send either a `query` or a `documentId`, not both"
        unknown = await client.post("/graphql", json={"documentId": "nope"}, headers=GR)
        assert unknown.status_code == 400
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        other = await client.post("/graphql", json={"query": "{ days(first: 2) { date } }"}, headers=GR)
        trusted_text = await client.post("/graphql", json={"query": Q})
        assert trusted_text.json() == by_hash.json()
        page = (await client.get("/graphql", headers={"accept": "text/html"})).text
    assert ("GraphiQL is not offered" in page) is only  # every document GraphiQL sends would be refused
    if only:
        assert other.status_code == 400
        assert other.json()["errors"][0] == {
            "message": "this server runs only its trusted documents: send a `documentId`",
            "extensions": {"code": "TRUSTED_DOCUMENT_REQUIRED"}}
    else:
        assert other.status_code == 200 and len(other.json()["data"]["days"]) == 2


@pytest.mark.parametrize(("content", "message"), [
    ("[1, 2]", "a documents manifest is a JSON object of id -> document text"),
    ('{"a": 1}', "a documents manifest is a JSON object of id -> document text"),
    ("{", "cannot read the documents manifest"),
])
def test_a_bad_manifest_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        Documents.from_manifest(path)
    assert str(path) in str(info.value)
