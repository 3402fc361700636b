"""Literal arguments out of range are request errors found in validation, before execution."""

from __future__ import annotations

import httpx
import pytest

from gql import cursors
from tests.support.rows import sample_cursor


@pytest.mark.parametrize(("query", "message"), [
    ("{ events(first: -1) { totalCount } }", "first must be between 0 and 100; got -1"),
    ("{ contexts(offset: 100001) { name } }", "offset must be between 0 and 100000; got 100001"),
    ("{ events(first: 1) { edges { node { relatedGraph(depth: 1000) { edges { source } } } } } }",
     "depth must be between 0 and 6; got 1000"),
    ("{ events(first: 1) { edges { node { relatedGraph(limit: 0) { edges { source } } } } } }",
     "limit must be between 1 and 500; got 0"),
    ('{ events(after: "garbage!") { totalCount } }', "invalid after cursor: 'garbage!'"),
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
    query = f'{{ events(first: 2, after: "{sample_cursor(100)}") {{ edges {{ cursor }} }} }}'
    body = (await client.post("/graphql", json={"query": query})).json()
    assert [edge["cursor"] for edge in body["data"]["events"]["edges"]] == [
        sample_cursor(99), sample_cursor(98)]


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


def _chain(levels: int, body: str) -> str:
    """Fragments F0..F{levels}, each spreading the next ten times inside ``body``."""
    spreads = lambda i: " ".join([f"...F{i + 1}"] * 10)  # noqa: E731
    return "".join(f" fragment F{i} on Event {{ {body.format(spreads(i), i=i)} }}" for i in range(levels)) + (
        f" fragment F{levels} on Event {{ path }}")


@pytest.mark.parametrize(("query", "message"), [
    # depth through fragments: 16 levels of related { event { ... } } is 32 > 15
    ("{ events(first: 1) { edges { node { ...F0 } } } }" + _chain(16, "related {{ event {{ {0} }} }}"),
     "'anonymous' exceeds maximum operation depth of 15"),
    ("query Deep { event(path: \"x\") { ...F0 } }" + _chain(8, "related {{ event {{ {0} }} }}"),
     "'Deep' exceeds maximum operation depth of 15"),
    # aliases through fragments: one per fragment, each fragment counted once however often spread
    ("{ events(first: 1) { edges { node { ...F0 } } } }" + _chain(31, "a{i}: title {0}"),
     "31 aliases found. Allowed: 30"),
])
async def test_limits_see_through_fragments_in_linear_time(client: httpx.AsyncClient, query: str,
                                                           message: str) -> None:
    response = await client.post("/graphql", json={"query": query})
    errors = {error["message"]: error["extensions"]["code"] for error in response.json()["errors"]}
    assert errors[message] == "LIMIT_EXCEEDED"


async def test_fragments_within_the_limits_answer(client: httpx.AsyncClient) -> None:
    query = "{ events(first: 1) { edges { node { ...F0 } } } }" + _chain(29, "a{i}: title {0}")
    body = (await client.post("/graphql", json={"query": query})).json()
    node = body["data"]["events"]["edges"][0]["node"]
    assert list(node) == [f"a{i}" for i in range(29)] + ["path"] and len(set(node.values())) == 2

