"""The ``/graphql`` endpoint, to the letter of the GraphQL-over-HTTP spec.

GET and POST; ``application/graphql-response+json`` (request errors -> 400) and
``application/json`` (well-formed requests -> 200); every error is a GraphQL error object.
GET answers carry an ``ETag`` derived from the database file (its fingerprint and build time) and
the request, and a ``Cache-Control``; a matching ``If-None-Match`` gets ``304`` without executing
anything. What to answer is the executor's (``gql.execute``) of the file the request was given
(``gql.web.follow``); this module is HTTP only.
"""

from __future__ import annotations

import time

from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope, Send

from ..caching import etag_matches
from ..errors import BAD_REQUEST, DATABASE_UNAVAILABLE, BadRequest, DocumentError
from ..execute import Answer, Executor, GraphQLRequest, error_body
from ..limits import DEFAULT_MAX_AGE, Limits
from . import params, replay
from .documents import Documents
from .follow import State, state_of
from .negotiation import GRAPHQL_RESPONSE, JSON, choose, wants_html
from .reply import Reply, empty, encoded, not_modified, raw_headers, reply

PATH = "/graphql"
ALLOW = "GET, POST"  # and HEAD, as GET; OPTIONS is answered with this list
NO_STORE = {"Cache-Control": "no-store"}
HTML = "text/html; charset=utf-8"


class GraphQLEndpoint:
    """An ASGI app: replay a repeat (``gql.web.replay``), else negotiate, read parameters, find the
    document, execute, answer (gzipped when the client accepts it and the answer is worth it).

    It is called straight from the middleware (``gql.web.app``), not through Starlette's router
    and its gzip middleware: those cost a cold answer a fifth of its time, and every answer here
    is whole bytes, which one ``gzip.compress`` handles."""

    def __init__(self, limits: Limits, *, graphiql: bytes | None, max_age: int = DEFAULT_MAX_AGE,
                 documents: Documents | None = None) -> None:
        self.limits = limits
        self.graphiql, self.max_age = graphiql, max_age
        self.documents = documents or Documents()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers, state = params.headers_of(scope), state_of(scope)
        replays = None if state.refused else state.archive.replay  # a file refused keeps none
        key = None if replays is None else await replay.key_of(scope, receive, headers)
        entry = None if replays is None or key is None else replays.get(key)
        if entry is not None:
            await replay.replay(entry, headers, send)
            return
        sent = await encoded(await self.handle(scope, receive, headers, state), headers.get(b"accept-encoding"))
        if replays is not None and key is not None and sent.replayable:
            replays.put(key, replay.entry_of(sent, key))
        await sent.send(send)

    async def handle(self, scope: Scope, receive: Receive, headers: params.Headers, state: State) -> Reply:
        method = scope["method"]
        if method == "OPTIONS":  # what CORS preflights are not: the middleware answers those
            return empty(204, {"Allow": ALLOW})
        if method not in ("GET", "HEAD", "POST"):
            return _error_reply(JSON, 405, "only GET and POST are supported", {"Allow": ALLOW})
        accept = params.text(headers, b"accept")
        if method in ("GET", "HEAD") and self.graphiql and wants_html(accept) and not _asks(scope):
            return reply(200, self.graphiql, HTML, {"Cache-Control": "no-cache"})
        media = choose(accept)
        if media is None:
            return _error_reply(JSON, 406, f"cannot answer with any of: {accept}; "
                                f"accepted are {GRAPHQL_RESPONSE} and {JSON}")
        if state.refused:
            return _error_reply(media, 503, str(state.problem), NO_STORE, DATABASE_UNAVAILABLE)
        executor, etag_prefix = state.archive.executor, state.archive.etag_prefix
        try:
            sent = await params.read(scope, receive, headers, self.limits)
            if isinstance(sent, list):
                return await self._batch(executor, sent, media)
            graphql_request = self.documents.resolve(sent)
        except BadRequest as exc:
            return _error_reply(media, exc.status, exc.message, {**exc.headers, **NO_STORE})
        except DocumentError as exc:  # never cached: a hash not found now may be known next time
            return _reply(_refused(exc), media, NO_STORE)
        key = graphql_request.key(media)
        if method == "POST":
            return _reply(await executor.execute(graphql_request, key), media)
        return await self._get(headers, executor, etag_prefix, graphql_request, key, media)

    async def _get(self, headers: params.Headers, executor: Executor, etag_prefix: str,
                   graphql_request: GraphQLRequest, key: bytes, media: str) -> Reply:
        """A GET: an ETag from the file and the request, ``304`` for a matching ``If-None-Match``."""
        etag = f'"{etag_prefix}-{key.hex()}"'
        # Accept-Encoding whatever the size: a 304 must say what its 200 says, and is made unexecuted
        cached = {"ETag": etag, "Cache-Control": f"public, max-age={self.max_age}", "Vary": "Accept, Accept-Encoding"}
        if etag_matches(params.text(headers, b"if-none-match"), etag):
            return not_modified(raw_headers(cached))
        answer = await executor.execute(graphql_request, key)
        return _reply(answer, media, cached if answer.cacheable else NO_STORE)

    async def _batch(self, executor: Executor, batch: list[params.Sent | BadRequest], media: str) -> Reply:
        """A JSON array of operations (Apollo's batch link): an array of their answers, in order,
        run one after another within ONE time limit. Always 200: each answer says how it went."""
        deadline = time.monotonic() + self.limits.time_limit
        bodies: list[bytes] = []
        for sent in batch:
            try:
                if isinstance(sent, BadRequest):
                    raise sent
                graphql_request = self.documents.resolve(sent)
            except BadRequest as exc:
                bodies.append(error_body(exc.message))
            except DocumentError as exc:
                bodies.append(_refused(exc).body)
            else:
                bodies.append((await executor.execute(graphql_request, graphql_request.key(media), deadline)).body)
        return reply(200, b"[" + b",".join(bodies) + b"]", _content_type(media))


def status(request_error: bool, media: str) -> int:
    """The spec's rule: a request that could not run is 400 for clients that asked for
    ``application/graphql-response+json``; everything well-formed is 200 for legacy JSON."""
    return 400 if request_error and media == GRAPHQL_RESPONSE else 200


def _asks(scope: Scope) -> bool:
    """Whether a GET carries an operation (a browser gets GraphiQL otherwise)."""
    sent = QueryParams(scope["query_string"])
    return any(name in sent for name in ("query", "documentId", "doc_id", "extensions"))


def _refused(exc: DocumentError) -> Answer:
    return Answer(error_body(exc.message, exc.code), request_error=exc.request_error)


def _content_type(media: str) -> str:
    return f"{media}; charset=utf-8"


def _reply(answer: Answer, media: str, headers: dict[str, str] | None = None) -> Reply:
    """The reply of an answer. One the response cache gave (so asked for before, and clean) is
    replayed from now on (``gql.web.replay``): a request seen once costs the replay layer a
    lookup, not a recording."""
    return reply(status(answer.request_error, media), answer.body, _content_type(media), headers,
                 replayable=answer.cacheable and answer.source == "cache")


def _error_reply(media: str, status_code: int, message: str, headers: dict[str, str] | None = None,
                 code: str = BAD_REQUEST) -> Reply:
    """An HTTP-level refusal (405, 406, 413, 415, a malformed request, 503) as a GraphQL error object."""
    return reply(status_code, error_body(message, code), _content_type(media), headers)
