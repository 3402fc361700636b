"""The ``/graphql`` endpoint, to the letter of the GraphQL-over-HTTP spec.

GET and POST; ``application/graphql-response+json`` (request errors -> 400) and
``application/json`` (well-formed requests -> 200); every error is a GraphQL error object.
GET answers carry an ``ETag`` derived from the database fingerprint and the request, and a
``Cache-Control``; a matching ``If-None-Match`` gets ``304`` without executing anything.
Answers without errors are kept in a bounded in-process cache (``cache.LruCache``).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from db.read import DEADLINE, QueryTimeout, Reader

from .cache import LruCache, etag_matches
from .context import Context
from .fastpath import FastPath, plan_for
from .limits import Limits
from .negotiation import GRAPHQL_RESPONSE, JSON, choose, wants_html
from .shape import Shape, shape_of

MAX_BODY_BYTES = 1_000_000
MAX_ERRORS = 50


@dataclass(frozen=True)
class Params:
    """The GraphQL-over-HTTP request parameters."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None

    def key(self, media: str) -> bytes:
        return orjson.dumps([media, self.query, self.variables, self.operation_name], option=orjson.OPT_SORT_KEYS)


class BadRequest(Exception):
    """The HTTP request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = headers or {}


#: Finished answers (body bytes) keyed by media type + request.
ResponseCache = LruCache[bytes, bytes]


class GraphQLEndpoint:
    """Starlette endpoint: negotiate, read parameters, execute, answer with the right status."""

    def __init__(self, schema: strawberry.Schema, reader: Reader, limits: Limits, *,
                 graphiql: bytes | None, max_age: int = 3600, cache: ResponseCache | None = None,
                 compiled: bool = True) -> None:
        self.schema, self.reader, self.limits = schema, reader, limits
        self.graphiql, self.max_age = graphiql, max_age
        self.cache = cache if cache is not None else ResponseCache()
        self.fast = FastPath(reader) if compiled else None
        self.etag_prefix = (reader.fingerprint or "nofingerprint")[:16]

    async def handle(self, request: Request) -> Response:
        method = request.method
        if method not in ("GET", "HEAD", "POST"):
            return _error_response(JSON, 405, "only GET and POST are supported", {"Allow": "GET, POST"})
        accept = request.headers.get("accept")
        if method in ("GET", "HEAD") and self.graphiql and wants_html(accept) and "query" not in request.query_params:
            return HTMLResponse(self.graphiql, headers={"Cache-Control": "no-cache"})
        media = choose(accept)
        if media is None:
            return _error_response(JSON, 406, f"cannot answer with any of: {accept}; "
                                   f"accepted are {GRAPHQL_RESPONSE} and {JSON}")
        try:
            params = await self._params(request)
        except BadRequest as exc:
            return _error_response(media, exc.status, exc.message, exc.headers)
        key = params.key(media)
        if method == "POST":
            return (await self._answer(params, media, key))[0]
        etag = f'"{self.etag_prefix}-{hashlib.blake2b(key, digest_size=12).hexdigest()}"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={self.max_age}", "Vary": "Accept"}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        response, clean = await self._answer(params, media, key)
        if clean:
            response.headers.update(headers)
        else:
            response.headers["Cache-Control"] = "no-store"
        return response

    async def _params(self, request: Request) -> Params:
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != JSON:
                raise BadRequest(f"POST needs Content-Type: {JSON}; got {content_type or 'none'!r}", 415,
                                 {"Accept-Post": JSON})
            body = await _read_body(request)
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise BadRequest(f"request body is not valid JSON: {exc}") from None
            if not isinstance(data, dict):
                raise BadRequest("request body must be a JSON object with a `query`")
            query, variables, operation = data.get("query"), data.get("variables"), data.get("operationName")
        else:
            args = request.query_params
            query, operation = args.get("query"), args.get("operationName")
            variables = args.get("variables")
            if variables is not None:
                try:
                    variables = orjson.loads(variables) if variables.strip() else None
                except orjson.JSONDecodeError as exc:
                    raise BadRequest(f"`variables` is not valid JSON: {exc}") from None
        if not isinstance(query, str) or not query.strip():
            raise BadRequest("a `query` string is required")
        if len(query) > self.limits.max_query_bytes:
            raise BadRequest(f"query too large ({len(query):,} characters; limit {self.limits.max_query_bytes:,})")
        if variables is not None and not isinstance(variables, dict):
            raise BadRequest("`variables` must be a JSON object")
        if operation is not None and not isinstance(operation, str):
            raise BadRequest("`operationName` must be a string")
        return Params(query, variables, operation or None)

    async def _answer(self, params: Params, media: str, key: bytes) -> tuple[Response, bool]:
        """Execute (or reuse) an answer; the flag says it had no errors, so it may be cached."""
        cached = self.cache.get(key)
        if cached is not None:
            return Response(cached, media_type=_content_type(media)), True
        outline = _outline(params.query)
        names = outline.names if outline else None
        if params.operation_name is None and names is not None and len(names) > 1:
            message = "The document has several operations: give `operationName`."
            return _error_response(media, 400 if media == GRAPHQL_RESPONSE else 200, message), False
        token = DEADLINE.set(time.monotonic() + self.limits.time_limit)
        try:
            plan_key, values, shaped = plan_for(params.query, params.operation_name, params.variables,
                                                outline.names[0] if outline and outline.names else None,
                                                outline.shape if outline else None)
            if self.fast is not None:
                body = self.fast.answer(plan_key, values)
                if body is not None:
                    self.cache.put(key, body)
                    return Response(body, media_type=_content_type(media)), True
            # the SQL deadline stops statements; this one stops Python work between them
            result = await asyncio.wait_for(self.schema.execute(
                params.query, variable_values=params.variables, context_value=Context(self.reader),
                operation_name=params.operation_name,
            ), timeout=self.limits.time_limit + 0.5)
        except (QueryTimeout, TimeoutError):
            return _timeout_response(media), False
        except CannotGetOperationTypeError:
            message = (f"Unknown operation named '{params.operation_name}'." if params.operation_name
                       else "The document has several operations: give `operationName`.")
            return _error_response(media, 400 if media == GRAPHQL_RESPONSE else 200, message), False
        except InvalidOperationTypeError as exc:
            return _error_response(media, 400 if media == GRAPHQL_RESPONSE else 200, str(exc)), False
        finally:
            DEADLINE.reset(token)
        payload: dict[str, Any] = {}
        errors = _formatted(result.errors or [])
        request_error = result.data is None and errors and all("path" not in error for error in errors)
        if errors:
            payload["errors"] = errors
        if not request_error:
            payload["data"] = result.data
        body = orjson.dumps(payload)
        status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
        if not request_error and outline is not None and self.fast is not None and not self.fast.knows(plan_key):
            self.fast.learn(plan_key, parse(params.query), params.operation_name, shaped)
        if not errors:
            self.cache.put(key, body)
        return Response(body, status_code=status, media_type=_content_type(media)), not errors


async def _read_body(request: Request) -> bytes:
    """The body, refused (413) as soon as it is known to be too large: never buffered whole."""
    declared = request.headers.get("content-length", "")
    too_large = f"request body too large (limit {MAX_BODY_BYTES:,} bytes)"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadRequest(too_large, 413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadRequest(too_large, 413)
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class Outline:
    """What the endpoint needs to know of a document before executing it.

    Not the parsed document: a parse holds hundreds of objects (its tokens are linked both ways),
    and a thousand cached ones made each full garbage collection stall the server for ~80 ms under
    clients that rename their queries per request. The fast path parses again the one time it
    compiles a shape.
    """

    names: tuple[str | None, ...]  # of its operations, in order
    shape: Shape | None  # one operation: what its compiled plan depends on (``gql.shape``)


@lru_cache(maxsize=1024)
def _outline(query: str) -> Outline | None:
    """The document's outline; None if it does not parse (Strawberry reports that)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    names = tuple(d.name.value if d.name else None for d in document.definitions
                  if isinstance(d, OperationDefinitionNode))
    return Outline(names, shape_of(query, document))


def _formatted(errors: list[GraphQLError]) -> list[dict[str, Any]]:
    """Formatted errors, at most ``MAX_ERRORS`` (a timeout can fail thousands of fields at once)."""
    shown = [_format(error) for error in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        shown.append({"message": f"{len(errors) - MAX_ERRORS:,} more errors not shown",
                      "extensions": {"code": shown[-1].get("extensions", {}).get("code", "ERRORS_TRUNCATED")}})
    return shown


def _timeout_response(media: str) -> Response:
    body = orjson.dumps({"errors": [{"message": "the query ran past its time limit and was stopped",
                                     "extensions": {"code": "TIMEOUT"}}], "data": None})
    return Response(body, status_code=200, media_type=_content_type(media))


def _format(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    if isinstance(error.original_error, QueryTimeout):
        formatted["extensions"] = {"code": "TIMEOUT"}
    elif error.original_error is None and "path" not in formatted and "extensions" not in formatted:
        formatted["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
    return formatted


def _content_type(media: str) -> str:
    return f"{media}; charset=utf-8"


def _error_response(media: str, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]})
    return Response(body, status_code=status, media_type=_content_type(media), headers=headers)
