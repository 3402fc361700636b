"""Plain records passed from the parser to the builder: frozen, picklable, no behaviour.

Those a build makes for every file and every item (``Event``, ``ParsedFile``, ``Source``,
``RelatedLink``: ~9 a file) are named tuples, made in under half the time of a frozen dataclass
(measured: 6% of the instructions a build's worker spends per file); the rest are frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Source(NamedTuple):
    """One numbered item of ``### Source:``, in file order (position starts at 1)."""

    position: int
    name: str
    url: str
    domain: str | None


class RelatedLink(NamedTuple):
    """One numbered item of ``### Related:``.

    ``context_text`` is the raw ``_Context: ..._`` list: names may contain commas, so it is
    split later with the whole corpus as evidence (see ``db.contexts``).
    """

    position: int
    target_path: str
    title: str
    context_text: str
    line: int


@dataclass(frozen=True, slots=True)
class Issue:
    """Something wrong in a file that did not stop it from being read (or did, if fatal)."""

    file: str
    line: int | None
    reason: str
    fatal: bool = False


class Event(NamedTuple):
    """One event file: identity comes from its path (date + slug), never from its contents."""

    path: str
    date: str
    slug: str
    title: str
    story: str | None
    body: str
    sources: tuple[Source, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    file: str = ""


@dataclass(frozen=True, slots=True)
class DayPage:
    """A day's ``index.md``: which category heading each listed event sits under."""

    date: str
    categories: tuple[tuple[str, str], ...] = field(default=())  # (event path, category)


class ParsedFile(NamedTuple):
    """What one worker returns for one file: at most one record, its issues, its digest."""

    file: str
    digest: str
    record: Event | DayPage | None
    issues: tuple[Issue, ...] = ()
