"""Every limit the server enforces and every cache's bound, in one place (the README's Limits table).

``Limits`` holds those a server's flags and environment may change; the constants are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.filters import MAX_SEARCH_WORDS as MAX_SEARCH_WORDS  # words of a plain search kept: what the plain syntax means

# -- arguments (checked in validation when written into the document, by ``gql.arguments`` otherwise)
DEFAULT_PAGE = 20  # `first` when omitted
MAX_PAGE = 100  # `first` at most
FACET_PAGE = 10  # `first` of a facet list (and of `trending`) when omitted
MAX_OFFSET = 100_000  # `offset` of contexts and publishers
MAX_GRAPH_DEPTH = 6  # `relatedGraph(depth:)`
MAX_GRAPH_NODES = 500  # `relatedGraph(limit:)`
MAX_FILTER_CONTEXTS = 20  # names in one context list of a filter
MAX_FILTER_NESTING = 5  # levels of a filter: the top one and four of `and`/`or`/`not` below it
MAX_FILTER_FIELDS = 50  # fields given in one filter, at every level (each is a condition)
MAX_WINDOW_DAYS = 366  # `trending(dateFrom:, dateTo:)`: days of the window, both ends included
MAX_SEARCH_CHARS = 500  # `search(query:)`
MAX_CURSOR_CHARS = 1024  # a cursor or global id: holds an event path (a file name is <= 255 bytes) or a context name

# -- a document and its answer
MAX_COST = 100_000  # estimated objects in one answer (``schema.rules.QueryCost``)
MAX_BODY_BYTES = 1_000_000  # a POST body
MAX_BATCH = 10  # operations in one batched POST (they share one time limit)
MAX_INPUT_DEPTH = 32  # nesting of `variables` and `extensions` (our inputs nest 3 deep)
MAX_ERRORS = 50  # errors shown in one answer; the rest are counted
PYTHON_GRACE = 0.5  # seconds of Python work past the SQL deadline before a request is stopped
CLI_TIME_FACTOR = 5  # `newsgql query` runs one document with this many times the time limit
DEFAULT_MAX_AGE = 3600  # Cache-Control max-age of clean GET answers
FOLLOW_INTERVAL = 0.25  # seconds between looks at the served path (a new file, one changed in place)
GZIP_MIN_BYTES = 1000  # answers this long or longer are gzipped for clients that accept it
GZIP_LEVEL = 6  # zlib's default: JSON shrinks about as much as at 9, in a third of the time
GZIP_THREAD_BYTES = 128 * 1024  # longer answers are compressed off the event loop

# -- caches (see ``gql/__init__.py`` for what each keeps)
RESPONSE_CACHE_ENTRIES = 4096  # finished answers, per process
RESPONSE_CACHE_BYTES = 64 * 1024 * 1024
REPLAY_ENTRIES = 4096  # recorded GET and POST answers, per process
REPLAY_BYTES = 64 * 1024 * 1024
OUTLINE_CACHE = 1024  # document outlines
OUTLINE_BYTES = 16 * 1024 * 1024  # of their shapes and strings
PLAN_CACHE = 2048  # compiled plans (or "not compilable")
PERSISTED_ENTRIES = 4096  # documents registered by Apollo's automatic persisted queries
PERSISTED_BYTES = 16 * 1024 * 1024
PARSER_CACHE = 1024  # Strawberry's parsed documents
VALIDATION_CACHE = 1024  # Strawberry's validation results
ACCEPT_CACHE = 256  # negotiated Accept headers: a client sends the same one every time


@dataclass(frozen=True)
class Limits:
    """Per-server limits; the CLI and environment may change them."""

    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 2000
    max_query_bytes: int = 100_000
    time_limit: float = 2.0
