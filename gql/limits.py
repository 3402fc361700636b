"""Every limit the server enforces, in one place, with the defaults documented in the README."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LimitExceeded

DEFAULT_PAGE = 20
MAX_PAGE = 100
MAX_GRAPH_DEPTH = 6
MAX_GRAPH_NODES = 500
MAX_FILTER_CONTEXTS = 20


@dataclass(frozen=True)
class Limits:
    """Per-server limits; the CLI and environment may change them."""

    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 2000
    max_query_bytes: int = 100_000
    time_limit: float = 2.0


def page_size(first: int | None, default: int = DEFAULT_PAGE, maximum: int = MAX_PAGE) -> int:
    """Validate ``first``: 0..maximum, default when omitted."""
    if first is None:
        return default
    if first < 0:
        raise LimitExceeded(f"first must be between 0 and {maximum}; got {first}")
    if first > maximum:
        raise LimitExceeded(f"first must be between 0 and {maximum}; got {first} (page with `after`)")
    return first
