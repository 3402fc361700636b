"""The execute step on its own (``gql.execute``): which part answers (response cache, compiled plan,
resolvers), which answers are request errors or cacheable, the timeout body, ``extensions.cost``,
the request key, and how many errors an answer shows. A real Reader over the sample database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import strawberry
from graphql import GraphQLError

from db.errors import QueryTimeout
from db.read import Reader
from gql.execute import SEVERAL_OPERATIONS, TIMEOUT_BODY, Answer, Executor, GraphQLRequest, formatted
from gql.limits import MAX_ERRORS, PYTHON_GRACE, Limits
from gql.schema import create_schema

MEDIA = "application/json"
EVENTS = ("query($n: Int, $a: String) { events(first: $n, after: $a) { totalCount pageInfo { hasNextPage endCursor } "
          "edges { cursor node { path date title sources { name url } contexts { name } } } } }")
NEWEST = ["/news/2016/12/14/aleppo-offensive-november-december-2016-shelling-breaks-the-ceasefire-in-aleppo-"
          "causing-disruption-to-the-evacuation-of-rebels-and-civi.md",
          "/news/2015/09/10/venezuelan-opposition-leader-leopoldo-l-pez-is-convicted-and-sentenced-to-14-years-"
          "imprisonment-for-allegedly-inciting-violence-at-anti.md"]
TIMEOUT_MESSAGE = "the query ran past its time limit and was stopped"


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return create_schema()


@pytest.fixture
def reader(sample_db: Path) -> Iterator[Reader]:
    opened = Reader(sample_db)
    yield opened
    opened.close()


def executor(schema: strawberry.Schema, reader: Reader, *, compiled: bool = True,
             response_cache: bool = True) -> Executor:
    return Executor(schema, reader, Limits(), compiled=compiled, response_cache=response_cache)


async def answer(executor: Executor, query: str, variables: dict[str, Any] | None = None,
                 operation_name: str | None = None, *, cost: bool = False,
                 deadline: float | None = None) -> Answer:
    request = GraphQLRequest(query, variables, operation_name, cost=cost)
    return await executor.execute(request, request.key(MEDIA), deadline)


def paths(body: bytes) -> list[str]:
    return [edge["node"]["path"] for edge in orjson.loads(body)["data"]["events"]["edges"]]


# -- which part answers -------------------------------------------------------------------------------

async def test_resolvers_then_cache_then_compiled(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    first = await answer(ex, EVENTS, {"n": 2})
    assert (first.source, first.request_error, first.cacheable) == ("resolvers", False, True)
    data = orjson.loads(first.body)["data"]["events"]
    assert data["totalCount"] == 133 and data["pageInfo"]["hasNextPage"] is True
    assert paths(first.body) == NEWEST

    again = await answer(ex, EVENTS, {"n": 2})
    assert (again.source, again.request_error, again.cacheable) == ("cache", False, True)
    assert again.body == first.body

    other = await answer(ex, EVENTS, {"n": 3})
    assert (other.source, other.request_error, other.cacheable) == ("compiled", False, True)
    assert paths(other.body)[:2] == NEWEST and len(paths(other.body)) == 3


async def test_the_compiled_answer_is_the_resolvers_answer(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    await answer(ex, EVENTS, {"n": 2})  # the resolvers answer it once; the plan is compiled then
    compiled = await answer(ex, EVENTS, {"n": 5, "a": None})
    assert compiled.source == "compiled"
    reference = await answer(executor(schema, reader, compiled=False), EVENTS, {"n": 5, "a": None})
    assert (reference.source, reference.cacheable) == ("resolvers", True)
    assert compiled.body == reference.body
    assert len(paths(compiled.body)) == 5


async def test_without_plans_the_resolvers_always_answer(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader, compiled=False, response_cache=False)
    answers = [await answer(ex, EVENTS, {"n": 2}) for _ in range(3)]
    assert [a.source for a in answers] == ["resolvers"] * 3
    assert len({a.body for a in answers}) == 1


async def test_no_response_cache_never_answers_from_it(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader, response_cache=False)
    answers = [await answer(ex, EVENTS, {"n": 2}) for _ in range(3)]
    assert [a.source for a in answers] == ["resolvers", "compiled", "compiled"]
    assert all(a.cacheable for a in answers)  # cacheable still: the endpoint gives it an ETag
    assert len({a.body for a in answers}) == 1


# -- request errors and field errors -------------------------------------------------------------------

async def test_a_syntax_error_is_a_request_error(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    for _ in range(2):  # never kept: the second is answered again
        found = await answer(ex, "{ events(")
        assert (found.source, found.request_error, found.cacheable) == ("resolvers", True, False)
        assert found.body == (b'{"errors":[{"message":"Syntax Error: Expected Name, found <EOF>.",'
                              b'"locations":[{"line":1,"column":10}],'
                              b'"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}')


async def test_a_validation_error_is_a_request_error(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    for _ in range(2):
        found = await answer(ex, "{ nope }")
        assert (found.source, found.request_error, found.cacheable) == ("resolvers", True, False)
        assert found.body == (b'{"errors":[{"message":"Cannot query field \'nope\' on type \'Query\'. '
                              b'Did you mean \'node\'?","locations":[{"line":1,"column":3}],'
                              b'"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}')


@pytest.mark.parametrize("query", [
    "query A { events { totalCount } } query B { events { totalCount } }",
    "{ events { totalCount } } { timeline { count } }",
])
async def test_several_operations_without_a_name(schema: strawberry.Schema, reader: Reader, query: str) -> None:
    found = await answer(executor(schema, reader), query)
    assert (found.request_error, found.cacheable) == (True, False)
    assert orjson.loads(found.body) == {"errors": [{"message": SEVERAL_OPERATIONS,
                                                    "extensions": {"code": "BAD_REQUEST"}}]}
    assert SEVERAL_OPERATIONS == "The document has several operations: give `operationName`."


async def test_an_operation_is_chosen_by_name(schema: strawberry.Schema, reader: Reader) -> None:
    query = "query A { events { totalCount } } query B { timeline(interval: YEAR) { bucket } }"
    found = await answer(executor(schema, reader), query, operation_name="A")
    assert (found.request_error, found.cacheable) == (False, True)
    assert found.body == b'{"data":{"events":{"totalCount":133}}}'


@pytest.mark.parametrize("query", [
    "query A { events { totalCount } }",
    "query A { events { totalCount } } query C { events { totalCount } }",
])
async def test_an_unknown_operation_name(schema: strawberry.Schema, reader: Reader, query: str) -> None:
    found = await answer(executor(schema, reader), query, operation_name="B")
    assert (found.request_error, found.cacheable) == (True, False)
    assert found.body == (b'{"errors":[{"message":"Unknown operation named \'B\'.",'
                          b'"extensions":{"code":"BAD_REQUEST"}}]}')


async def test_a_field_error_is_not_a_request_error(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    query = "query($n: Int) { events(first: $n) { totalCount } }"
    for _ in range(2):  # neither kept nor answered by the plan learned from the first
        found = await answer(ex, query, {"n": -1})
        assert (found.source, found.request_error, found.cacheable) == ("resolvers", False, False)
        assert found.body == (b'{"errors":[{"message":"first must be between 0 and 100; got -1",'
                              b'"locations":[{"line":1,"column":18}],"path":["events"],'
                              b'"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}')
    fine = await answer(ex, query, {"n": 1})
    assert (fine.source, fine.body) == ("compiled", b'{"data":{"events":{"totalCount":133}}}')


# -- the time limit ------------------------------------------------------------------------------------

async def test_a_past_deadline_gives_the_timeout_body(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    await answer(ex, EVENTS, {"n": 1})  # compiles the plan
    late = await answer(ex, EVENTS, {"n": 2}, deadline=time.monotonic() - 1)
    assert late.body == TIMEOUT_BODY == orjson.dumps(
        {"errors": [{"message": TIMEOUT_MESSAGE, "extensions": {"code": "TIMEOUT"}}], "data": None})
    assert (late.request_error, late.cacheable) == (False, False)
    # the timeout was not kept: without a deadline the plan answers
    on_time = await answer(ex, EVENTS, {"n": 2})
    assert on_time.source == "compiled" and paths(on_time.body) == NEWEST


async def test_a_past_deadline_in_the_resolvers_fails_the_field(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader, compiled=False)
    # past the deadline and its grace for Python work: stopped before anything runs
    stopped = await answer(ex, "{ timeline { count } }", deadline=time.monotonic() - PYTHON_GRACE - 1)
    assert stopped.body == TIMEOUT_BODY and not stopped.cacheable
    # past the SQL deadline only: the statement is refused, the field fails
    late = await answer(ex, "{ timeline { count } }", deadline=time.monotonic() - 0.1)
    assert (late.source, late.request_error, late.cacheable) == ("resolvers", False, False)
    assert late.body == (b'{"errors":[{"message":"' + TIMEOUT_MESSAGE.encode() + b'",'
                         b'"locations":[{"line":1,"column":3}],"path":["timeline"],'
                         b'"extensions":{"code":"TIMEOUT"}}],"data":null}')
    on_time = await answer(ex, "{ timeline { count } }")
    assert on_time.cacheable and b"errors" not in on_time.body


async def test_a_cached_answer_needs_no_time(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    first = await answer(ex, EVENTS, {"n": 2})
    late = await answer(ex, EVENTS, {"n": 2}, deadline=time.monotonic() - 1)
    assert (late.source, late.body) == ("cache", first.body)


# -- extensions.cost -----------------------------------------------------------------------------------

def split_cost(body: bytes, plain: bytes) -> dict[str, Any]:
    """``body`` is ``plain`` with ``extensions.cost`` added: return that cost."""
    cost: dict[str, Any] = orjson.loads(body)["extensions"]["cost"]
    assert body == plain[:-1] + b',"extensions":{"cost":' + orjson.dumps(cost) + b"}}"
    return cost


async def test_cost_is_added_to_the_plain_answer(schema: strawberry.Schema, reader: Reader) -> None:
    plain = (await answer(executor(schema, reader), EVENTS, {"n": 2})).body
    plain3 = (await answer(executor(schema, reader), EVENTS, {"n": 3})).body
    ex = executor(schema, reader)
    expected = {"estimated": 4201, "limit": 100_000, "depth": 4, "maxDepth": 15, "aliases": 0, "maxAliases": 30,
                "timeLimitMilliseconds": 2000}

    runs = [("resolvers", {"n": 2}, plain, 3), ("cache", {"n": 2}, plain, 0), ("compiled", {"n": 3}, plain3, 1)]
    for source, variables, body, statements in runs:
        found = await answer(ex, EVENTS, variables, cost=True)
        assert (found.source, found.request_error, found.cacheable) == (source, False, False)
        cost = split_cost(found.body, body)
        assert set(cost) == {*expected, "statements", "milliseconds", "executor"}
        assert {key: cost[key] for key in expected} == expected
        assert (cost["executor"], cost["statements"]) == (source, statements)
        assert isinstance(cost["milliseconds"], float) and cost["milliseconds"] >= 0

    # the cost is not kept with the answer: a plain request gets the plain body from the cache
    cached = await answer(ex, EVENTS, {"n": 3})
    assert (cached.source, cached.body, cached.cacheable) == ("cache", plain3, True)


async def test_cost_of_a_request_error(schema: strawberry.Schema, reader: Reader) -> None:
    plain = (await answer(executor(schema, reader), "{ events(")).body
    found = await answer(executor(schema, reader), "{ events(", cost=True)
    assert (found.source, found.request_error, found.cacheable) == ("resolvers", True, False)
    cost = split_cost(found.body, plain)
    assert {key: cost[key] for key in ("estimated", "depth", "aliases", "statements", "executor")} == {
        "estimated": 0, "depth": 0, "aliases": 0, "statements": 0, "executor": "resolvers"}


async def test_cost_of_a_timeout(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    await answer(ex, EVENTS, {"n": 1})
    found = await answer(ex, EVENTS, {"n": 2}, cost=True, deadline=time.monotonic() - 1)
    cost = split_cost(found.body, TIMEOUT_BODY)
    assert cost["statements"] == 0  # stopped before the compiled statement ran


# -- the request key -----------------------------------------------------------------------------------

def test_the_key() -> None:
    request = GraphQLRequest(EVENTS, {"n": 2, "a": None}, None)
    key = request.key(MEDIA)
    assert isinstance(key, bytes) and len(key) == 16
    assert GraphQLRequest(EVENTS, {"a": None, "n": 2}, None).key(MEDIA) == key  # variables' order is no matter
    assert GraphQLRequest(EVENTS, {"n": 2, "a": None}, None, cost=True).key(MEDIA) == key
    others = [
        request.key("application/graphql-response+json"),
        GraphQLRequest(EVENTS, {"n": 3, "a": None}, None).key(MEDIA),
        GraphQLRequest(EVENTS, {"n": 2}, None).key(MEDIA),
        GraphQLRequest(EVENTS, None, None).key(MEDIA),
        GraphQLRequest(EVENTS, {"n": 2, "a": None}, "Q").key(MEDIA),
        GraphQLRequest(EVENTS + " ", {"n": 2, "a": None}, None).key(MEDIA),
    ]
    assert len({key, *others}) == len(others) + 1


async def test_another_media_type_is_another_cache_entry(schema: strawberry.Schema, reader: Reader) -> None:
    ex = executor(schema, reader)
    request = GraphQLRequest(EVENTS, {"n": 2}, None)
    first = await ex.execute(request, request.key(MEDIA))
    other = await ex.execute(request, request.key("application/graphql-response+json"))
    assert (first.source, other.source) == ("resolvers", "compiled")
    assert other.body == first.body


# -- how many errors are shown -------------------------------------------------------------------------

def test_errors_past_the_limit_are_counted() -> None:
    errors = [GraphQLError(f"bad {n}", path=["events", n]) for n in range(MAX_ERRORS + 7)]
    shown = formatted(errors)
    assert MAX_ERRORS == 50 and len(shown) == MAX_ERRORS + 1
    assert shown[:MAX_ERRORS] == [{"message": f"bad {n}", "path": ["events", n]} for n in range(MAX_ERRORS)]
    assert shown[-1] == {"message": "7 more errors not shown", "extensions": {"code": "ERRORS_TRUNCATED"}}


def test_the_count_takes_the_code_of_the_last_shown() -> None:
    timeouts = [GraphQLError("stopped", path=["a"], original_error=QueryTimeout()) for _ in range(1050)]
    shown = formatted(timeouts)
    assert len(shown) == MAX_ERRORS + 1
    assert shown[0] == {"message": "stopped", "path": ["a"], "extensions": {"code": "TIMEOUT"}}
    assert shown[-1] == {"message": "1,000 more errors not shown", "extensions": {"code": "TIMEOUT"}}

    plain = formatted([GraphQLError("no path") for _ in range(MAX_ERRORS + 1)])
    assert plain[0] == {"message": "no path", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}
    assert plain[-1] == {"message": "1 more errors not shown", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}


def test_errors_up_to_the_limit_are_all_shown() -> None:
    errors = [GraphQLError("x", path=["p"], extensions={"code": "BAD_USER_INPUT"}) for _ in range(MAX_ERRORS)]
    shown = formatted(errors)
    assert shown == [{"message": "x", "path": ["p"], "extensions": {"code": "BAD_USER_INPUT"}}] * MAX_ERRORS
    assert formatted([]) == []
