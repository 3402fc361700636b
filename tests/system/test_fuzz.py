"""Property-based fuzzing: schemathesis generates GraphQL queries from the live schema (every root
field, nested selections, random argument values) and random HTTP bodies hit the endpoint.

Nothing may come back as a 5xx, a resolver crash (masked ``Unexpected error.``) or an error
without a code; schemathesis's ``not_a_server_error`` runs on every answer. The seed is fixed
and the number of cases bounded, so CI runs the same cases every time (NEWSGQL_SLOW=1: 10x more).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from gql.web.app import create_app

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extras")
from schemathesis.checks import not_a_server_error  # noqa: E402 - needs the import above

SEED = 20150901
SLOW = os.environ.get("NEWSGQL_SLOW") == "1"
PER_OPERATION = 250 if SLOW else 25
HTTP_CASES = 2000 if SLOW else 200
#: Errors a client caused, raised while resolving: documented codes, not crashes. Resolvers use
#: BAD_USER_INPUT, which schemathesis's stock check knows as a client error.
USER_CODES = {"BAD_USER_INPUT"}
BOUNDED = settings(deadline=None, database=None, derandomize=False, phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))


@pytest.fixture
def app(sample_db: Path) -> Starlette:
    """A fresh app per test: a test client that runs the lifespan closes the app's database at its end."""
    return create_app(sample_db)


def error_codes(body: Any) -> set[str | None]:
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    return {(error.get("extensions") or {}).get("code") for error in errors if isinstance(error, dict)}


def verdict(case: Any, response: Any) -> str:
    """'answered', 'rejected' (a client error to schemathesis too), 'user error' (a documented code
    schemathesis does not know), or a description of what went wrong."""
    text = response.text
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    if "Unexpected error." in text and any(  # the message itself, not a value the error quotes
            isinstance(error, dict) and error.get("message") == "Unexpected error."
            for error in (response.json().get("errors") or [])):
        return "resolver crash (Unexpected error.)"
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except BaseException as exc:  # noqa: BLE001 - schemathesis raises failures and groups of them
        body = response.json()
        if error_codes(body) and error_codes(body) <= USER_CODES:
            return "user error"
        return f"not_a_server_error: {type(exc).__name__}: {str(exc)[:300]}"
    return "rejected" if response.json().get("errors") else "answered"


def fuzz(operation: Any, outcomes: Counter[str], failures: list[str]) -> None:
    """Run the bounded, seeded cases of one operation (one root field) and sort their outcomes."""

    @seed(SEED)
    @settings(BOUNDED, max_examples=PER_OPERATION)
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call()
        outcome = verdict(case, response)
        fine = outcome in ("answered", "rejected", "user error")
        outcomes[outcome if fine else "failure"] += 1
        if not fine and len(failures) < 10:
            failures.append(f"{operation.label}: {outcome}\n{case.body}")

    run()


def test_schemathesis_graphql(app: Starlette) -> None:
    schema = schemathesis.graphql.from_asgi("/graphql", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {f"Query.{name}" for name in (
        "node", "event", "events", "search", "context", "contexts", "timeline", "day", "days", "publishers")}
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    for operation in operations:
        fuzz(operation, outcomes, failures)
    print(f"\nschemathesis: {sum(outcomes.values())} cases over {len(operations)} operations: {dict(outcomes)}")
    assert not failures, "\n\n".join(failures)
    assert outcomes["answered"] > sum(outcomes.values()) // 4  # many cases got past validation


def test_stock_check_accepts_an_out_of_range_variable(app: Starlette) -> None:
    schema = schemathesis.graphql.from_asgi("/graphql", app)
    [operation] = [r.ok() for r in schema.get_all_operations() if r.ok().label == "Query.events"]
    document = "query($n: Int) { events(first: $n) { totalCount } }"

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            return await http.post("/graphql", json={"query": document, "variables": {"n": 1_000_000}})

    response = asyncio.run(post())
    assert response.json()["errors"]
    operation.Case(body=document).validate_response(response, checks=[not_a_server_error])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
VARIABLES = st.dictionaries(st.sampled_from("nalqxpfdio"), JSON_VALUES | st.integers(-(2**70), 2**70), max_size=4)
QUERIES = st.sampled_from([
    "{ events(first: 2) { totalCount } }", "query($a: String) { events(after: $a) { totalCount } }",
    "query($q: String!, $x: Boolean!) { search(query: $q, advanced: $x) { totalCount } }",
    "query($p: String!) { event(path: $p) { id } }", "query($f: EventFilter) { timeline(filter: $f) { count } }",
    "query($d: Date!) { day(date: $d) { eventCount } }", "query($i: ID!) { node(id: $i) { id } }",
    "query($n: Int, $a: String) { events(first: $n, after: $a) { totalCount } }",
    "query($d: Int!, $l: Int!) { events(first: 1) { edges { node { relatedGraph(depth: $d, limit: $l) { "
    "nodes { depth } } } } } }",
    "query($o: Int!, $p: String) { contexts(offset: $o, prefix: $p) { name } }",
]) | st.text(max_size=200)


def test_random_http_requests(app: Starlette) -> None:
    """Random bodies, queries, variables and headers: always a JSON answer below 500, never a crash."""
    seen: Counter[int] = Counter()
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    @seed(SEED)
    @settings(BOUNDED, max_examples=HTTP_CASES)
    @given(
        kind=st.sampled_from(["body", "json", "json", "get"]),
        raw=st.binary(max_size=300),
        query=QUERIES,
        variables=VARIABLES | JSON_VALUES,
        operation=st.none() | st.text(max_size=10) | st.integers(),
        content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]),
        accept=st.sampled_from(["", "*/*", "application/json", "application/graphql-response+json",
                                "text/html", "application/xml", "application/*;q=0.5, text/*"]),
    )
    def run(kind: str, raw: bytes, query: str, variables: Any, operation: Any, content_type: str,
            accept: str) -> None:
        headers = {"content-type": content_type, "accept": accept}
        if kind == "body":
            request = client.post("/graphql", content=raw, headers=headers)
        elif kind == "json":
            body = {"query": query, "variables": variables, "operationName": operation}
            request = client.post("/graphql", json=body, headers={**headers, "content-type": "application/json"})
        else:
            params = {"query": query, "variables": json.dumps(variables)}
            request = client.get("/graphql", params=params, headers={"accept": accept or "application/json"})
        response = loop.run_until_complete(request)
        seen[response.status_code] += 1
        assert response.status_code < 500, response.text[:300]
        assert "Unexpected error." not in response.text, (query, variables, response.text[:300])
        if "text/html" not in response.headers.get("content-type", ""):
            assert isinstance(response.json(), dict)

    try:
        run()
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
    print(f"\nrandom HTTP requests: {sum(seen.values())} sent, statuses {dict(sorted(seen.items()))}")
