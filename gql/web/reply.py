"""What ``/graphql`` sends back: a status, its headers and the whole body, as two ASGI messages.

Every answer of the endpoint is whole bytes by the time it is sent, so it needs none of what
Starlette's ``Response`` does for streams, files or background tasks, and building one cost a
cold answer more than the rest of its HTTP handling. A ``Reply`` is only what is sent; ``encoded``
gzips one for clients that accept it, and ``gql.web.replay`` keeps one to send it again.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterable
from typing import NamedTuple

from starlette.types import Send

from ..limits import GZIP_LEVEL, GZIP_MIN_BYTES, GZIP_THREAD_BYTES

RawHeaders = list[tuple[bytes, bytes]]


class Reply(NamedTuple):
    status: int
    headers: RawHeaders  # lower-case names, latin-1, as ASGI sends them
    body: bytes = b""
    #: Not sent: every identical request gets this reply, so ``gql.web.replay`` may keep it.
    replayable: bool = False

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})

    def header(self, name: bytes) -> bytes | None:
        """The value of the header ``name`` (lower case), None when it has none."""
        return next((value for key, value in self.headers if key == name), None)


def reply(status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None, *,
          replayable: bool = False) -> Reply:
    """A reply of ``body`` as ``content_type``, with ``headers`` (by their usual spelling) first."""
    raw = raw_headers(headers)
    raw.append((b"content-length", str(len(body)).encode()))
    raw.append((b"content-type", content_type.encode("latin-1")))
    return Reply(status, raw, body, replayable)


def empty(status: int, headers: dict[str, str]) -> Reply:
    """A reply without a body (``204``): no content headers either."""
    return Reply(status, raw_headers(headers))


def not_modified(answer: Iterable[tuple[bytes, bytes]]) -> Reply:
    """``304`` for the answer with the headers ``answer``: its validators and caching headers
    (``ETag``, ``Cache-Control``, ``Vary``), nothing else."""
    return Reply(304, [(name, value) for name, value in answer if name in _KEPT_BY_304])


_KEPT_BY_304 = (b"etag", b"cache-control", b"vary")


def raw_headers(headers: dict[str, str] | None) -> RawHeaders:
    """``headers`` by their usual spelling, as ASGI sends them."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()]


async def encoded(sent: Reply, accept_encoding: bytes | None) -> Reply:
    """``sent`` gzipped if the client accepts gzip and the body is ``GZIP_MIN_BYTES`` or more (a big
    one compressed off the event loop); ``Vary: Accept-Encoding`` on every reply that could have
    been, as caches need."""
    body = sent.body
    if len(body) < GZIP_MIN_BYTES:
        return sent
    vary = sent.header(b"vary")
    headers = sent.headers
    if vary is None or b"accept-encoding" not in vary.lower():
        headers = [item for item in headers if item[0] != b"vary"]
        headers.append((b"vary", b"Accept-Encoding" if vary is None else vary + b", Accept-Encoding"))
    if accept_encoding is None or b"gzip" not in accept_encoding.lower():
        return sent._replace(headers=headers)
    if len(body) < GZIP_THREAD_BYTES:
        body = gzip.compress(body, GZIP_LEVEL)
    else:
        body = await asyncio.to_thread(gzip.compress, body, GZIP_LEVEL)
    headers = [item for item in headers if item[0] != b"content-length"]
    headers += [(b"content-encoding", b"gzip"), (b"content-length", str(len(body)).encode())]
    return sent._replace(headers=headers, body=body)
