"""One GraphQL request, executed: cached answer -> compiled plan -> Strawberry -> an ``Answer``.

The endpoint (``gql.web.endpoint``) has already negotiated the media type and read the
parameters; what it gets back is the body and two flags: ``request_error`` (nothing ran: the
document could not be parsed, validated or chosen; GraphQL-over-HTTP's 400) and ``cacheable``
(no errors: the answer may be kept and given an ETag).

Every request runs under the server's time limit (a batch under one for all its operations):
SQLite's progress handler stops statements past the deadline (``db.read.DEADLINE``), and the
resolvers' work as a whole is awaited for that long plus ``PYTHON_GRACE``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, NamedTuple

import orjson
import strawberry
from graphql import GraphQLError, parse
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from db.errors import QueryTimeout
from db.read import DEADLINE, STATEMENTS, Reader

from .caching import LruCache, digest
from .compiled.outline import outline
from .compiled.plans import PlanCache, plan_for
from .errors import BAD_REQUEST, ERRORS_TRUNCATED, GRAPHQL_VALIDATION_FAILED, TIMEOUT, TIMEOUT_MESSAGE
from .limits import MAX_COST, MAX_ERRORS, PYTHON_GRACE, RESPONSE_CACHE_BYTES, RESPONSE_CACHE_ENTRIES, Limits
from .schema.context import RequestContext
from .schema.rules import measure

SEVERAL_OPERATIONS = "The document has several operations: give `operationName`."
TIMEOUT_BODY = orjson.dumps({"errors": [{"message": TIMEOUT_MESSAGE, "extensions": {"code": TIMEOUT}}], "data": None})


class GraphQLRequest(NamedTuple):
    """The GraphQL-over-HTTP request parameters."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    cost: bool = False  # the answer says what it cost (``extensions.cost`` asked for)

    def key(self, media: str) -> bytes:
        """What identifies its answer (a digest): the response cache's key and the ETag's source.

        ``cost`` is not part of it: the cost is added to the answer, never kept with it."""
        return digest(orjson.dumps([media, self.query, self.variables, self.operation_name],
                                   option=orjson.OPT_SORT_KEYS))


class Answer(NamedTuple):
    body: bytes
    request_error: bool = False
    cacheable: bool = False
    source: str = "resolvers"  # which part answered: "cache", "compiled" or "resolvers"


#: Finished answers (body bytes) keyed by ``GraphQLRequest.key``.
ResponseCache = LruCache[bytes, bytes]


class Executor:
    """Answers requests over one database: from the response cache, a compiled plan, or Strawberry."""

    def __init__(self, schema: strawberry.Schema, reader: Reader, limits: Limits, *,
                 compiled: bool = True, response_cache: bool = True) -> None:
        self.schema, self.reader, self.limits = schema, reader, limits
        self.cache = ResponseCache(RESPONSE_CACHE_ENTRIES if response_cache else 0, RESPONSE_CACHE_BYTES)
        self.plans = PlanCache(reader) if compiled else None

    async def execute(self, request: GraphQLRequest, key: bytes, deadline: float | None = None) -> Answer:
        """The answer to ``request``; ``key`` is its ``GraphQLRequest.key`` for the negotiated media type.

        ``deadline`` (monotonic) ends the time a batch of requests shares; else the time limit does.
        """
        if not request.cost:
            return await self._execute(request, key, deadline)
        statements: list[str] = []
        token = STATEMENTS.set(statements)
        started = time.perf_counter()
        try:
            answer = await self._execute(request, key, deadline)
        finally:
            STATEMENTS.reset(token)
        return Answer(with_cost(answer, request, self.limits, len(statements), time.perf_counter() - started),
                      answer.request_error, source=answer.source)

    async def _execute(self, request: GraphQLRequest, key: bytes, deadline: float | None) -> Answer:
        cached = self.cache.get(key)
        if cached is not None:
            return Answer(cached, cacheable=True, source="cache")
        found = outline(request.query)
        if request.operation_name is None and found is not None and len(found.names) > 1:
            return Answer(error_body(SEVERAL_OPERATIONS), request_error=True)
        plan_key, values, shaped = plan_for(request.query, request.operation_name, request.variables,
                                            found.names[0] if found and found.names else None,
                                            found.shape if found else None)
        limit = time.monotonic() + self.limits.time_limit
        ends = limit if deadline is None else min(limit, deadline)
        token = DEADLINE.set(ends)
        source = "compiled"
        try:
            body = self.plans.answer(plan_key, values) if self.plans is not None else None
            if body is not None:
                self.cache.put(key, body)
                return Answer(body, cacheable=True, source=source)
            source = "resolvers"
            answer = await self._resolve(request, ends)
        except (QueryTimeout, TimeoutError):
            return Answer(TIMEOUT_BODY, source=source)
        finally:
            DEADLINE.reset(token)
        if not answer.request_error and found is not None and self.plans is not None and not self.plans.knows(plan_key):
            self.plans.learn(plan_key, parse(request.query), request.operation_name, shaped)
        if answer.cacheable:
            self.cache.put(key, answer.body)
        return answer

    async def _resolve(self, request: GraphQLRequest, ends: float) -> Answer:
        """Strawberry's answer: the reference path, for everything the plans do not answer."""
        try:
            # the SQL deadline stops statements; this one stops Python work between them
            result = await asyncio.wait_for(self.schema.execute(
                request.query, variable_values=request.variables, context_value=RequestContext(self.reader),
                operation_name=request.operation_name,
            ), timeout=max(0.0, ends + PYTHON_GRACE - time.monotonic()))
        except CannotGetOperationTypeError:
            message = (f"Unknown operation named '{request.operation_name}'." if request.operation_name
                       else SEVERAL_OPERATIONS)
            return Answer(error_body(message), request_error=True)
        except InvalidOperationTypeError as exc:
            return Answer(error_body(str(exc)), request_error=True)
        errors = formatted(result.errors or [])
        # no data and no error of a field: the document could not run (GraphQL-over-HTTP's 400)
        request_error = result.data is None and bool(errors) and all("path" not in error for error in errors)
        payload: dict[str, Any] = {"errors": errors} if errors else {}
        if not request_error:
            payload["data"] = result.data
        return Answer(orjson.dumps(payload), request_error=request_error, cacheable=not errors)


def with_cost(answer: Answer, request: GraphQLRequest, limits: Limits, statements: int, seconds: float) -> bytes:
    """``body`` with ``extensions.cost``: each measure of the query beside the limit it is held to
    (objects the query-cost rule estimates, depth, aliases), the SQL statements run, the time
    taken against the time limit, and which part answered (``cache``, ``compiled``, ``resolvers``)."""
    try:
        measured = measure(parse(request.query), request.operation_name)
    except GraphQLError:
        measured = {"objects": 0, "depth": 0, "aliases": 0}
    cost = {"estimated": measured["objects"], "limit": MAX_COST, "depth": measured["depth"],
            "maxDepth": limits.max_depth, "aliases": measured["aliases"], "maxAliases": limits.max_aliases,
            "statements": statements, "milliseconds": round(seconds * 1000, 3),
            "timeLimitMilliseconds": round(limits.time_limit * 1000), "executor": answer.source}
    return answer.body[:-1] + b',"extensions":{"cost":' + orjson.dumps(cost) + b"}}"


def error_body(message: str, code: str = BAD_REQUEST) -> bytes:
    """An answer of one error and no data: a request that could not run."""
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


def formatted(errors: list[GraphQLError]) -> list[dict[str, Any]]:
    """Formatted errors, at most ``MAX_ERRORS`` (a timeout can fail thousands of fields at once)."""
    shown = [_format(error) for error in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        shown.append({"message": f"{len(errors) - MAX_ERRORS:,} more errors not shown",
                      "extensions": {"code": shown[-1].get("extensions", {}).get("code", ERRORS_TRUNCATED)}})
    return shown


def _format(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    if isinstance(error.original_error, QueryTimeout):
        formatted["extensions"] = {"code": TIMEOUT}
    elif error.original_error is None and "path" not in formatted and "extensions" not in formatted:
        formatted["extensions"] = {"code": GRAPHQL_VALIDATION_FAILED}
    return formatted
