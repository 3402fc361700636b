"""One corpus file (bytes) -> one record (``Event`` or ``DayPage``) plus the issues found.

Identity comes from the file's path: the date folders and the slug. What the file says about its
own date is only checked against it. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from urllib.parse import urlsplit

from .decode import decode
from .errors import CorpusError
from .links import context_text, list_item, parse_link
from .models import DayPage, Event, Issue, ParsedFile, RelatedLink, Source
from .paths import PathError, canonical_path, event_path

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024

_FILE = re.compile(r"(?:^|/)(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<name>[^/]+)\.md$")
_DATE_HEADING = re.compile(r"^#{2,6}\s*\[?\s*(?P<date>\d{4}-\d{1,2}-\d{1,2})\s*\]?")
_SECTION = re.compile(r"^#{2,6}\s*(?P<name>[^#\[\]]*?)\s*:?\s*#*\s*$")
_TITLE = re.compile(r"^#\s+(?P<title>.*\S)\s*#*\s*$")
_H2 = re.compile(r"^##\s+(?P<name>.*?)\s*#*\s*$")
#: A related item of the usual shape, in one regex: the text holds no ``](/news/`` and no ``]`` follows
#: the link, so its ``](`` is the line's last, where the general parser (the last ``](`` whose link
#: parses) puts it; tests compare the two. The text is read without backtracking.
_TYPICAL_RELATED = re.compile(
    r"\d{1,9}[.)]\s+\[(?P<text>[^\]]*(?:\](?!\(/news/)[^\]]*)*)"
    r"\]\(/news/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<slug>[^\s()\\<>/#?]+)"
    r"\.md\)(?:\s*[_*]{1,2}\s*Contexts?\s*:\s*(?P<names>[^_*\]]*)[_*]{1,2})?\s*"
)
#: A source item of the usual shape: ``1. [Name](url)``, no brackets in the name, nothing special in the URL.
_TYPICAL_SOURCE = re.compile(r"\d{1,9}[.)]\s+\[(?P<name>[^\[\]]*)\]\((?P<url>[^\s()\\<>]+)\)")
#: A day page entry of the usual shape: ``1. [Title](/news/YYYY/M/D/slug.md)``, one ``](``, nothing after.
_TYPICAL_ENTRY = re.compile(
    r"\d{1,9}[.)]\s+\[[^\[\]]*\]\(/news/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<slug>[^\s()\\<>/#?\[\]]+)\.md\)"
)
_SECTIONS = {"source": "sources", "sources": "sources", "related": "related"}
#: The whole-file shape nearly every event has: a date heading, blank lines, ``# title``, body lines,
#: ``### Source:`` and ``### Related:`` with their items. No line inside starts with ``#`` or a space,
#: so the general loop would read every line the same way (``_typical_event``); anything else takes it.
_LINE = r"(?:[^#\s][^\n]*)?"
_TYPICAL_EVENT = re.compile(
    r"(?:### \[(?P<date>\d{4}-\d\d-\d\d)\][^\n]*\n)?\n*"
    r"# (?P<title>[^\n]*)\n"
    rf"(?P<body>(?:{_LINE}\n)*)"
    r"### Sources?:\n"
    rf"(?P<sources>(?:{_LINE}\n)*)"
    r"### Related:\n"
    rf"(?P<related>(?:{_LINE}\n)*{_LINE})"
)
#: ``scheme://host`` with a plain host: what ``urlsplit(url).hostname`` returns, lower-cased, for these.
_PLAIN_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?P<host>[A-Za-z0-9.-]+)(?:[/?#]|$)")


def parse_file(file: str, data: bytes) -> ParsedFile:
    """Parse one file; never raises for bad input (problems become ``Issue`` records)."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        record, issues = _parse(file, data)
    except CorpusError as exc:
        return ParsedFile(file, digest, None, (Issue(file, exc.line, exc.reason, fatal=True),))
    return ParsedFile(file, digest, record, tuple(issues))


def identify(file: str) -> tuple[dt.date, str]:
    """(date, name) for a corpus-relative file path; raise CorpusError for non-event files."""
    match = _FILE.search(file.replace("\\", "/"))
    if not match:
        raise CorpusError(file, "not an event file (expected news/YYYY/MM/DD/<slug>.md)")
    try:
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        raise CorpusError(file, f"impossible date in folder names: {exc}") from None
    return day, match["name"]


def _parse(file: str, data: bytes) -> tuple[Event | DayPage, list[Issue]]:
    day, name = identify(file)
    if len(data) > MAX_FILE_BYTES:
        raise CorpusError(file, f"file too large ({len(data):,} bytes; limit {MAX_FILE_BYTES:,})")
    text, warning = decode(file, data)
    issues = [Issue(file, None, warning)] if warning else []
    if name == "index":
        return _day_page(file, day, text.split("\n"), issues), issues
    return _typical_event(file, day, name, text, issues) or _event(file, day, name, text.split("\n"), issues), issues


def _typical_event(file: str, day: dt.date, slug: str, text: str, issues: list[Issue]) -> Event | None:
    """The usual event file read in one regex pass instead of line by line; None if it is not usual.

    Same record and issues as ``_event`` (tests compare the two): on this shape every line before the
    title is a matching date heading or blank, and every later line is body, a section heading or an item.
    """
    if len(text) > MAX_LINE_CHARS:  # a long line must be reported, line by line
        return None
    match = _TYPICAL_EVENT.fullmatch(text)
    if match is None or (match["date"] is not None and match["date"] != day.isoformat()):
        return None
    title = match["title"].strip()
    if not title:
        return None
    return _record(file, day, slug, title, match["body"].split("\n"), _items(text, match, "sources"),
                   _items(text, match, "related"), issues)


def _items(text: str, match: re.Match[str], section: str) -> list[tuple[int, str]]:
    """(line number, stripped line) of a section's non-blank lines, as the line loop collects them."""
    first = text.count("\n", 0, match.start(section)) + 1
    return [(number, line.strip()) for number, line in enumerate(match[section].split("\n"), first) if line]


def _event(file: str, day: dt.date, slug: str, lines: list[str], issues: list[Issue]) -> Event:
    title: str | None = None
    body: list[str] = []
    sections: dict[str, list[tuple[int, str]]] = {"sources": [], "related": []}
    current: str | None = None  # None: before the title; "body"; a section name; "other"
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("#"):  # only headings need the patterns below
            heading_date = _DATE_HEADING.match(stripped) if title is None else None
            if heading_date:
                _check_heading_date(file, number, heading_date["date"], day, issues)
                continue
            title_match = _TITLE.match(stripped) if title is None else None
            if title_match:
                title = title_match["title"].strip()
                current = "body"
                continue
            section = _SECTION.match(stripped) if stripped.startswith("##") else None
            if section:
                current = _SECTIONS.get(section["name"].strip().lower(), "other")
                if current == "other":
                    issues.append(Issue(file, number, f"unknown section {stripped!r} ignored"))
                continue
        if current == "body":
            body.append(line.rstrip())
        elif current in sections and stripped:
            if len(stripped) > MAX_LINE_CHARS:
                issues.append(Issue(file, number, f"line too long ({len(stripped):,} chars) skipped"))
                continue
            sections[current].append((number, stripped))
    if title is None:
        raise CorpusError(file, "no title line ('# ...') found")
    return _record(file, day, slug, title, body, sections["sources"], sections["related"], issues)


def _record(file: str, day: dt.date, slug: str, title: str, body: list[str], sources: list[tuple[int, str]],
            related: list[tuple[int, str]], issues: list[Issue]) -> Event:
    """The event from its parts, however they were found: (line number, stripped line) items."""
    body_text = _paragraphs(body)
    return Event(
        path=event_path(day, slug),
        date=day.isoformat(),
        slug=slug,
        title=title,
        story=_story(title, body_text),
        body=body_text,
        sources=tuple(_sources(file, sources, issues)),
        related=tuple(_related(file, related, issues)),
        file=file,
    )


def _check_heading_date(file: str, number: int, text: str, day: dt.date, issues: list[Issue]) -> None:
    try:
        stated = dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        issues.append(Issue(file, number, f"impossible heading date {text!r}; folder date {day} kept"))
        return
    if stated != day:
        issues.append(Issue(file, number, f"heading date {stated} disagrees with folder date {day}; folder kept"))


def _paragraphs(lines: list[str]) -> str:
    """Join body lines, keeping paragraph breaks and dropping runs of blank lines."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _story(title: str, body: str) -> str | None:
    """The story names that prefix a title (``Syrian civil war. <body's first sentence>``)."""
    probe = body[:40]
    if not probe:
        return None
    start = title.find(probe)
    if start <= 0:
        return None
    story = title[:start].strip().rstrip(".").strip()
    return story or None


def _sources(file: str, items: list[tuple[int, str]], issues: list[Issue]) -> list[Source]:
    sources: list[Source] = []
    for number, line in items:
        typical = _TYPICAL_SOURCE.fullmatch(line)  # what the general path below makes of it, without its steps
        if typical:
            url = typical["url"]
            sources.append(Source(len(sources) + 1, typical["name"].strip(), url, domain_of(url)))
            continue
        link = parse_link(list_item(line) or line)
        if link is None or not link.url:
            issues.append(Issue(file, number, f"source item without a link skipped: {line[:80]!r}"))
            continue
        sources.append(Source(len(sources) + 1, link.text, link.url, domain_of(link.url)))
    return sources


def _related(file: str, items: list[tuple[int, str]], issues: list[Issue]) -> list[RelatedLink]:
    related: list[RelatedLink] = []
    for number, line in items:
        typical = _TYPICAL_RELATED.fullmatch(line)  # the shape nearly every line has
        folder = _day_folder(typical["y"], typical["m"], typical["d"]) if typical else None
        if typical and folder is not None:  # else not usual, or an impossible date the general path reports
            names = (typical["names"] or "").strip()
            related.append(RelatedLink(len(related) + 1, f"{folder}{typical['slug']}.md", typical["text"].strip(),
                                       names, number))
            continue
        link = parse_link(list_item(line) or line)
        if link is None:
            issues.append(Issue(file, number, f"related item without a link skipped: {line[:80]!r}"))
            continue
        try:
            target = canonical_path(_url_path(link.url))
        except PathError as exc:
            issues.append(Issue(file, number, f"related link skipped: {exc}"))
            continue
        names = context_text(link.tail) if link.tail else ""
        if names is None:
            issues.append(Issue(file, number, f"unreadable context note ignored: {link.tail[:80]!r}"))
            names = ""
        related.append(RelatedLink(len(related) + 1, target, link.text, names, number))
    return related


@functools.lru_cache(maxsize=4096)
def _day_folder(year: str, month: str, day: str) -> str | None:
    """``/news/YYYY/MM/DD/`` for a date's digits, or None if no such date; links repeat a few thousand days."""
    try:
        return event_path(dt.date(int(year), int(month), int(day)), "")[: -len(".md")]
    except ValueError:
        return None


def _day_page(file: str, day: dt.date, lines: list[str], issues: list[Issue]) -> DayPage:
    category: str | None = None
    entries: list[tuple[str, str]] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        heading = _H2.match(stripped) if stripped.startswith("##") else None
        if heading:
            category = heading["name"] or None
            continue
        if category is None:
            continue
        typical = _TYPICAL_ENTRY.fullmatch(stripped)
        folder = _day_folder(typical["y"], typical["m"], typical["d"]) if typical else None
        if typical and folder is not None:  # what the general path below makes of it, without its steps
            entries.append((f"{folder}{typical['slug']}.md", category))
            continue
        item = list_item(stripped)
        if item is None:
            continue
        link = parse_link(item)
        if link is None:
            continue
        try:
            entries.append((canonical_path(_url_path(link.url)), category))
        except PathError as exc:
            issues.append(Issue(file, number, f"day page entry skipped: {exc}"))
    return DayPage(day.isoformat(), tuple(entries))


def _url_path(url: str) -> str:
    """The path part of a link; corpus links are nearly always bare paths, so skip urlsplit then."""
    return urlsplit(url).path if ("://" in url or "?" in url or "#" in url) else url


def domain_of(url: str) -> str | None:
    """The host of a URL without ``www.``, lower-cased; None when there is none."""
    plain = _PLAIN_HOST.match(url)
    if plain:  # nearly every source: skip urlsplit, which gives the same host (tests compare the two)
        host: str | None = plain["host"].lower()
    else:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host
