"""Records -> SQLite: with the shard writer its workers run (``db.shard``), the only code that
writes a database, and it never writes in place.

The build fills a temporary file beside the target and renames it over the target only when
complete, so a failed or killed build leaves the previous database exactly as it was.
Files are parsed on every core, each worker writing runs of whole days into its own shard file
(``db.shard``); shards are copied in, in corpus order, with ``INSERT ... SELECT`` as they arrive
(links last, resolved to event ids on the way in); contexts are split once the whole corpus has
been seen (``db.contexts``); indexes and FTS are built last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import SCHEMA_VERSION
from .contexts import segment_all
from .corpus import Corpus, walk
from .errors import BuildFailed
from .ids import context_ids
from .models import Issue
from .shard import Chunk, ChunkResult, parse_chunk
from .tables import create_index, create_indexes, create_tables, meta_rows
from .target import check, discard, replace, temporary

MIN_CHUNK_FILES = 256  # a shard per chunk costs a few milliseconds
MAX_CHUNK_FILES = 4096  # bounds a worker's memory and the wait for the last chunk


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
    force: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildSummary:
    """Build ``corpus`` into ``target`` atomically; raise BuildFailed and leave target untouched.

    Only a regular file is replaced, a read-only one only with ``force`` (``db.target.check``).
    ``progress(step, total)`` is called once per parsed chunk, ``step`` being its number of files.

    >>> build(Path("corpus"), Path("news.db"))  # doctest: +SKIP
    """
    started = time.perf_counter()
    target = target.resolve()
    check(target, force)
    tmp = temporary(target)
    workers = workers or os.cpu_count() or 1
    try:
        # the workers start before the walk, so they do not inherit (and count in their RSS) the file list
        with _parsed(workers) as parse:
            survey = walk(corpus)
            summary = BuildSummary(files=survey.files)
            conn = _open_for_build(tmp)
            try:
                _load(conn, parse(_chunks(survey, tmp, workers)), summary, progress)
                _finish(conn, summary)
            finally:
                conn.close()
        if strict and summary.issues:
            raise BuildFailed(
                f"--strict: {len(summary.issues)} problem(s) in the corpus, first: {summary.issues[0].file}"
                f"{':' + str(summary.issues[0].line) if summary.issues[0].line else ''}: {summary.issues[0].reason}"
            )
        replace(tmp, target)
    except sqlite3.Error as exc:
        raise BuildFailed(f"cannot write {target}: {exc}") from exc
    except OSError as exc:
        raise BuildFailed(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        discard(tmp)
    summary.bytes = target.stat().st_size
    summary.seconds = time.perf_counter() - started
    return summary


def _open_for_build(tmp: Path) -> sqlite3.Connection:
    if tmp.exists():
        tmp.unlink()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.executescript(
        # a small page cache and sorts that spill to temporary files keep memory flat as the corpus grows;
        # measured: not slower than 200 MB and sorts in memory (the OS caches the spilled files anyway)
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-32000; PRAGMA page_size=4096;"
    )
    create_tables(sqlite_utils.Database(conn))
    return conn


def _chunks(survey: Corpus, tmp: Path, workers: int) -> Iterator[Chunk]:
    """Runs of whole days, small enough that both cores stay busy until the last one."""
    size = max(MIN_CHUNK_FILES, min(MAX_CHUNK_FILES, survey.files // (workers * 8) + 1))
    for number, run in enumerate(survey.chunks(size)):
        yield Chunk(str(survey.root), str(tmp.with_name(f"{tmp.name[:-4]}.shard{number}.tmp")), run)


@contextmanager
def _parsed(workers: int) -> Iterator[Callable[[Iterator[Chunk]], Iterator[ChunkResult]]]:
    """Chunk results in corpus order, parsed by ``workers`` processes (or in this one, for one)."""
    if workers <= 1:
        yield lambda tasks: map(parse_chunk, tasks)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers) as pool:
        yield lambda tasks: pool.imap(parse_chunk, tasks)


def _load(
    conn: sqlite3.Connection,
    results: Iterator[ChunkResult],
    summary: BuildSummary,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Copy each shard's events into the database as it arrives, in corpus order, then their links."""
    fingerprint = hashlib.sha256()
    elsewhere: list[tuple[str, int, str, str]] = []  # day pages listing events of other days (rare)
    texts: Counter[str] = Counter()  # links per raw context list
    names: Counter[str] = Counter()  # events per story name: evidence for splitting the lists
    shards: list[str] = []  # links are copied last, once every event they may point at is in
    for result in results:
        shards.append(result.shard)
        _merge_events(conn, result.shard)
        fingerprint.update(result.fingerprint)
        summary.issues.extend(result.issues)
        elsewhere.extend(result.elsewhere)
        texts.update(result.texts)
        names.update(result.names)
        if progress:
            progress(result.files, summary.files)
    create_index(sqlite_utils.Database(conn), "events", ["path"], unique=True)  # the linking lookups need it
    for shard in shards:
        _merge_related(conn, shard)
    conn.execute("BEGIN")
    segmented = segment_all(texts, names)
    insert_contexts(conn, segmented, context_ids(name for parts in segmented.values() for name in parts))
    conn.executemany("INSERT INTO build_lists (text, links, names) VALUES (?, ?, ?)",
                     ((text, links, list_names(segmented.get(text, ()))) for text, links in texts.items()))
    conn.executemany("INSERT INTO build_stories (name, events) VALUES (?, ?)", names.items())
    conn.executemany("INSERT INTO build_elsewhere (day, place, path, category) VALUES (?, ?, ?, ?)", elsewhere)
    conn.execute(ELSEWHERE_CATEGORIES.format(where="1"))
    insert_issues(conn, summary.issues)
    conn.execute("COMMIT")
    summary.fingerprint = fingerprint.hexdigest()
    summary.skipped = sum(1 for issue in summary.issues if issue.fatal)
    summary.warnings = len(summary.issues) - summary.skipped


@contextmanager
def _attached(conn: sqlite3.Connection, shard: str) -> Iterator[None]:
    """One transaction with ``shard`` attached as ``shard``."""
    conn.execute("ATTACH DATABASE ? AS shard", (shard,))
    try:
        conn.execute("BEGIN")
        yield
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE shard")


def _merge_events(conn: sqlite3.Connection, shard: str) -> None:
    """Append one shard's events, sources and files (their ids are final: ``db.ids``)."""
    with _attached(conn, shard):
        merge_events(conn)


def merge_events(conn: sqlite3.Connection) -> None:
    """Copy the events, sources and files of the shard attached as ``shard``."""
    conn.execute(
        "INSERT INTO events (id, path, date, year, slug, title, story, body, category, file, source_count,"
        " related_count) SELECT id, path, date, year, slug, title, story, body, category, file,"
        " source_count, related_count FROM shard.events ORDER BY id"
    )
    conn.execute("INSERT INTO sources (id, event_id, position, name, url, domain)"
                 " SELECT id, event_id, position, name, url, domain FROM shard.sources ORDER BY id")
    conn.execute("INSERT INTO build_files SELECT * FROM shard.build_files")


def _merge_related(conn: sqlite3.Connection, shard: str) -> None:
    """Append one shard's links, resolved to event ids on the way in (every event is in by now); delete it.

    One join as rows go in costs a fraction of an ``UPDATE`` rewriting every link afterwards.
    """
    try:
        with _attached(conn, shard):
            merge_related(conn)
    finally:
        Path(shard).unlink(missing_ok=True)


def merge_related(conn: sqlite3.Connection) -> None:
    """Copy the links of the shard attached as ``shard``, each resolved to its target's id if it is in."""
    conn.execute(
        "INSERT INTO related (id, event_id, position, target_path, target_id, title, context_text)"
        " SELECT r.id, r.event_id, r.position, r.target_path, e.id, r.title, r.context_text"
        " FROM shard.related r LEFT JOIN main.events e ON e.path = r.target_path ORDER BY r.id"
    )


#: Pages that list events of other days (rare) give a category to those without one from their own
#: day's page: the first such listing in corpus order.
ELSEWHERE_CATEGORIES = (
    "UPDATE events SET category = (SELECT o.category FROM build_elsewhere o WHERE o.path = events.path"
    " ORDER BY o.day, o.place LIMIT 1) WHERE category IS NULL AND {where}"
    " AND path IN (SELECT path FROM build_elsewhere)"
)


def list_names(names: tuple[str, ...]) -> str:
    """How ``build_lists`` stores a list's split: its names as a JSON array."""
    return json.dumps(names, ensure_ascii=False)


def insert_contexts(conn: sqlite3.Connection, segmented: dict[str, tuple[str, ...]], ids: dict[str, int],
                    links: str = "related") -> None:
    """The contexts of every raw list in ``segmented`` (``ids``: each name's id) that are not in yet,
    and each link's contexts in order, for the links of the table ``links``."""
    conn.executemany("INSERT OR IGNORE INTO contexts (id, name) VALUES (?, ?)",
                     sorted({(ids[name], name) for parts in segmented.values() for name in parts}))
    conn.execute("CREATE TEMP TABLE text_contexts (text TEXT, position INTEGER, context_id INTEGER)")
    conn.executemany(
        "INSERT INTO temp.text_contexts VALUES (?, ?, ?)",
        ((text, position, ids[name]) for text, parts in segmented.items() for position, name in enumerate(parts, 1)),
    )
    conn.execute("CREATE INDEX temp.idx_text_contexts ON text_contexts (text)")
    conn.execute(
        "INSERT INTO related_contexts (related_id, context_id, position)"
        f" SELECT r.id, t.context_id, t.position FROM {links} r"
        " JOIN temp.text_contexts t ON t.text = r.context_text"
    )
    conn.execute("DROP TABLE temp.text_contexts")


def insert_issues(conn: sqlite3.Connection, issues: list[Issue]) -> None:
    conn.executemany(
        "INSERT INTO build_errors (file, line, severity, reason) VALUES (?, ?, ?, ?)",
        ((i.file, i.line, "skipped" if i.fatal else "warning", i.reason) for i in issues),
    )


def _finish(conn: sqlite3.Connection, summary: BuildSummary) -> None:
    """Derive each event's contexts and counts, index, search, describe, compact (links are resolved already)."""
    conn.execute("BEGIN")
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
