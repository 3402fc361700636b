"""Canonical event paths: ``/news/2016/12/7/x.md`` and ``/news/2016/12/07/x.md`` are one event."""

from __future__ import annotations

import datetime as dt
import re

from .errors import PathError

__all__ = ["PathError", "canonical_path", "event_path", "split_path"]

#: The slug is taken whole and its ``.md`` cut after: a lazy slug before an optional ``.md`` tried
#: every length of it (4.4 us for a long path, against 0.3).
_PATH = re.compile(r"^/?(?:news/)?(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<slug>[^/]+)/?$")
_SUFFIX = ".md"
#: A path already in the one spelling we store (ASCII digits: ``\d`` takes any script's).
_CANONICAL = re.compile(r"/news/([0-9]{4})/([0-9]{2})/([0-9]{2})/[^/#?]+\.md")


def split_path(path: str) -> tuple[dt.date, str]:
    """Return (date, slug) of an event path in any spelling; raise PathError otherwise.

    >>> split_path("/news/2016/12/7/aleppo.md")
    (datetime.date(2016, 12, 7), 'aleppo')
    """
    match = _PATH.match(path.strip().split("#", 1)[0].split("?", 1)[0])
    if not match:
        raise PathError(f"not an event path: {path!r}")
    try:
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        raise PathError(f"impossible date in path {path!r}: {exc}") from None
    slug = match["slug"]
    if slug.endswith(_SUFFIX) and len(slug) > len(_SUFFIX):  # `.md` alone is a slug, as it always was
        slug = slug[:-len(_SUFFIX)]
    return day, slug


def canonical_path(path: str) -> str:
    """The one spelling we store: zero-padded date, leading ``/news/``, ``.md`` suffix.

    >>> canonical_path("news/2016/12/7/aleppo")
    '/news/2016/12/07/aleppo.md'
    """
    found = _CANONICAL.fullmatch(path)  # how clients send what we gave them: checked, kept as it is
    if found is not None and _is_date(*map(int, found.groups())):
        return path
    day, slug = split_path(path)
    return event_path(day, slug)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def event_path(day: dt.date, slug: str) -> str:
    """Build the canonical path for a date and slug."""
    return f"/news/{day.year:04d}/{day.month:02d}/{day.day:02d}/{slug}.md"
