"""What a GraphQL-over-HTTP request may carry beyond a query: batches, extensions, nesting bounds,
OPTIONS, and the cost of an answer when asked (issue 14: each case failed before)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gql.limits import MAX_BATCH, MAX_COST, MAX_INPUT_DEPTH
from gql.web.app import create_app

Q = "{ events(first: 2) { totalCount edges { node { title } } } }"
GR = {"accept": "application/graphql-response+json"}


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": [value]} if len(str(value)) % 2 else [value]
    return value


@pytest.mark.parametrize("levels", [40, 253, 600])
async def test_deeply_nested_variables_are_a_graphql_error(client: httpx.AsyncClient, levels: int) -> None:
    for response in (
        await client.post("/graphql", json={"query": Q, "variables": {"x": nested(levels)}}),
        await client.get("/graphql", params={"query": Q, "variables": json.dumps({"x": nested(levels)})}),
        await client.post("/graphql", json={"query": Q, "extensions": {"x": nested(levels)}}),
    ):
        assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
        error = response.json()["errors"][0]
        assert error["message"].endswith(f"nested too deeply ({MAX_INPUT_DEPTH} levels at most)")
        assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_variables_nested_within_the_bound_run(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": Q, "variables": {"unused": nested(20)}})
    assert response.status_code == 200 and response.json()["data"]["events"]["totalCount"] == 133


@pytest.mark.parametrize("extensions", [[1], "x", 3])
async def test_extensions_must_be_an_object(client: httpx.AsyncClient, extensions: Any) -> None:
    response = await client.post("/graphql", json={"query": Q, "extensions": extensions}, headers=GR)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "`extensions` must be a JSON object"
    response = await client.get("/graphql", params={"query": Q, "extensions": json.dumps(extensions)}, headers=GR)
    assert response.status_code == 400


async def test_options_without_cors_is_answered_with_the_methods(client: httpx.AsyncClient) -> None:
    response = await client.options("/graphql")
    assert response.status_code == 204 and response.headers["allow"] == "GET, POST"
    assert response.content == b""


async def test_a_batch_is_answered_in_order(client: httpx.AsyncClient) -> None:
    batch = [{"query": Q}, {"query": "{ nope }"}, {"query": '{ event(path: "x") { title } }'},
             {"query": "query A { __typename } query B { __typename }", "operationName": "B"}, {"variables": {}}]
    response = await client.post("/graphql", json=batch, headers=GR)
    assert response.status_code == 200
    answers = response.json()
    assert len(answers) == 5
    assert answers[0]["data"]["events"]["totalCount"] == 133
    assert answers[1]["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "data" not in answers[1]
    assert answers[2] == {"data": {"event": None}}
    assert answers[3] == {"data": {"__typename": "Query"}}
    assert answers[4]["errors"][0]["message"] == "a `query` string is required"


@pytest.mark.parametrize("size", [0, MAX_BATCH + 1])
async def test_a_batch_is_bounded(client: httpx.AsyncClient, size: int) -> None:
    response = await client.post("/graphql", json=[{"query": Q}] * size)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        f"a batch holds 1 to {MAX_BATCH} operations; this one has {size}")


COSTED = "query($p: String!) { event(path: $p) { title sources { name } related { title } } }"


async def _costs(client: httpx.AsyncClient, times: int) -> tuple[list[dict[str, Any]], Any]:
    path = (await client.post("/graphql", json={"query": Q.replace("title", "path")})).json()[
        "data"]["events"]["edges"][0]["node"]["path"]
    costs, body = [], None
    for _ in range(times):
        response = await client.get("/graphql", params={
            "query": COSTED, "variables": json.dumps({"p": path}), "extensions": json.dumps({"cost": True})})
        body = response.json()
        assert body["data"]["event"]["title"]
        costs.append(body["extensions"]["cost"])
        assert "etag" not in response.headers and response.headers["cache-control"] == "no-store"
    return costs, (await client.post("/graphql", json={"query": COSTED, "variables": {"p": path}})).json()


async def test_a_cached_answer_costs_nothing(client: httpx.AsyncClient) -> None:
    costs, plain = await _costs(client, 2)
    assert [(cost["executor"], cost["statements"]) for cost in costs] == [("resolvers", 3), ("cache", 0)]
    assert "extensions" not in plain


async def test_the_cost_of_an_answer_when_asked(sample_db: Path) -> None:
    app = create_app(sample_db, response_cache=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        costs, plain = await _costs(client, 3)  # resolvers, then the compiled plan, then the same again
    assert [cost["executor"] for cost in costs] == ["resolvers", "compiled", "compiled"]
    assert costs[0]["statements"] >= 3 and costs[1]["statements"] == 1  # one per level, then one in all
    assert all(cost["estimated"] == 1 + 1 + 1 + 5 * 1 + 1 + 10 * 1 and cost["limit"] == MAX_COST for cost in costs)
    assert all((cost["depth"], cost["maxDepth"], cost["aliases"], cost["maxAliases"], cost["timeLimitMilliseconds"])
               == (2, 15, 0, 30, 2000) for cost in costs)
    assert all(cost["milliseconds"] > 0 for cost in costs)
    assert "extensions" not in plain and plain["data"]["event"]["title"]


async def test_a_nul_in_a_search_is_an_error_not_a_shorter_search(client: httpx.AsyncClient) -> None:
    written = '{ search(query: "zzzz\\u0000 OR refugee", advanced: true) { totalCount } }'
    sent = "query($q: String!) { search(query: $q, advanced: true) { totalCount } }"
    for query, variables in ((written, {}), (sent, {"q": "zzzz\x00 OR refugee"})):
        body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
        assert body["errors"][0]["message"] == "search expression contains a NUL character", body
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # plain words are taken from around a NUL: both are searched
    count = "query($q: String!) { search(query: $q) { totalCount } }"
    around = (await client.post("/graphql", json={"query": count, "variables": {"q": "refugee\x00crisis"}})).json()
    spaced = (await client.post("/graphql", json={"query": count, "variables": {"q": "refugee crisis"}})).json()
    assert around == spaced and around["data"]["search"]["totalCount"] > 0


async def test_a_malformed_operation_in_a_batch_is_its_own_error(client: httpx.AsyncClient) -> None:
    batch = [{"query": Q}, {"query": 1}, {"query": Q, "variables": {"x": nested(40)}}]
    response = await client.post("/graphql", json=batch)
    answers = response.json()
    assert response.status_code == 200 and len(answers) == 3
    assert answers[0]["data"]["events"]["totalCount"] == 133
    assert [a["errors"][0]["message"] for a in answers[1:]] == [
        "`query` must be a string", f"`variables` nested too deeply ({MAX_INPUT_DEPTH} levels at most)"]
    # an array that is not of request objects is no batch at all
    response = await client.post("/graphql", json=[{"query": Q}, 7])
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "a batch is an array of request objects, each with a `query`"
