"""Identical GET requests answered straight from memory, in front of everything else.

The file never changes, so a finished GET answer that carried an ``ETag`` (no errors) is kept
exactly as it was sent, headers and (possibly gzipped) body included, keyed by what can change
it: the query string and the ``Accept``, ``Accept-Encoding`` and ``Origin`` headers. A repeat is
answered without routing, middleware or GraphQL; ``If-None-Match`` gets its ``304`` here too.
This is what an HTTP cache in front would do, for deployments that have none.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Key = tuple[bytes, bytes, bytes, bytes]


class WarmCache:
    """ASGI middleware: replay recorded GET ``/graphql`` answers; record clean new ones."""

    def __init__(self, app: ASGIApp, *, path: str = "/graphql", max_entries: int = 4096,
                 max_bytes: int = 64 * 1024 * 1024) -> None:
        self.app, self.path = app, path
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Key, tuple[bytes, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key: Key = (scope["query_string"], headers.get(b"accept", b""), headers.get(b"accept-encoding", b""),
                    headers.get(b"origin", b""))
        entry = self._entries.get(key)
        if entry is not None:
            etag, response_headers, body = entry
            if _matches(headers.get(b"if-none-match", b""), etag):
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
        if etag is None or b"public" not in found.get(b"cache-control", b"") or len(body) > self.max_bytes // 16:
            return  # answers with errors carry no ETag: never replayed
        self._entries[key] = (etag, list(headers), body)
        self._bytes += len(body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self._bytes -= len(dropped)


def _matches(header: bytes, etag: bytes) -> bool:
    if not header:
        return False
    tags = {tag.strip().removeprefix(b"W/") for tag in header.split(b",")}
    return b"*" in tags or etag in tags
