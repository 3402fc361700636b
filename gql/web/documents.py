"""Where a request's document comes from: sent whole, by Apollo's automatic persisted queries
(a SHA-256 hash, learned from the clients), or by a trusted document's id (a manifest).

Automatic persisted queries (Apollo's protocol): ``extensions.persistedQuery`` holds
``{"version": 1, "sha256Hash": H}``. A hash alone is answered from the documents already seen
or with ``PersistedQueryNotFound`` (HTTP 200, as Apollo's link expects: it then sends the hash
with the document); hash and document are checked, kept (bounded) and run. Over GET the short
URL is what an HTTP cache keys on.

Trusted documents (``serve --documents FILE``): a manifest mapping ids (hashes) to documents,
as Relay's persisted queries and GraphQL Code Generator's persisted documents write it, sent as
``documentId`` (``doc_id``) or as an APQ hash. With ``--documents-only`` nothing else runs: a
public deployment answers exactly its app's queries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from ..caching import LruCache
from ..errors import NOT_FOUND, NOT_TRUSTED, BadRequest, DocumentError, ManifestError
from ..execute import GraphQLRequest
from ..limits import PERSISTED_BYTES, PERSISTED_ENTRIES
from .params import Sent

_HASH = re.compile(r"[0-9a-f]{64}")


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class Documents:
    """The documents a server knows by hash or id: trusted ones (fixed) and persisted ones (learned)."""

    def __init__(self, trusted: Mapping[str, str] | None = None, *, only_trusted: bool = False) -> None:
        self.trusted = {_id(key): value for key, value in (trusted or {}).items()}
        self.only_trusted = only_trusted
        self.trusted_by_hash = {sha256(document): document for document in self.trusted.values()}
        self.persisted: LruCache[str, str] = LruCache(PERSISTED_ENTRIES, PERSISTED_BYTES)

    @classmethod
    def from_manifest(cls, path: Path, *, only_trusted: bool = False) -> Documents:
        """Read a manifest: a JSON object of id -> document (ids may carry a ``sha256:`` prefix)."""
        try:
            manifest: Any = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ManifestError(f"cannot read the documents manifest {path}: {exc}") from None
        if not isinstance(manifest, dict) or not all(
                isinstance(key, str) and isinstance(value, str) for key, value in manifest.items()):
            raise ManifestError(f"{path}: a documents manifest is a JSON object of id -> document text")
        return cls(manifest, only_trusted=only_trusted)

    def resolve(self, sent: Sent) -> GraphQLRequest:
        """The request to execute; DocumentError when its document is unknown or not allowed,
        BadRequest when there is none at all."""
        query = sent.query
        if sent.document_id is not None:
            if query is not None:
                raise DocumentError("send either a `query` or a `documentId`, not both")
            query = self.trusted.get(_id(sent.document_id))
            if query is None:
                raise DocumentError(f"unknown documentId {sent.document_id[:80]!r}", NOT_FOUND)
        persisted = (sent.extensions or {}).get("persistedQuery")
        if persisted is not None and sent.document_id is None:
            query = self._persisted(persisted, query)
        if not isinstance(query, str) or not query.strip():
            raise BadRequest("a `query` string is required")
        if self.only_trusted and sha256(query) not in self.trusted_by_hash:
            raise DocumentError("this server runs only its trusted documents: send a `documentId`", NOT_TRUSTED)
        cost = (sent.extensions or {}).get("cost") is True
        return GraphQLRequest(query, sent.variables, sent.operation_name, cost=cost)

    def _persisted(self, persisted: Any, query: str | None) -> str:
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise DocumentError("extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": ...}")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _HASH.fullmatch(digest):
            raise DocumentError("extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits")
        if query is None:
            found = self.trusted_by_hash.get(digest) or self.persisted.get(digest)
            if found is None:
                raise DocumentError("PersistedQueryNotFound", NOT_FOUND, request_error=False)
            return found
        if sha256(query) != digest:
            raise DocumentError("provided sha does not match query")
        if not self.only_trusted:
            self.persisted.put(digest, query)
        return query


def _id(key: str) -> str:
    return key.removeprefix("sha256:")
