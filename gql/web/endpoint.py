"""The ``/graphql`` endpoint, to the letter of the GraphQL-over-HTTP spec.

GET and POST; ``application/graphql-response+json`` (request errors -> 400) and
``application/json`` (well-formed requests -> 200); every error is a GraphQL error object.
GET answers carry an ``ETag`` derived from the database fingerprint and the request, and a
``Cache-Control``; a matching ``If-None-Match`` gets ``304`` without executing anything.
What to answer is the executor's (``gql.execute``); this module is HTTP only.
"""

from __future__ import annotations

import hashlib

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..errors import BadRequest
from ..execute import Answer, Executor, error_body
from ..execute import Request as GraphQLRequest
from ..limits import MAX_BODY_BYTES, Limits
from .caching import etag_matches
from .negotiation import GRAPHQL_RESPONSE, JSON, choose, wants_html


def status(request_error: bool, media: str) -> int:
    """The spec's rule: a request that could not run is 400 for clients that asked for
    ``application/graphql-response+json``; everything well-formed is 200 for legacy JSON."""
    return 400 if request_error and media == GRAPHQL_RESPONSE else 200


class GraphQLEndpoint:
    """Starlette endpoint: negotiate, read parameters, execute, answer with the right status."""

    def __init__(self, executor: Executor, limits: Limits, *, graphiql: bytes | None, max_age: int = 3600) -> None:
        self.executor, self.limits = executor, limits
        self.graphiql, self.max_age = graphiql, max_age
        self.etag_prefix = (executor.reader.fingerprint or "nofingerprint")[:16]

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
            return _response(await self.executor.execute(params, key), media)
        etag = f'"{self.etag_prefix}-{hashlib.blake2b(key, digest_size=12).hexdigest()}"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={self.max_age}", "Vary": "Accept"}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        answer = await self.executor.execute(params, key)
        response = _response(answer, media)
        if answer.cacheable:
            response.headers.update(headers)
        else:
            response.headers["Cache-Control"] = "no-store"
        return response

    async def _params(self, request: Request) -> GraphQLRequest:
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
        return GraphQLRequest(query, variables, operation or None)


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


def _content_type(media: str) -> str:
    return f"{media}; charset=utf-8"


def _response(answer: Answer, media: str) -> Response:
    return Response(answer.body, status_code=status(answer.request_error, media), media_type=_content_type(media))


def _error_response(media: str, status_code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An HTTP-level refusal (405, 406, 413, 415, a malformed request) as a GraphQL error object."""
    return Response(error_body(message), status_code=status_code, media_type=_content_type(media), headers=headers)
