"""What the caches share: a bounded LRU, the digest they key on, and the ETag comparison.

An open database file never changes, so nothing expires: entries leave only when the cache is
over its count or byte budget (least recently used first), or with their file (``web/follow.py``).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most ``max_entries`` values and ``max_bytes`` of them (``size`` measures one)."""

    def __init__(self, max_entries: int, max_bytes: int,
                 size: Callable[[V], int] = len) -> None:  # type: ignore[assignment]
        self.max_entries, self.max_bytes, self.size = max_entries, max_bytes, size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._bytes = 0

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` unless caching is off, it is too large (1/16 of the budget) or known."""
        size = self.size(value)
        if not self.max_entries or size > self.max_bytes // 16 or key in self._items:
            return
        self._items[key] = value
        self._bytes += size
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= self.size(dropped)


def digest(data: bytes) -> bytes:
    """What the caches key on: 16 bytes for a text of any length (a key's size is not counted)."""
    return hashlib.blake2b(data, digest_size=16).digest()


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak or strong) or is ``*``."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
