"""The GraphQL layer: Strawberry types over the read-only database, served by Starlette.

How a request flows (``gql`` reads the database only, never the markdown corpus)::

    HTTP  web/replay.py     GetReplay: an identical GET answered from memory, before anything else
           |
          web/endpoint.py   negotiation (web/negotiation.py), parameters (web/params.py), the
           |                document by hash or id (web/documents.py), ETag/304, status, batches
           |                (``/feed.atom``: web/feed.py reads an EventFilter from the query string
           |                with ``arguments``, web/atom.py writes the events it finds as Atom)
           |
    run   execute.py        Executor: response cache -> compiled plan -> Strawberry -> Answer
           |                    |                               |
           |   compiled/        outline, shape -> plans (PlanCache) -> compile: roots,
           |                    connections, events, json_sql, binding, ctes: ONE statement
           |                                                    |
           |   schema/          rules (validation), query (root fields), types, search,
           |                    inputs, loaders (DataLoaders), context (RequestContext)
           |                                                    |
    SQL   db/sql.py, db/filters.py (the vocabulary both executors share) -> db/read.py (Reader)

``arguments`` checks argument values for both executors; ``cursors`` makes cursors and global
ids; ``limits`` holds every limit and cache bound; ``errors`` every error class and code;
``caching`` the LRU and the digest every cache below keys on (a key's size is never counted,
so keys are 16-byte digests of what they stand for).

The caches, per server process (the served file never changes while it is open, so nothing
expires; a new file means a new process, and its fingerprint starts every ETag):

=====================  =================================  ====================================
cache                  key (a digest of)                  bound (``limits``)
=====================  =================================  ====================================
GET replay             query string + Accept,             REPLAY_ENTRIES answers,
(web/replay.py)        Accept-Encoding, Origin headers    REPLAY_BYTES; clean GETs only
response cache         media type + query + variables     RESPONSE_CACHE_ENTRIES answers,
(execute.py)           + operation name                   RESPONSE_CACHE_BYTES; no errors only
persisted documents    the document's SHA-256 (Apollo's   PERSISTED_ENTRIES, PERSISTED_BYTES;
(web/documents.py)     automatic persisted queries)       trusted documents: the manifest, fixed
document outlines      query text                         OUTLINE_CACHE, OUTLINE_BYTES
(compiled/outline.py)
compiled plans         the document's shape, or text +    PLAN_CACHE plans, oldest dropped;
(compiled/plans.py)    operation name                     "not compilable" is remembered too
Strawberry's parser    query text                         PARSER_CACHE (ParserCache extension)
Strawberry's           query text                         VALIDATION_CACHE (ValidationCache)
validation
=====================  =================================  ====================================

``--no-response-cache`` turns off the first two; ``--no-compile`` the plans.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
