"""``GET /feed.atom``: the newest events of any ``EventFilter`` as an Atom 1.0 feed, for feed readers.

The query parameters are ``EventFilter``'s fields by their GraphQL names, as ``db.filters.FILTERS``
declares them (a list filter takes its parameter repeated), and ``first``; every value is checked
by the code that checks the API's (``gql.arguments``), so a feed holds exactly what
``events(filter:, first:)`` answers, newest first. For example::

    GET /feed.atom?contextsAny=Syrian%20civil%20war&dateFrom=2015-09-01&first=50

A parameter that is unknown, repeated (but for a list) or refused is a ``400`` naming it, in
plain text. Answers carry an ``ETag`` (the file's fingerprint and build time, and the normalized
request) and the API's ``Cache-Control``; a matching ``If-None-Match`` gets ``304`` before anything
is read. The file is the one the request was given (``gql.web.follow``); while the served file is
refused (written over in place), every feed is a ``503``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from db.errors import QueryTimeout
from db.filters import FILTERS, Criteria, Filter, Kind
from db.read import DEADLINE, Reader
from db.sql import NEWEST_FIRST

from .. import arguments
from ..caching import digest, etag_matches
from ..errors import BadRequest, UserError
from ..limits import DEFAULT_MAX_AGE, Limits
from . import atom
from .follow import state_of

PATH = "/feed.atom"
FIRST = "first"
PARAMETERS = (*(item.name for item in FILTERS), FIRST)
NO_STORE = {"Cache-Control": "no-store"}

#: What the feed's ``rel="alternate"`` link asks the API: the same events, as JSON.
API_QUERY = ("query Feed($filter: EventFilter, $first: Int) { events(filter: $filter, first: $first, "
             "orderBy: NEWEST_FIRST) { edges { node { path date title body category sources { name url } "
             "contexts { name } } } } }")

Value = str | list[str]
_DIGITS = re.compile("[0-9]+")


@dataclass(frozen=True)
class FeedQuery:
    """A feed request, normalized: each filter given (in ``FILTERS`` order) with its value as
    bound (a list's names deduplicated and sorted), the page size, and the criteria they make."""

    values: tuple[tuple[Filter, Value], ...]
    first: int
    criteria: Criteria

    def query_string(self, *, first: bool = True) -> str:
        """The normalized query string (``first`` left out for the feed's id: not what it follows)."""
        pairs = [(item.name, name) for item, value in self.values
                 for name in (value if isinstance(value, list) else [value])]
        return urlencode([*pairs, *([(FIRST, str(self.first))] if first else [])], quote_via=quote)

    @property
    def feed_id(self) -> str:
        """Stable for the same filter: the same query on any rebuild of the file, in any order."""
        query = self.query_string(first=False)
        return f"{atom.TAG}feed" + (f"?{query}" if query else "")

    @property
    def title(self) -> str:
        """What the feed follows, e.g. ``newsgql: newest events, contextsAny: Aleppo; dateFrom: 2016-01-01``."""
        said = "; ".join(f"{item.name}: {', '.join(value) if isinstance(value, list) else value}"
                         for item, value in self.values)
        return "newsgql: newest events" + (f", {said}" if said else "")

    def variables(self) -> dict[str, object]:
        """The API's variables for ``API_QUERY``: the same filter and page size."""
        return {"filter": {item.name: value for item, value in self.values}, "first": self.first}


def read_query(params: QueryParams) -> FeedQuery:
    """The feed request of a query string; BadRequest naming the parameter that cannot be used."""
    unknown = sorted({name for name in params if name not in PARAMETERS})
    if unknown:
        raise BadRequest(f"unknown parameter {', '.join(map(repr, unknown))}; a feed takes: {', '.join(PARAMETERS)}")
    given: dict[Filter, Value] = {}
    for item in FILTERS:
        found = params.getlist(item.name)
        if not found:
            continue
        if item.kind is Kind.NAMES:
            given[item] = sorted(set(found))
        else:
            given[item] = _single(params, item.name)
    first = _single(params, FIRST) if FIRST in params else None
    try:
        size = arguments.page_size(_integer(first) if first is not None else None)
        criteria = arguments.criteria(given)
    except UserError as exc:
        raise BadRequest(exc.message) from None
    bound = dict(criteria.bound)
    values = tuple((item, given[item] if item.kind is Kind.NAMES else str(bound[item]))
                   for item in given if item in bound)
    return FeedQuery(values, size, criteria)


def _single(params: QueryParams, name: str) -> str:
    found = params.getlist(name)
    if len(found) > 1:
        raise BadRequest(f"parameter {name!r} given {len(found)} times; it takes one value")
    return found[0]


def _integer(text: str) -> int:
    """``first`` as written: ASCII digits only (``int()`` would take "+5", " 5", "5_0" and other scripts'
    digits); more than nine of them are out of range without being converted."""
    if not _DIGITS.fullmatch(text):
        raise BadRequest(f"parameter {FIRST!r} must be a whole number; got {text!r}")
    if len(text.lstrip("0")) > 9:
        low, high = arguments.RANGES[FIRST]
        raise BadRequest(f"{FIRST} must be between {low} and {high}; got {text}")
    return int(text)


class FeedEndpoint:
    """Starlette endpoint: read the query, answer ``304`` for a known ETag, else the feed."""

    def __init__(self, limits: Limits, *, max_age: int = DEFAULT_MAX_AGE) -> None:
        self.limits, self.max_age = limits, max_age

    async def handle(self, request: Request) -> Response:
        state = state_of(request.scope)
        if state.refused:
            return PlainTextResponse(f"{state.problem}\n", 503, headers=NO_STORE)
        try:
            query = read_query(request.query_params)
        except BadRequest as exc:
            return PlainTextResponse(exc.message + "\n", exc.status, headers=NO_STORE)
        base = str(request.base_url)
        key = digest(orjson.dumps([base, query.query_string()]))
        etag = f'"{state.archive.etag_prefix}-{key.hex()}"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={self.max_age}"}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        try:
            body = self._document(state.archive.reader, query, base)
        except QueryTimeout:
            return PlainTextResponse(f"{QueryTimeout.MESSAGE}\n", 503, headers=NO_STORE)
        return Response(body, media_type=f"{atom.MEDIA_TYPE}; charset=utf-8", headers=headers)

    def _document(self, reader: Reader, query: FeedQuery, base: str) -> bytes:
        """The feed, its statements under the server's time limit."""
        token = DEADLINE.set(time.monotonic() + self.limits.time_limit)
        try:
            events = reader.list_events(query.criteria, first=query.first, after=None, order=NEWEST_FIRST)
            ids = [event["id"] for event in events]
            sources = reader.sources_for_events(ids) if ids else {}
            contexts = reader.contexts_for_events(ids) if ids else {}
        finally:
            DEADLINE.reset(token)
        api = urlencode({"query": API_QUERY, "variables": orjson.dumps(query.variables()).decode()}, quote_via=quote)
        feed = atom.Feed(
            id=query.feed_id, title=query.title, self_href=f"{base.rstrip('/')}{PATH}?{query.query_string()}",
            alternate_href=f"{base}graphql?{api}",
            updated=reader.meta.get("built_at", "1970-01-01T00:00:00+00:00"),
        )
        return atom.document(feed, events, sources, contexts)
