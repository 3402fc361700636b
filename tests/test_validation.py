"""Literal arguments out of range are request errors found in validation, before execution."""

from __future__ import annotations

import httpx
import pytest

from gql import cursors


@pytest.mark.parametrize(("query", "message"), [
    ("{ events(first: -1) { totalCount } }", "first must be between 0 and 100; got -1"),
    ("{ contexts(offset: 100001) { name } }", "offset must be between 0 and 100000; got 100001"),
    ("{ events(first: 1) { edges { node { relatedGraph(depth: 1000) { edges { source } } } } } }",
     "depth must be between 0 and 6; got 1000"),
    ("{ events(first: 1) { edges { node { relatedGraph(limit: 0) { edges { source } } } } } }",
     "limit must be between 1 and 500; got 0"),
    ('{ events(after: "garbage!") { totalCount } }', "invalid cursor: 'garbage!'"),
    (f'{{ search(query: "x", after: "{cursors.encode("Event", 3)}") {{ totalCount }} }}', "does not belong here"),
    (f'{{ events(after: "{cursors.encode("s", 3)}") {{ totalCount }} }}', "does not belong here"),
    ('{ search(query: "' + "x" * 501 + '") { totalCount } }', "search query too long"),
    ("{ events(filter: {contextsAny: [" + ", ".join(['"a"'] * 21) + "]}) { totalCount } }", "at most 20"),
])
async def test_rejected_before_execution(client: httpx.AsyncClient, query: str, message: str) -> None:
    response = await client.post("/graphql", json={"query": query},
                                 headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert message in error["message"] and error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_valid_cursors_pass(client: httpx.AsyncClient) -> None:
    query = f'{{ events(first: 2, after: "{cursors.encode("e", 100)}") {{ edges {{ cursor }} }} }}'
    body = (await client.post("/graphql", json={"query": query})).json()
    assert [edge["cursor"] for edge in body["data"]["events"]["edges"]] == [
        cursors.encode("e", 99), cursors.encode("e", 98)]


async def test_search_without_words_is_empty_not_an_error(client: httpx.AsyncClient) -> None:
    query = '{ search(query: "?!") { totalCount edges { rank } } }'
    body = (await client.post("/graphql", json={"query": query})).json()
    assert body == {"data": {"search": {"totalCount": 0, "edges": []}}}


def nested_related(levels: int, first: int) -> str:
    inner = "title"
    for _ in range(levels):
        inner = f"related {{ event {{ {inner} }} }}"
    return f"{{ events(first: {first}) {{ edges {{ node {{ {inner} }} }} }} }}"


async def test_costly_fan_out_is_refused_before_running(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": nested_related(5, 100)},
                                 headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED" and "query too costly" in error["message"]
    cheap = await client.post("/graphql", json={"query": nested_related(2, 100)})
    assert "errors" not in cheap.json()
    # a page size given as a variable counts as the largest page: 100 x 10 x 10 x 10 > 100,000
    deep = "related { event { related { event { related { event { title } } } } } }"
    literal = f"{{ events(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}"
    variable = f"query($n: Int) {{ events(first: $n) {{ edges {{ node {{ {deep} }} }} }} }}"
    assert "errors" not in (await client.post("/graphql", json={"query": literal})).json()
    refused = await client.post("/graphql", json={"query": variable, "variables": {"n": 1}},
                                headers={"accept": "application/graphql-response+json"})
    assert refused.status_code == 400 and "query too costly" in refused.json()["errors"][0]["message"]
