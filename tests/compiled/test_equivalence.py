"""Compiled and resolver answers, byte for byte, over every README example and every bench query.

Each document is sent to an app that compiles (twice: the second answer is the compiled plan's,
where the shape compiles) and to one that only runs the resolvers; status and body must be the
same bytes. The bench's rows are sent as the bench sends them (renamed per request, values
written into the query), with variables read from the sample as the bench reads them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.queries import SPECS, inlined, renamed, variable_pools
from gql import cursors
from gql.web.app import create_app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"^```graphql\n(.*?)^```$", README, flags=re.MULTILINE | re.DOTALL)
Request = tuple[str, str | None, dict[str, Any]]  # document, operation name, variables


def bench_requests(db: Path, spec_key: str) -> list[Request]:
    spec = next(spec for spec in SPECS if spec.key == spec_key)
    operation = re.match(r"query (\w+)", spec.document)
    assert operation is not None
    name = operation[1]
    requests: list[Request] = []
    for index, values in enumerate(variable_pools(str(db), limit=4)[spec.pool][:4]):
        if spec.written == "renamed":
            document, op = renamed(spec.document, name, f"{name}_{index}")
            requests.append((document, op, values))
        elif spec.written == "inlined":
            requests.append((inlined(spec.document, values), name, {}))
        else:
            requests.append((spec.document, name, values))
    return requests


async def answers(db: Path, compiled: bool, requests: list[Request]) -> list[tuple[int, str]]:
    app = create_app(db, compiled=compiled, response_cache=False, max_age=0)
    out = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for document, operation, variables in requests:
            for _ in range(2):  # the second request takes the compiled plan, where there is one
                response = await http.post("/graphql", json={
                    "query": document, "operationName": operation, "variables": variables})
                out.append((response.status_code, response.text))
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"readme{i}" for i in range(len(EXAMPLES))])
async def test_readme_examples(sample_db: Path, example: str) -> None:
    reference = await answers(sample_db, False, [(example, None, {})])
    assert await answers(sample_db, True, [(example, None, {})]) == reference
    assert all(status == 200 and '"errors"' not in text for status, text in reference)


@pytest.mark.parametrize("spec_key", [spec.key for spec in SPECS])
async def test_bench_queries(sample_db: Path, spec_key: str) -> None:
    requests = bench_requests(sample_db, spec_key)
    assert requests
    reference = await answers(sample_db, False, requests)
    assert await answers(sample_db, True, requests) == reference
    assert all(status == 200 and '"errors"' not in text and '"data":{' in text for status, text in reference)
    # and the compiled path answered them: the cost extension says which part did
    app = create_app(sample_db, response_cache=False, max_age=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        sources = [(await http.post("/graphql", json={"query": document, "operationName": operation,
                                                      "variables": variables, "extensions": {"cost": True}})
                    ).json()["extensions"]["cost"]["executor"] for document, operation, variables in requests * 2]
    # the first request of the shape is the resolvers' (its plan is compiled then), every later one the plan's
    assert sources == ["resolvers"] + ["compiled"] * (len(sources) - 1), spec_key


#: Forward pages whose `hasPreviousPage` is looked up on the other side of `after` (an EXISTS in the
#: compiled statement, a lookup of the resolvers): at the ends, past them, filtered, every order.
LATE, EARLY = cursors.encode("e", "/news/2099/01/01/late.md"), cursors.encode("e", "/news/2000/01/01/early.md")
MIDDLE, RANK_3 = cursors.encode("e", "/news/2015/09/10/x.md"), cursors.encode("s", 3)
SIDES = [
    f'{{ events(first: 2, after: "{LATE}") {{ pageInfo {{ hasPreviousPage hasNextPage }} edges {{ cursor }} }} }}',
    f'{{ events(first: 2, after: "{EARLY}", orderBy: OLDEST_FIRST) {{ pageInfo {{ hasPreviousPage }} }} }}',
    f'{{ events(first: 2, after: "{EARLY}") {{ pageInfo {{ hasPreviousPage hasNextPage }} }} }}',
    f'{{ events(first: 2, after: "{MIDDLE}", filter: {{contextsAny: ["Syria"]}}) {{ pageInfo {{ hasPreviousPage }} }}'
    " }",
    f'{{ search(query: "migrant", first: 2, after: "{RANK_3}") {{ pageInfo {{ hasPreviousPage }} }} }}',
    f'{{ search(query: "zzzznothing", first: 2, after: "{RANK_3}") {{ pageInfo {{ hasPreviousPage }} }} }}',
    f'{{ search(query: "migrant", first: 2, after: "{LATE}", orderBy: NEWEST_FIRST) {{ pageInfo {{ hasPreviousPage }}'
    " edges { cursor } } }",
    f'{{ search(query: "migrant", first: 2, after: "{LATE}", orderBy: OLDEST_FIRST) {{ pageInfo {{ hasPreviousPage }}'
    " } }",
    # filtered: only the filter's hits count on the other side
    f'{{ search(query: "syria", first: 2, after: "{RANK_3}", filter: {{category: "Law and crime"}}) {{ pageInfo '
    "{ hasPreviousPage } edges { cursor } } }",
    f'{{ search(query: "syria", first: 2, after: "{MIDDLE}", orderBy: NEWEST_FIRST, filter: {{dateTo: "2015-09-09"}})'
    " { pageInfo { hasPreviousPage } edges { cursor } } }",
]


@pytest.mark.parametrize("document", SIDES, ids=[f"side{i}" for i in range(len(SIDES))])
async def test_the_other_side_of_a_cursor(sample_db: Path, document: str) -> None:
    reference = await answers(sample_db, False, [(document, None, {})])
    assert await answers(sample_db, True, [(document, None, {})]) == reference
    assert all(status == 200 and '"errors"' not in text for status, text in reference)
    app = create_app(sample_db, response_cache=False, max_age=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        sources = [(await http.post("/graphql", json={"query": document, "extensions": {"cost": True}})
                    ).json()["extensions"]["cost"]["executor"] for _ in range(2)]
    assert sources == ["resolvers", "compiled"]  # the second answer was the compiled plan's
