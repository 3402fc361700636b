"""Identical GET and POST ``/graphql`` requests answered straight from memory, before anything is read.

An open file never changes, so a finished answer the endpoint says is replayable (``Reply.replayable``:
clean, and given by the response cache, so asked for before) is kept, in the cache of the file it
came from (``gql.web.follow.ServedFile``: a new file starts empty), exactly as the endpoint sent it,
headers and (possibly gzipped) body included, keyed by what can change it (``key_of``): the method,
the query string or the body (and its ``Content-Type``), and the ``Accept`` and ``Accept-Encoding``
headers. The endpoint answers a repeat before negotiating, parsing or executing anything; a GET's
``If-None-Match`` gets its ``304`` there too. CORS headers, which depend on the ``Origin``, are added
outside, to replays as to every answer.

For GETs this is what an HTTP cache in front would do, for deployments that have none; POSTs, which
HTTP caches never keep, are what most GraphQL clients send.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from ..caching import LruCache, digest, etag_matches
from ..errors import BadRequest
from .params import Headers, body_of, text
from .reply import Reply, not_modified

Key = bytes  # a digest of the method, the query string or body, and the headers that change the answer
Entry = tuple[bytes | None, tuple[tuple[bytes, bytes], ...], bytes]  # ETag (GETs), headers, body
ReplayCache = LruCache[Key, Entry]

def replay_cache(max_entries: int, max_bytes: int) -> ReplayCache:
    """An empty cache of recorded answers, bounded by their bodies' bytes."""
    return LruCache(max_entries, max_bytes, size=lambda entry: len(entry[2]))


async def key_of(scope: Scope, receive: Receive, headers: Headers) -> Key | None:
    """What a GET or POST's answer is kept under; None for any other request, or a POST whose body
    cannot be read (too large, the client gone: the endpoint refuses it the same way)."""
    method = scope["method"]
    if method == "GET":
        sent = b"GET\n" + scope["query_string"]
    elif method == "POST":
        try:
            body = await body_of(scope, receive, headers)
        except (BadRequest, ClientDisconnect):
            return None
        sent = b"POST\n" + headers.get(b"content-type", b"") + b"\n" + body
    else:
        return None
    return digest(b"\n".join((headers.get(b"accept", b""), headers.get(b"accept-encoding", b""), sent)))


def entry_of(sent: Reply) -> Entry:
    """What is kept of an answer: its ETag, headers and body, as sent."""
    return sent.header(b"etag"), tuple(sent.headers), sent.body


async def replay(entry: Entry, headers: Headers, send: Send) -> None:
    """Send a kept answer again, or ``304`` when a GET's ``If-None-Match`` names its ETag."""
    etag, response_headers, body = entry
    if etag is not None and etag_matches(text(headers, b"if-none-match"), etag.decode("latin-1")):
        await not_modified(list(response_headers)).send(send)
    else:
        await Reply(200, list(response_headers), body).send(send)
