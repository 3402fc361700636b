"""Identical GET requests answered straight from memory, in front of everything else.

An open file never changes, so a finished GET answer that carried an ``ETag`` (no errors) is kept,
in the cache of the file it came from (``gql.web.follow.ServedFile``: a new file starts empty), exactly
as it was sent, headers and (possibly gzipped) body included, keyed by what can change
it: the query string and the ``Accept``, ``Accept-Encoding`` and ``Origin`` headers. A repeat is
answered without routing, middleware or GraphQL; ``If-None-Match`` gets its ``304`` here too.
This is what an HTTP cache in front would do, for deployments that have none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..caching import LruCache, digest, etag_matches
from .params import headers_of

Key = bytes  # a digest of the query string and the three headers
Entry = tuple[bytes, list[tuple[bytes, bytes]], bytes]  # ETag, headers, body
ReplayCache = LruCache[Key, Entry]


def replay_cache(max_entries: int, max_bytes: int) -> ReplayCache:
    """An empty cache of recorded answers, bounded by their bodies' bytes."""
    return LruCache(max_entries, max_bytes, size=lambda entry: len(entry[2]))


class GetReplay:
    """ASGI middleware: replay recorded GET ``/graphql`` answers; record clean new ones.

    ``cache_of`` gives the cache of the file a request answers from (None: neither replay nor record).
    """

    def __init__(self, app: ASGIApp, *, cache_of: Callable[[Scope], ReplayCache | None], path: str) -> None:
        self.app, self.path, self.cache_of = app, path, cache_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = None
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == self.path:
            cache = self.cache_of(scope)
        if cache is None:
            await self.app(scope, receive, send)
            return
        headers = headers_of(scope)
        key: Key = digest(b"\n".join((scope["query_string"], headers.get(b"accept", b""),
                                       headers.get(b"accept-encoding", b""), headers.get(b"origin", b""))))
        entry = cache.get(key)
        if entry is not None:
            etag, response_headers, body = entry
            if etag_matches(headers.get(b"if-none-match", b"").decode("latin-1"), etag.decode("latin-1")):
                kept = [(k, v) for k, v in response_headers if k in (b"etag", b"cache-control", b"vary")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
            else:
                await send({"type": "http.response.start", "status": 200, "headers": response_headers})
                await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, self._recorder(cache, key, send))

    def _recorder(self, cache: ReplayCache, key: Key, send: Send) -> Send:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    _store(cache, key, start["headers"], b"".join(chunks))
            await send(message)

        return record


def _store(cache: ReplayCache, key: Key, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    found = dict(headers)
    etag = found.get(b"etag")
    if etag is not None and b"public" in found.get(b"cache-control", b""):
        cache.put(key, (etag, list(headers), body))  # answers with errors carry no ETag
