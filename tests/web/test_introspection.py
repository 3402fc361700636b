"""``--no-introspection`` (``create_app(introspection=False)``): introspection refused, GraphiQL and
``/schema.graphql`` say why, every other query answered as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gql.web.app import create_app

INTROSPECTION = ["{ __schema { types { name } } }", '{ __type(name: "Event") { name } }',
                 "{ events(first: 1) { totalCount } __schema { queryType { name } } }"]


@pytest.fixture
async def closed(sample_db: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(sample_db, introspection=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield http


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_introspection_is_refused(closed: httpx.AsyncClient, client: httpx.AsyncClient, query: str) -> None:
    response = await closed.post("/graphql", json={"query": query},
                                 headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert "introspection" in error["message"].lower() and error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" in (await client.post("/graphql", json={"query": query})).json()  # open by default


async def test_everything_else_is_answered(closed: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    query = "{ __typename events(first: 2) { totalCount edges { node { title } } } }"
    for _ in range(2):  # the resolvers, then the compiled plan
        answer = (await closed.post("/graphql", json={"query": query})).json()
        assert answer == (await client.post("/graphql", json={"query": query})).json()
        assert answer["data"]["events"]["totalCount"] == 133


async def test_graphiql_and_the_sdl_say_why(closed: httpx.AsyncClient) -> None:
    page = await closed.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL is not offered" in page.text and "graphiql" not in page.text
    sdl = await closed.get("/schema.graphql")
    assert sdl.status_code == 404 and "--no-introspection" in sdl.text
