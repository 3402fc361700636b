"""Identical GET requests answered straight from memory, in front of everything else.

The file never changes, so a finished GET answer that carried an ``ETag`` (no errors) is kept
exactly as it was sent, headers and (possibly gzipped) body included, keyed by what can change
it: the query string and the ``Accept``, ``Accept-Encoding`` and ``Origin`` headers. A repeat is
answered without routing, middleware or GraphQL; ``If-None-Match`` gets its ``304`` here too.
This is what an HTTP cache in front would do, for deployments that have none.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..caching import LruCache, digest, etag_matches
from ..limits import REPLAY_BYTES, REPLAY_ENTRIES

Key = bytes  # a digest of the query string and the three headers
Entry = tuple[bytes, list[tuple[bytes, bytes]], bytes]  # ETag, headers, body


class GetReplay:
    """ASGI middleware: replay recorded GET ``/graphql`` answers; record clean new ones."""

    def __init__(self, app: ASGIApp, *, path: str = "/graphql", max_entries: int = REPLAY_ENTRIES,
                 max_bytes: int = REPLAY_BYTES) -> None:
        self.app, self.path = app, path
        self._entries: LruCache[Key, Entry] = LruCache(max_entries, max_bytes, size=lambda entry: len(entry[2]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key: Key = digest(b"\n".join((scope["query_string"], headers.get(b"accept", b""),
                                       headers.get(b"accept-encoding", b""), headers.get(b"origin", b""))))
        entry = self._entries.get(key)
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
        await self.app(scope, receive, self._recorder(key, send))

    def _recorder(self, key: Key, send: Send) -> Send:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(key, start["headers"], b"".join(chunks))
            await send(message)

        return record

    def _store(self, key: Key, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        found = dict(headers)
        etag = found.get(b"etag")
        if etag is not None and b"public" in found.get(b"cache-control", b""):
            self._entries.put(key, (etag, list(headers), body))  # answers with errors carry no ETag
