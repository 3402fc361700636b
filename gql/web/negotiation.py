"""GraphQL-over-HTTP content negotiation: which media type to answer with, or none (406)."""

from __future__ import annotations

import math
from functools import lru_cache

from ..limits import ACCEPT_CACHE

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
HTML = "text/html"

_SUPPORTED = (GRAPHQL_RESPONSE, JSON)


def _accepted(header: str) -> list[tuple[str, float, int]]:
    items = []
    for index, part in enumerate(header.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                quality = min(quality, 1.0) if math.isfinite(quality) else 0.0  # "nan" ranks above nothing
        if media:
            items.append((media.lower(), quality, index))
    return items


@lru_cache(maxsize=ACCEPT_CACHE)
def choose(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header; None means 406.

    No header, or only wildcards, means a legacy client: ``application/json``. Among equal
    qualities the spec's ``application/graphql-response+json`` wins.
    """
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for media, quality, _ in _accepted(accept):
        if quality <= 0:
            continue
        # wildcards are what legacy clients (curl, fetch) send: they get application/json, as
        # graphql-http (the spec's reference server) does, so they keep 200s for request errors
        candidates = (JSON,) if media in ("*/*", "application/*") else (media,) if media in _SUPPORTED else ()
        for candidate in candidates:
            rank = (quality, 1 if candidate == GRAPHQL_RESPONSE else 0, candidate)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else None


@lru_cache(maxsize=ACCEPT_CACHE)
def wants_html(accept: str | None) -> bool:
    """A browser navigating to the endpoint: HTML is listed before any JSON type."""
    if not accept:
        return False
    for media, quality, _ in sorted(_accepted(accept), key=lambda item: (-item[1], item[2])):
        if quality <= 0:
            continue
        if media == HTML:
            return True
        if media in _SUPPORTED:
            return False
    return False
