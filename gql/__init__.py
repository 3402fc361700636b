"""The GraphQL layer: Strawberry types over the read-only database, served by Starlette.

How a request flows (``gql`` reads the database only, never the markdown corpus)::

    HTTP  web/follow.py     FollowFile: which file (ServedFile) this request answers from, held open
           |                until it is answered; refuses all when the file was written over in place
          web/replay.py     an identical GET or POST answered from memory, before anything is read
           |
          web/endpoint.py   negotiation (web/negotiation.py), parameters (web/params.py), the
           |                document by hash or id (web/documents.py), ETag/304, status, batches
           |                (``/feed.atom``: web/feed.py reads an EventFilter from the query string
           |                with ``arguments``, web/atom.py writes the events it finds as Atom)
           |                -> web/reply.py: a Reply (status, headers, whole body), gzipped or not
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
``caching`` the LRU and the digest the caches below key on (a key's size is never counted, so
keys are 16-byte digests of what they stand for), but the replay's, whose keys are the requests'
own bytes, compared whole, and counted in its bound.

The caches, per server process. An open file never changes, so nothing expires; the server
follows its path (``web/follow.py``): a new file renamed over it is a new ``ServedFile`` with empty
caches of its own (the first three rows), and its fingerprint and build time start every ETag.
Requests still running finish on the old archive, which then goes, caches and all. The last four
rows depend on query text and the schema only, never on the file, and are kept across files:

=====================  =================================  ====================================
cache                  key (a digest of)                  bound (``limits``)
=====================  =================================  ====================================
replay                 (not a digest: the bytes of) the   REPLAY_ENTRIES answers,
(web/replay.py)        method, query string or body       REPLAY_BYTES with their keys; clean
                       (+ Content-Type), Accept,          answers the response cache gave
                       Accept-Encoding headers            (asked twice); per file (ends with it)
response cache         media type + query + variables     RESPONSE_CACHE_ENTRIES answers,
(execute.py)           + operation name                   RESPONSE_CACHE_BYTES; no errors only;
                                                          per file (ends with it)
compiled plans         the document's shape, or text +    PLAN_CACHE plans, oldest dropped;
(compiled/plans.py)    operation name                     "not compilable" is remembered too;
                                                          per file (ends with it)
persisted documents    the document's SHA-256 (Apollo's   PERSISTED_ENTRIES, PERSISTED_BYTES;
(web/documents.py)     automatic persisted queries)       trusted documents: the manifest, fixed
document outlines      query text                         OUTLINE_CACHE, OUTLINE_BYTES
(compiled/outline.py)
Strawberry's parser    query text                         PARSER_CACHE (ParserCache extension)
Strawberry's           query text                         VALIDATION_CACHE (ValidationCache)
validation
negotiation            the Accept header                  ACCEPT_CACHE (functools.lru_cache)
(web/negotiation.py)
=====================  =================================  ====================================

``--no-response-cache`` turns off the first two; ``--no-compile`` the plans.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
