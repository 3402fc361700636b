"""Records -> SQLite: the only code that writes a database, and it never writes in place.

The build fills a temporary file beside the target and renames it over the target only when
complete, so a failed or killed build leaves the previous database exactly as it was.
Files are parsed on every core; rows go in with ``executemany`` in batches; contexts are split
once the whole corpus has been seen (``db.contexts``); indexes and FTS are built last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from . import SCHEMA_VERSION
from .contexts import segment_all
from .corpus import CorpusFile, read_bytes, walk
from .errors import BuildFailed
from .models import DayPage, Event, Issue, ParsedFile
from .parse import parse_file
from .tables import create_index, create_indexes, create_tables, meta_rows

BATCH = 2000


@dataclass
class BuildSummary:
    """What a build produced; printed by the CLI and stored in ``meta``."""

    files: int = 0
    events: int = 0
    sources: int = 0
    contexts: int = 0
    edges: int = 0
    resolved: int = 0
    skipped: int = 0
    warnings: int = 0
    seconds: float = 0.0
    bytes: int = 0
    fingerprint: str = ""
    issues: list[Issue] = field(default_factory=list)

    @property
    def resolved_share(self) -> float:
        return self.resolved / self.edges if self.edges else 0.0


def build(
    corpus: Path,
    target: Path,
    *,
    strict: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildSummary:
    """Build ``corpus`` into ``target`` atomically; raise BuildFailed and leave target untouched.

    ``progress(step, total)`` is called once per file read.

    >>> build(Path("corpus"), Path("news.db"))  # doctest: +SKIP
    """
    started = time.perf_counter()
    files = walk(corpus)
    target = target.resolve()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove_stale_temporaries(target)
    summary = BuildSummary(files=len(files))
    try:
        conn = _open_for_build(tmp)
        try:
            _load(conn, files, summary, workers, progress)
            _finish(conn, summary)
        finally:
            conn.close()
        if strict and summary.issues:
            raise BuildFailed(
                f"--strict: {len(summary.issues)} problem(s) in the corpus, first: {summary.issues[0].file}"
                f"{':' + str(summary.issues[0].line) if summary.issues[0].line else ''}: {summary.issues[0].reason}"
            )
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    except sqlite3.Error as exc:
        raise BuildFailed(f"cannot write {target}: {exc}") from exc
    except OSError as exc:
        raise BuildFailed(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    summary.bytes = target.stat().st_size
    summary.seconds = time.perf_counter() - started
    return summary


def _open_for_build(tmp: Path) -> sqlite3.Connection:
    if tmp.exists():
        tmp.unlink()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.executescript(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;"
        "PRAGMA cache_size=-200000; PRAGMA page_size=4096;"
    )
    create_tables(sqlite_utils.Database(conn))
    return conn


#: What a worker sends back: (file, digest, payload, issues). The payload is plain tuples, not
#: dataclasses, because pickling between processes is most of the cost of a parallel parse:
#: ("event", path, date, slug, title, story, body, file, sources, related), ("day", date, categories)
#: or None.
Compact = tuple[str, str, tuple[Any, ...] | None, tuple[Issue, ...]]


def _parse_one(item: CorpusFile) -> Compact:
    """Worker: read and parse one file; every failure becomes an Issue, never an exception."""
    if item.skip_reason:
        return (item.relative, "", None, (Issue(item.relative, None, item.skip_reason, True),))
    try:
        data = read_bytes(item)
    except OSError as exc:
        reason = f"unreadable: {exc.strerror or exc}"
        return (item.relative, "", None, (Issue(item.relative, None, reason, True),))
    try:
        return _compact(parse_file(item.relative, data))
    except Exception as exc:  # noqa: BLE001 - a parser bug must cost one file, not the build
        digest = hashlib.sha256(data).hexdigest()
        reason = f"internal parser error ({type(exc).__name__}); file skipped"
        return (item.relative, digest, None, (Issue(item.relative, None, reason, True),))


def _compact(parsed: ParsedFile) -> Compact:
    record = parsed.record
    payload: tuple[Any, ...] | None = None
    if isinstance(record, Event):
        payload = (
            "event", record.path, record.date, record.slug, record.title, record.story, record.body, record.file,
            tuple((s.position, s.name, s.url, s.domain) for s in record.sources),
            tuple((link.position, link.target_path, link.title, link.context_text) for link in record.related),
        )
    elif isinstance(record, DayPage):
        payload = ("day", record.date, record.categories)
    return (parsed.file, parsed.digest, payload, parsed.issues)


def _parsed(files: list[CorpusFile], workers: int | None) -> Iterator[Compact]:
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(files) < 200:
        yield from map(_parse_one, files)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers) as pool:
        yield from pool.imap(_parse_one, files, chunksize=256)


def _load(
    conn: sqlite3.Connection,
    files: list[CorpusFile],
    summary: BuildSummary,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    fingerprint = hashlib.sha256()
    # Files come in (date, index.md first, slug) order, so memory stays per day, not per corpus:
    # two files of one event are neighbours, and a day's categories are known before its events.
    last_path, last_file = "", ""
    day, day_categories = "", dict[str, str]()  # the day being read and its page's categories
    elsewhere: dict[str, str] = {}  # day pages listing events of other days (rare)
    texts: set[str] = set()
    events: list[tuple[object, ...]] = []
    sources: list[tuple[object, ...]] = []
    related: list[tuple[object, ...]] = []
    event_id = related_id = 0
    total = len(files)
    conn.execute("BEGIN")
    for file, digest, payload, issues in _parsed(files, workers):
        fingerprint.update(f"{file}\0{digest}\n".encode("utf-8", "surrogateescape"))
        if issues:
            summary.issues.extend(issues)
        if payload is None:
            pass
        elif payload[0] == "day":
            _, page_date, listed = payload
            if page_date != day:
                day, day_categories = page_date, {}
            folder = "/news/" + page_date.replace("-", "/") + "/"
            for path, category in listed:
                (day_categories if path.startswith(folder) else elsewhere).setdefault(path, category)
        elif payload[1] == last_path:
            reason = f"duplicate of {last_file} (same date and slug); skipped"
            summary.issues.append(Issue(file, None, reason, fatal=True))
        else:
            _, path, date, slug, title, story, body, source_file, event_sources, links = payload
            if date != day:
                day, day_categories = date, {}
            last_path, last_file = path, file
            event_id += 1
            category = day_categories.get(path) or elsewhere.get(path)
            events.append((event_id, path, date, int(date[:4]), slug, title, story, body, category, source_file,
                           len(event_sources), len(links)))
            sources.extend((event_id, *source) for source in event_sources)
            for position, target, link_title, context_text in links:
                related_id += 1
                texts.add(context_text)
                related.append((related_id, event_id, position, target, link_title, context_text))
            if len(events) >= BATCH:
                _flush(conn, events, sources, related)
        if progress:
            progress(1, total)
    _flush(conn, events, sources, related)
    _insert_contexts(conn, segment_all(texts))
    conn.execute("COMMIT")
    conn.execute("BEGIN")
    create_index(sqlite_utils.Database(conn), "events", ["path"], unique=True)  # the linking lookups need it
    conn.executemany(  # pages that list events of other days, read after those events
        "UPDATE events SET category = ? WHERE path = ? AND category IS NULL",
        [(category, path) for path, category in elsewhere.items()],
    )
    _insert_issues(conn, summary.issues)
    conn.execute("COMMIT")
    summary.fingerprint = fingerprint.hexdigest()
    summary.skipped = sum(1 for issue in summary.issues if issue.fatal)
    summary.warnings = len(summary.issues) - summary.skipped


def _flush(conn: sqlite3.Connection, events: list[tuple[object, ...]], sources: list[tuple[object, ...]],
           related: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO events (id, path, date, year, slug, title, story, body, category, file, source_count,"
        " related_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        events,
    )
    conn.executemany("INSERT INTO sources (event_id, position, name, url, domain) VALUES (?,?,?,?,?)", sources)
    conn.executemany(
        "INSERT INTO related (id, event_id, position, target_path, title, context_text) VALUES (?,?,?,?,?,?)",
        related,
    )
    for batch in (events, sources, related):
        batch.clear()


def _insert_contexts(conn: sqlite3.Connection, segmented: dict[str, tuple[str, ...]]) -> None:
    """Contexts get ids in name order; each raw list maps to its context ids in order."""
    names = sorted({name for parts in segmented.values() for name in parts})
    ids = {name: index for index, name in enumerate(names, start=1)}
    conn.executemany("INSERT INTO contexts (id, name) VALUES (?, ?)", [(i, n) for n, i in ids.items()])
    conn.execute("CREATE TEMP TABLE text_contexts (text TEXT, position INTEGER, context_id INTEGER)")
    conn.executemany(
        "INSERT INTO temp.text_contexts VALUES (?, ?, ?)",
        ((text, position, ids[name]) for text, parts in segmented.items() for position, name in enumerate(parts, 1)),
    )
    conn.execute("CREATE INDEX temp.idx_text_contexts ON text_contexts (text)")
    conn.execute(
        "INSERT INTO related_contexts (related_id, context_id, position)"
        " SELECT r.id, t.context_id, t.position FROM related r"
        " JOIN temp.text_contexts t ON t.text = r.context_text"
    )
    conn.execute("DROP TABLE temp.text_contexts")


def _insert_issues(conn: sqlite3.Connection, issues: list[Issue]) -> None:
    conn.executemany(
        "INSERT INTO build_errors (file, line, severity, reason) VALUES (?, ?, ?, ?)",
        ((i.file, i.line, "skipped" if i.fatal else "warning", i.reason) for i in issues),
    )


def _finish(conn: sqlite3.Connection, summary: BuildSummary) -> None:
    """Resolve links, derive each event's contexts, index, search, describe, compact."""
    conn.execute("BEGIN")
    conn.execute("UPDATE related SET target_id = (SELECT e.id FROM events e WHERE e.path = related.target_path)")
    conn.execute(
        "INSERT OR IGNORE INTO event_contexts (event_id, context_id)"
        " SELECT r.event_id, rc.context_id FROM related r JOIN related_contexts rc ON rc.related_id = r.id"
        " ORDER BY r.event_id, rc.context_id"
    )
    conn.execute(  # one grouped pass: a correlated count per context would scan the links each time
        "UPDATE contexts SET event_count = n.count FROM (SELECT context_id, count(*) AS count"
        " FROM event_contexts GROUP BY context_id) AS n WHERE n.context_id = contexts.id"
    )
    conn.execute("UPDATE contexts SET event_count = 0 WHERE event_count IS NULL")
    conn.execute("INSERT INTO days (date, event_count) SELECT date, count(*) FROM events GROUP BY date")
    conn.execute(
        "UPDATE events SET context_names = (SELECT group_concat(name, '; ') FROM"
        " (SELECT c.name FROM event_contexts ec JOIN contexts c ON c.id = ec.context_id"
        "  WHERE ec.event_id = events.id ORDER BY c.name))"
    )
    conn.execute("COMMIT")
    db = sqlite_utils.Database(conn)
    create_indexes(db)
    counts = {
        name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        for name in ("events", "sources", "contexts", "related")
    }
    summary.events, summary.sources = counts["events"], counts["sources"]
    summary.contexts, summary.edges = counts["contexts"], counts["related"]
    summary.resolved = conn.execute("SELECT count(*) FROM related WHERE target_id IS NOT NULL").fetchone()[0]
    meta = {
        "schema_version": SCHEMA_VERSION,
        "built_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "corpus_fingerprint": summary.fingerprint,
        "files": summary.files,
        "events": summary.events,
        "sources": summary.sources,
        "contexts": summary.contexts,
        "related": summary.edges,
        "related_resolved": summary.resolved,
        "skipped_files": summary.skipped,
        "warnings": summary.warnings,
    }
    conn.executemany("INSERT INTO meta (key, value) VALUES (:key, :value)", meta_rows(meta))
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=DELETE")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Delete leftovers of killed builds for this target (their process is gone)."""
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        pid = leftover.name[len(target.name) + 2 : -4]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
