"""A GraphQL-over-HTTP request's parameters, read from a POST body or a GET query string.

``read`` checks what the spec and our limits require of each parameter (types, sizes, nesting)
and returns what the client sent (``Sent``): the document whole, or only its hash or id
(``gql.web.documents`` then finds it). A JSON array of such objects is a batch.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope

from ..arguments import nested_deeper_than
from ..errors import BadRequest
from ..limits import MAX_BATCH, MAX_BODY_BYTES, MAX_INPUT_DEPTH, Limits
from .negotiation import JSON


class Sent(NamedTuple):
    """What one operation of a request sent: ``query`` may be missing when a document id or an
    Apollo persisted-query hash (in ``extensions``) stands for it."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None = None
    document_id: str | None = None


#: A request's headers by lower-case name, the first of each: Starlette's ``Headers`` scans the
#: whole list on every lookup.
Headers = dict[bytes, bytes]


def headers_of(scope: Scope) -> Headers:
    """The request's headers, looked up once each (ASGI servers give their names in lower case); made
    once per request, by the first layer that asks."""
    found: Headers | None = scope.get(_HEADERS)
    if found is None:
        found = scope[_HEADERS] = dict(reversed(scope["headers"]))
    return found


_HEADERS = "newsgql.headers"  # where ``headers_of`` keeps them in the ASGI scope


def text(headers: Headers, name: bytes) -> str | None:
    """A header's value as text (HTTP's latin-1), None when it was not sent."""
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


async def read(scope: Scope, receive: Receive, headers: Headers, limits: Limits) -> Sent | list[Sent | BadRequest]:
    """The request's parameters; BadRequest (with its HTTP status) when they are malformed.

    In a batch each operation is checked alone: a malformed one is its BadRequest, in its place.
    """
    if scope["method"] != "POST":
        args = QueryParams(scope["query_string"])
        return _checked({
            "query": args.get("query"), "operationName": args.get("operationName"),
            "documentId": args.get("documentId", args.get("doc_id")),
            "variables": _json_arg(args.get("variables"), "variables"),
            "extensions": _json_arg(args.get("extensions"), "extensions"),
        }, limits)
    content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
    if content_type != JSON:
        raise BadRequest(f"POST needs Content-Type: {JSON}; got {content_type or 'none'!r}", 415, {"Accept-Post": JSON})
    try:
        data = orjson.loads(await body_of(scope, receive, headers))
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from None
    if isinstance(data, list):
        if not 0 < len(data) <= MAX_BATCH:
            raise BadRequest(f"a batch holds 1 to {MAX_BATCH} operations; this one has {len(data)}")
        if not all(isinstance(item, dict) for item in data):
            raise BadRequest("a batch is an array of request objects, each with a `query`")
        return [_checked_or_refused(item, limits) for item in data]
    return _checked(data, limits)


def _json_arg(text: str | None, name: str) -> Any:
    if text is None or not text.strip():
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"`{name}` is not valid JSON: {exc}") from None


def _checked_or_refused(data: Any, limits: Limits) -> Sent | BadRequest:
    try:
        return _checked(data, limits)
    except BadRequest as exc:
        return exc


def _checked(data: Any, limits: Limits) -> Sent:
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object with a `query` (or an array of them: a batch)")
    query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
    operation, document_id = data.get("operationName"), data.get("documentId", data.get("doc_id"))
    if query is not None and not isinstance(query, str):
        raise BadRequest("`query` must be a string")
    if query is not None and len(query) > limits.max_query_bytes:
        raise BadRequest(f"query too large ({len(query):,} characters; limit {limits.max_query_bytes:,})")
    for name, value in (("variables", variables), ("extensions", extensions)):
        if value is not None and not isinstance(value, dict):
            raise BadRequest(f"`{name}` must be a JSON object")
        if value is not None and nested_deeper_than(value, MAX_INPUT_DEPTH):
            raise BadRequest(f"`{name}` nested too deeply ({MAX_INPUT_DEPTH} levels at most)")
    if operation is not None and not isinstance(operation, str):
        raise BadRequest("`operationName` must be a string")
    if document_id is not None and not isinstance(document_id, str):
        raise BadRequest("`documentId` must be a string")
    return Sent(query, variables, operation or None, extensions, document_id)


async def body_of(scope: Scope, receive: Receive, headers: Headers) -> bytes:
    """The POST body, read once per request by the first layer that asks (``gql.web.replay``, else
    the endpoint); a later one gets the same bytes, or the same refusal."""
    found: bytes | BadRequest | ClientDisconnect | None = scope.get(_BODY)
    if found is None:
        try:
            found = await _body(receive, headers)
        except (BadRequest, ClientDisconnect) as exc:
            found = exc
        scope[_BODY] = found
    if isinstance(found, Exception):
        raise found
    return found


_BODY = "newsgql.body"  # where ``body_of`` keeps it in the ASGI scope


async def _body(receive: Receive, headers: Headers) -> bytes:
    """The body, refused (413) as soon as it is known to be too large: never buffered whole."""
    declared = headers.get(b"content-length", b"")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    while True:  # ASGI's messages read straight: Starlette's ``stream()`` is an async generator
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        if not message.get("more_body", False):
            return b"".join((*chunks, chunk)) if chunks else chunk
        chunks.append(chunk)


def _too_large() -> BadRequest:
    return BadRequest(f"request body too large (limit {MAX_BODY_BYTES:,} bytes)", 413)
