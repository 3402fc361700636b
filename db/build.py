"""Records -> SQLite: with the shard writer its workers run (``db.shard``), the only code that
writes a database, and it never writes in place.

The build fills a temporary file beside the target and renames it over the target only when
complete, so a failed or killed build leaves the previous database exactly as it was.
Files are parsed on every core, each worker writing runs of whole days into its own shard file
(``db.shard``); shards are copied in, in corpus order, with ``INSERT ... SELECT`` as they arrive
(links last, resolved to event ids on the way in); contexts are split once the whole corpus has
been seen (``db.contexts``); indexes and FTS are built last, on one core, while the facet tables
are counted on the other (``db.beside``). Each phase's time is in ``BuildSummary.phases``.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from . import SCHEMA_VERSION, beside, incremental, rollups, rows
from .contexts import segment_all
from .corpus import Corpus, iso_day, walk
from .errors import BuildFailed
from .ids import context_ids
from .incremental import Changes, event_version
from .models import Issue
from .shard import Chunk, ChunkResult, parse_chunk
from .tables import create_index, create_lookup_indexes, create_search_index, create_tables, meta_rows
from .target import check, copy, discard, replace, sync, temporary

MIN_CHUNK_FILES = 256  # a shard per chunk costs a few milliseconds
MAX_CHUNK_FILES = 4096  # bounds a worker's memory and the wait for the last chunk
CACHE_KIB = 32000  # the build connection's page cache


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
    incremental: bool = False  # only the days whose files changed were parsed
    parsed: int = 0  # files parsed
    full_because: str = ""  # why a previous file was not updated incrementally
    changes: Changes | None = None  # against the file replaced; None: there was none
    built_at: str = ""
    #: wall seconds of each phase, in the order run: where a big build spends its time
    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as the phase ``name`` (added to it if it runs again)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - started

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
    full: bool = False,
) -> BuildSummary:
    """Build ``corpus`` into ``target`` atomically; raise BuildFailed and leave target untouched.

    When ``target`` holds a database of this schema built from the same corpus directory, only
    the days whose files changed are parsed again, into a copy of it (``db.incremental``);
    ``full`` parses everything. Either way the new file records what changed against the old one.
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
        with _pool(workers) as run:
            survey = walk(corpus.resolve(), run)
            walked = {"walk": time.perf_counter() - started}
            summary = BuildSummary(files=survey.files, phases=dict(walked))
            updated = False
            if target.exists() and not full:
                try:
                    with summary.phase("incremental"):
                        _update(target, tmp, survey, run, workers, summary, progress)
                    updated = True
                except incremental.FullBuildNeeded as why:
                    summary = BuildSummary(files=survey.files, full_because=str(why), phases=dict(walked))
                    discard(tmp)
            if not updated:
                conn = _open_for_build(tmp)
                try:
                    _load(conn, run(parse_chunk, _chunks(survey, tmp, workers)), summary, progress)
                    _finish(conn, tmp, summary, survey.root, target)
                finally:
                    conn.close()
        if strict and summary.issues:
            raise BuildFailed(
                f"--strict: {len(summary.issues)} problem(s) in the corpus, first: {summary.issues[0].file}"
                f"{':' + str(summary.issues[0].line) if summary.issues[0].line else ''}: {summary.issues[0].reason}"
            )
        with summary.phase("replace"):
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


def _open_for_build(tmp: Path, *, new: bool = True) -> sqlite3.Connection:
    if new:
        discard(tmp)  # with any WAL of a process that had our pid: SQLite would recover it into the new file
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.executescript(
        # a small page cache and sorts that spill to temporary files keep memory flat as the corpus grows;
        # measured: not slower than 200 MB and sorts in memory (the OS caches the spilled files anyway)
        f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-{CACHE_KIB}; PRAGMA page_size=4096;"
    )
    if new:
        create_tables(sqlite_utils.Database(conn))
    return conn


def _update(target: Path, tmp: Path, survey: Corpus, run: Mapper, workers: int, summary: BuildSummary,
            progress: Callable[[int, int], None] | None) -> None:
    """Redo only the changed days, in a copy of ``target``; raise FullBuildNeeded if it cannot be."""
    try:
        old = sqlite3.connect(f"file:{quote(str(target))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise incremental.FullBuildNeeded(f"cannot read the previous file: {exc}") from None
    try:
        incremental.usable(old, survey.root)
    except sqlite3.Error as exc:
        old.close()
        raise incremental.FullBuildNeeded(f"cannot read the previous file: {exc}") from None
    except incremental.FullBuildNeeded:
        old.close()
        raise
    # The old file is never written: a copy is, renamed over it when complete. The kernel copies
    # while the corpus is compared and the changed days parsed (shards of their own), in processes.
    with ThreadPoolExecutor(1) as background:
        copied = background.submit(copy, target, tmp)
        present = {iso_day(day) for day, _ in survey.days}  # the days the corpus has now
        try:
            plan = incremental.plan(survey, old, target, run)
            plan.days |= incremental.listed_days(old, plan.days) & present
        except sqlite3.Error as exc:
            raise incremental.FullBuildNeeded(f"cannot read the previous file: {exc}") from None
        finally:
            old.close()
        results = list(run(parse_chunk, _chunks(_subset(survey, plan.days, plan.undated), tmp, workers)))
        listed = incremental.days_of(row[2] for result in results for row in result.elsewhere)
        more = (listed & present) - plan.days  # days whose categories a changed page gives
        if more:
            plan.days |= more
            results += list(run(parse_chunk, _chunks(_subset(survey, more, False), tmp, workers, first=len(results))))
        copied.result()
        # the copy's pages go to disk while the changes are applied, not all at the final fsync
        background.submit(sync, tmp)
        conn = _open_for_build(tmp, new=False)
        try:
            summary.parsed = sum(result.files for result in results)
            if progress:
                progress(summary.parsed, summary.files)
            summary.changes = incremental.apply(conn, plan, results)
            create_lookup_indexes(sqlite_utils.Database(conn))
            summary.incremental = True
            summary.fingerprint = incremental.fingerprint(conn)
            summary.issues = [Issue(file, line, reason, severity == "skipped") for file, line, severity, reason
                              in conn.execute("SELECT file, line, severity, reason FROM build_errors ORDER BY id")]
            _describe(conn, summary, survey.root, analyze=False)
            _record(conn, summary)
        finally:
            conn.close()


def _subset(survey: Corpus, days: set[str], undated: bool) -> Corpus:
    """The part of ``survey`` that holds ``days`` (ISO dates) and, if ``undated``, the files outside days."""
    kept = [(day, folders) for day, folders in survey.days if iso_day(day) in days]
    return Corpus(survey.root, kept, survey.undated if undated else [], survey.files)


def _chunks(survey: Corpus, tmp: Path, workers: int, first: int = 0) -> Iterator[Chunk]:
    """Runs of whole days, small enough that both cores stay busy until the last one."""
    size = max(MIN_CHUNK_FILES, min(MAX_CHUNK_FILES, survey.files // (workers * 8) + 1))
    for number, run in enumerate(survey.chunks(size), start=first):
        yield Chunk(str(survey.root), str(tmp.with_name(f"{tmp.name[:-4]}.shard{number}.tmp")), run)


#: ``map`` over worker processes: the results in the order of the tasks.
Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]


@contextmanager
def _pool(workers: int) -> Iterator[Mapper]:
    """A ``map`` over ``workers`` processes (or in this one, for one), results in task order."""
    if workers <= 1:
        yield map
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers) as pool:
        yield pool.imap


def _load(
    conn: sqlite3.Connection,
    results: Iterator[ChunkResult],
    summary: BuildSummary,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Copy each shard's events into the database as it arrives, in corpus order, then their links."""
    days: list[tuple[str | None, str]] = []  # each day's digest, in corpus order
    elsewhere: list[tuple[str, int, str, str]] = []  # day pages listing events of other days (rare)
    texts: Counter[str] = Counter()  # links per raw context list
    names: Counter[str] = Counter()  # events per story name: evidence for splitting the lists
    shards: list[str] = []  # links are copied last, once every event they may point at is in
    with summary.phase("parse and copy events"):
        for result in results:
            shards.append(result.shard)
            rows.merge_events(conn, result.shard)
            days.extend(result.days)
            summary.issues.extend(result.issues)
            elsewhere.extend(result.elsewhere)
            texts.update(result.texts)
            names.update(result.names)
            if progress:
                progress(result.files, summary.files)
    with summary.phase("copy links"):
        create_index(sqlite_utils.Database(conn), "events", ["path"], unique=True)  # the linking lookups need it
        for shard in shards:
            rows.merge_related(conn, shard)
    with summary.phase("split contexts"):
        _contexts(conn, summary, texts, names, elsewhere, days)


def _contexts(conn: sqlite3.Connection, summary: BuildSummary, texts: Counter[str], names: Counter[str],
              elsewhere: list[tuple[str, int, str, str]], days: list[tuple[str | None, str]]) -> None:
    """Split the context lists with the whole corpus as evidence; store the lists, stories, listings, days."""
    conn.execute("BEGIN")
    segmented = segment_all(texts, names)
    rows.insert_contexts(conn, segmented, context_ids(name for parts in segmented.values() for name in parts))
    conn.executemany("INSERT INTO build_lists (text, links, names) VALUES (?, ?, ?)",
                     ((text, links, rows.list_names(segmented.get(text, ()))) for text, links in texts.items()))
    conn.executemany("INSERT INTO build_stories (name, events) VALUES (?, ?)", names.items())
    conn.executemany("INSERT INTO build_elsewhere (day, place, path, category) VALUES (?, ?, ?, ?)", elsewhere)
    conn.execute(rows.ELSEWHERE_CATEGORIES.format(where="1"))
    rows.insert_issues(conn, summary.issues)
    conn.executemany("INSERT INTO build_days (day, digest) VALUES (?, ?)", days)  # in it: not a commit a day
    conn.execute("COMMIT")
    summary.fingerprint = incremental.fingerprint(conn)


def _finish(conn: sqlite3.Connection, tmp: Path, summary: BuildSummary, root: Path, target: Path) -> None:
    """Derive each event's contexts and counts, index, search, describe, compact (links are resolved already)."""
    with summary.phase("event contexts"):
        conn.execute("BEGIN")
        conn.execute(rows.EVENT_CONTEXTS.format(where="1"))
        conn.execute(  # one grouped pass: a correlated count per context would scan the links each time
            "UPDATE contexts SET event_count = n.count FROM (SELECT context_id, count(*) AS count"
            " FROM event_contexts GROUP BY context_id) AS n WHERE n.context_id = contexts.id"
        )
        conn.execute("UPDATE contexts SET event_count = 0 WHERE event_count IS NULL")
        conn.execute(rows.DAYS.format(where="1"))
    with summary.phase("context names"):
        conn.execute(rows.CONTEXT_NAMES.format(where="1"))
        conn.execute("COMMIT")
    db = sqlite_utils.Database(conn)
    # both cores: the facets and rollups counted by a second connection, the indexes built by this one
    with summary.phase("indexes, full-text index | facet counts, rollups"), \
            beside.counting(conn, tmp, CACHE_KIB) as counting:
        create_lookup_indexes(db, among=rollups.INDEXES)
        counting.indexed()
        create_lookup_indexes(db)
        create_search_index(db)
    summary.parsed = summary.files
    with summary.phase("compare"):
        summary.changes = _compare_with(conn, target)
    with summary.phase("analyze"):
        _describe(conn, summary, root, analyze=True)
    with summary.phase("record"):
        _record(conn, summary)


def _describe(conn: sqlite3.Connection, summary: BuildSummary, root: Path, *, analyze: bool) -> None:
    """Count what the file holds into ``summary`` and ``meta``; ``analyze``: gather the planner's statistics."""
    counts = {
        name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        for name in ("events", "sources", "contexts", "related")
    }
    summary.events, summary.sources = counts["events"], counts["sources"]
    summary.contexts, summary.edges = counts["contexts"], counts["related"]
    summary.resolved = conn.execute("SELECT count(*) FROM related WHERE target_id IS NOT NULL").fetchone()[0]
    summary.skipped = sum(1 for issue in summary.issues if issue.fatal)
    summary.warnings = len(summary.issues) - summary.skipped
    summary.built_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    meta = {
        "schema_version": SCHEMA_VERSION,
        "built_at": summary.built_at,
        "corpus_fingerprint": summary.fingerprint,
        "corpus_root": str(root),
        "files": summary.files,
        "events": summary.events,
        "sources": summary.sources,
        "contexts": summary.contexts,
        "related": summary.edges,
        "related_resolved": summary.resolved,
        "skipped_files": summary.skipped,
        "warnings": summary.warnings,
    }
    conn.execute("BEGIN")
    conn.execute("DELETE FROM meta")
    conn.executemany("INSERT INTO meta (key, value) VALUES (:key, :value)", meta_rows(meta))
    conn.execute("COMMIT")
    if analyze:
        conn.execute("ANALYZE")


def _compare_with(conn: sqlite3.Connection, target: Path) -> Changes | None:
    """What this full build changed against the database at ``target`` (its history carried over);
    None when there is none to compare with (no file, or not one of this schema)."""
    if not target.exists():
        return None
    try:
        conn.execute("ATTACH DATABASE ? AS old", (str(target),))  # only read
    except sqlite3.Error:
        return None
    try:
        version = conn.execute("SELECT value FROM old.meta WHERE key = 'schema_version'").fetchone()
        if version is None or version[0] != str(SCHEMA_VERSION):
            return None
        conn.execute("BEGIN")
        conn.execute("INSERT INTO builds SELECT * FROM old.builds")
        conn.execute("INSERT INTO event_changes SELECT * FROM old.event_changes")
        conn.execute("COMMIT")
        for schema in ("main", "old"):
            conn.execute(f"CREATE TEMP TABLE {schema}_versions (path TEXT PRIMARY KEY, version TEXT) WITHOUT ROWID")
            conn.execute(f"INSERT INTO temp.{schema}_versions SELECT e.path, {event_version(schema)}"
                         f" FROM {schema}.events e")
        found = Changes(
            added=[p for (p,) in conn.execute("SELECT path FROM temp.main_versions WHERE path NOT IN"
                                              " (SELECT path FROM temp.old_versions) ORDER BY path")],
            changed=[p for (p,) in conn.execute(
                "SELECT n.path FROM temp.main_versions n JOIN temp.old_versions o ON o.path = n.path"
                " WHERE o.version IS NOT n.version ORDER BY n.path")],
            removed=[p for (p,) in conn.execute("SELECT path FROM temp.old_versions WHERE path NOT IN"
                                                " (SELECT path FROM temp.main_versions) ORDER BY path")],
        )
        conn.execute("DROP TABLE temp.main_versions")
        conn.execute("DROP TABLE temp.old_versions")
        return found
    except sqlite3.DatabaseError:  # not a newsgql file of this schema after all: a history starts here
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DELETE FROM builds")
        conn.execute("DELETE FROM event_changes")
        return None
    finally:
        conn.execute("DETACH DATABASE old")


def _record(conn: sqlite3.Connection, summary: BuildSummary) -> None:
    """Add this build to the history in the file: when, from what, and which events it added, changed, removed."""
    changes = summary.changes
    number = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM builds").fetchone()[0]
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO builds (id, built_at, fingerprint, kind, parsed_files, events, added, changed, removed)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (number, summary.built_at, summary.fingerprint, "incremental" if summary.incremental else "full",
         summary.parsed, summary.events, len(changes.added) if changes else summary.events,
         len(changes.changed) if changes else 0, len(changes.removed) if changes else 0),
    )
    if changes is not None:  # a first build lists nothing: every event is new
        listed = (("added", changes.added), ("changed", changes.changed), ("removed", changes.removed))
        conn.executemany("INSERT INTO event_changes (build_id, path, change) VALUES (?, ?, ?)",
                         ((number, path, kind) for kind, paths in listed for path in paths))
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=DELETE")
