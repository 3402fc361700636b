"""Identical GET and POST ``/graphql`` requests answered straight from memory, before the endpoint.

An open file never changes, so a finished answer the endpoint marked replayable (``mark_replayable``:
no errors, nothing that differs per run) is kept, in the cache of the file it came from
(``gql.web.follow.ServedFile``: a new file starts empty), exactly as the endpoint sent it, headers
and (possibly gzipped) body included, keyed by what can change it: the method, the query string or
the body (and its ``Content-Type``), and the ``Accept`` and ``Accept-Encoding`` headers. A repeat is
answered without the endpoint or GraphQL; a GET's ``If-None-Match`` gets its ``304`` here too. CORS
headers, which depend on the ``Origin``, are added outside, to replays as to every answer.

For GETs this is what an HTTP cache in front would do, for deployments that have none; POSTs, which
HTTP caches never keep, are what most GraphQL clients send. Their body is read here, once
(``params.body_of``: a body over the limit is refused by the endpoint, as before).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from ..caching import LruCache, digest, etag_matches
from ..errors import BadRequest
from .params import body_of, headers_of

Key = bytes  # a digest of the method, the query string or body, and the headers that change the answer
Entry = tuple[bytes | None, tuple[tuple[bytes, bytes], ...], bytes]  # ETag (GETs), headers, body
ReplayCache = LruCache[Key, Entry]

#: Set in the ASGI scope by the endpoint: True when its answer may be replayed (``mark_replayable``),
#: then that answer's headers and body (``keep``).
REPLAYABLE, ANSWER = "newsgql.replayable", "newsgql.answer"


def replay_cache(max_entries: int, max_bytes: int) -> ReplayCache:
    """An empty cache of recorded answers, bounded by their bodies' bytes."""
    return LruCache(max_entries, max_bytes, size=lambda entry: len(entry[2]))


def mark_replayable(scope: Scope) -> None:
    """Say that the answer to this request is the same for every identical request."""
    scope[REPLAYABLE] = True


def keep(scope: Scope, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    """Leave the answer about to be sent for ``Replay`` to record, if it was marked replayable."""
    if scope.get(REPLAYABLE):
        scope[ANSWER] = (tuple(headers), body)


class Replay:
    """ASGI middleware: replay recorded ``/graphql`` answers; record the new ones the endpoint keeps.

    ``cache_of`` gives the cache of the file a request answers from (None: neither replay nor record).
    """

    def __init__(self, app: ASGIApp, *, cache_of: Callable[[Scope], ReplayCache | None], path: str) -> None:
        self.app, self.path, self.cache_of = app, path, cache_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = None
        if scope["type"] == "http" and scope["path"] == self.path and scope["method"] in ("GET", "POST"):
            cache = self.cache_of(scope)
        if cache is None:
            await self.app(scope, receive, send)
            return
        headers = headers_of(scope)
        if scope["method"] == "GET":
            sent = b"GET\n" + scope["query_string"]
        else:
            try:
                body = await body_of(scope, receive, headers)
            except (BadRequest, ClientDisconnect):  # the endpoint is given the same refusal
                await self.app(scope, receive, send)
                return
            sent = b"POST\n" + headers.get(b"content-type", b"") + b"\n" + body
        key: Key = digest(b"\n".join((headers.get(b"accept", b""), headers.get(b"accept-encoding", b""), sent)))
        entry = cache.get(key)
        if entry is None:
            await self.app(scope, receive, send)
            answer = scope.get(ANSWER)
            if answer is not None:
                cache.put(key, (dict(answer[0]).get(b"etag"), *answer))
            return
        etag, response_headers, body = entry
        if etag is not None and etag_matches(headers.get(b"if-none-match", b"").decode("latin-1"),
                                             etag.decode("latin-1")):
            kept = [(k, v) for k, v in response_headers if k in (b"etag", b"cache-control", b"vary")]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.start", "status": 200, "headers": list(response_headers)})
            await send({"type": "http.response.body", "body": body})
