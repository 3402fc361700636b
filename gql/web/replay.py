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

from ..caching import LruCache, etag_matches
from ..errors import BadRequest
from .params import Headers, body_of, text
from .reply import Reply, not_modified

#: The method, the ``Accept``, ``Accept-Encoding`` and ``Content-Type`` headers, and the query string
#: or body, compared whole (a digest cost a cold request ~1 µs; a hash alone could replay another
#: request's answer).
Key = tuple[bytes, bytes, bytes, bytes, bytes]
#: ETag (GETs), headers and body as sent, and the bytes the entry holds with its key.
Entry = tuple[bytes | None, tuple[tuple[bytes, bytes], ...], bytes, int]
ReplayCache = LruCache[Key, Entry]


def replay_cache(max_entries: int, max_bytes: int) -> ReplayCache:
    """An empty cache of recorded answers, bounded by their bytes and their requests'."""
    return LruCache(max_entries, max_bytes, size=lambda entry: entry[3])


async def key_of(scope: Scope, receive: Receive, headers: Headers) -> Key | None:
    """What a GET or POST's answer is kept under; None for any other request, or a POST whose body
    cannot be read (too large, the client gone: the endpoint refuses it the same way)."""
    method = scope["method"]
    if method == "GET":
        verb, content_type, sent = b"GET", b"", scope["query_string"]
    elif method == "POST":
        try:
            sent = await body_of(scope, receive, headers)
        except (BadRequest, ClientDisconnect):
            return None
        verb, content_type = b"POST", headers.get(b"content-type", b"")
    else:
        return None
    return verb, headers.get(b"accept", b""), headers.get(b"accept-encoding", b""), content_type, sent


def entry_of(sent: Reply, key: Key) -> Entry:
    """What is kept of an answer: its ETag, headers and body, as sent."""
    return sent.header(b"etag"), tuple(sent.headers), sent.body, len(sent.body) + sum(map(len, key))


async def replay(entry: Entry, headers: Headers, send: Send) -> None:
    """Send a kept answer again, or ``304`` when a GET's ``If-None-Match`` names its ETag."""
    etag, response_headers, body, _ = entry
    if etag is not None and etag_matches(text(headers, b"if-none-match"), etag.decode("latin-1")):
        await not_modified(response_headers).send(send)
    else:  # a list of its own: middleware outside (CORS) appends to the headers it is sent
        await Reply(200, list(response_headers), body).send(send)
