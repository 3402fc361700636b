"""The shared LRU and ETag comparison behind the response cache and the replay layer."""

from __future__ import annotations

from gql.caching import LruCache, etag_matches


def test_lru_evicts_least_recently_used_by_count_and_bytes() -> None:
    cache: LruCache[str, bytes] = LruCache(max_entries=2, max_bytes=1600)
    cache.put("a", b"1" * 10)
    cache.put("b", b"2" * 10)
    assert cache.get("a") == b"1" * 10  # now "b" is the oldest
    cache.put("c", b"3" * 10)
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    cache.put("big", b"x" * 101)  # over 1/16 of the byte budget: not kept
    assert cache.get("big") is None
    cache.put("d", b"4" * 100)
    cache.put("e", b"5" * 100)
    assert cache.get("c") is None


def test_lru_can_be_turned_off() -> None:
    cache: LruCache[str, bytes] = LruCache(0, 0)
    cache.put("a", b"1")
    assert cache.get("a") is None


def test_etag_matches() -> None:
    assert etag_matches('"x", W/"y"', '"y"') and etag_matches("*", '"z"')
    assert not etag_matches(None, '"x"') and not etag_matches('"a"', '"x"')
