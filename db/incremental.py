"""An incremental build: the previous database, copied, with only the days whose files changed redone.

The corpus is walked and every file's size and mtime compared with ``build_files`` (a file whose
mtime moved but whose size did not is read and its digest compared). A day is redone when a file
of it was added, removed or edited, and so is any day whose events a redone day page lists (or
listed): categories cross days. Redoing a day deletes its rows and inserts the new parse (ids are
the day's own, ``db.ids``, so no other row moves); then links from anywhere into a redone day are
resolved again, every raw context list is split again with the whole corpus as evidence (from
``build_lists`` and ``build_stories``, no other day is read), and only the links whose split
changed, the events that own them and the contexts they touch are rewritten, with their search
index rows. The result holds what a full build of the same corpus holds (a test compares every
table); only the statistics of ``ANALYZE`` are the previous build's.

``plan`` decides, ``apply`` writes into the copy; ``db.build`` parses and puts the copy in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from urllib.parse import quote

from . import SCHEMA_VERSION, rollups, rows
from .contexts import segment_all
from .corpus import Corpus, CorpusFile, Day, iso_day, read_bytes
from .ids import context_ids, day_range
from .models import Issue
from .paths import PathError, split_path
from .shard import ChunkResult
from .tables import TABLES


class FullBuildNeeded(Exception):
    """The previous database cannot be updated in place of a full build; the message says why."""


@dataclass
class Plan:
    """What an incremental build redoes: whole days (ISO dates), and the undated files if they changed."""

    days: set[str] = field(default_factory=set)
    undated: bool = False
    touched: list[tuple[int, str | None, int]] = field(default_factory=list)  # (mtime_ns, day, place): same bytes


def usable(conn: sqlite3.Connection, corpus: Path) -> None:
    """Raise FullBuildNeeded unless ``conn`` is a database of this schema built from ``corpus``."""
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise FullBuildNeeded(f"the previous file is not a newsgql database ({exc})") from None
    if meta.get("schema_version") != str(SCHEMA_VERSION):
        raise FullBuildNeeded(f"the previous file has schema version {meta.get('schema_version')!r}, not "
                              f"{SCHEMA_VERSION}")
    if meta.get("corpus_root") != str(corpus):
        raise FullBuildNeeded(f"the previous file was built from {meta.get('corpus_root')!r}, not {str(corpus)!r}")
    found = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = sorted(TABLES.keys() - found)
    if missing:
        raise FullBuildNeeded(f"the previous file predates the table {missing[0]}")


#: Runs of days compared by one worker each: enough that both cores stay busy to the end.
PLAN_TASKS = 16


@dataclass(frozen=True)
class Comparison:
    """One worker's part of ``plan``: a run of days of the corpus, and the previous file to compare with."""

    root: str
    database: str
    days: list[tuple[Day, list[tuple[str, str]]]]
    undated: list[CorpusFile]


def plan(survey: Corpus, conn: sqlite3.Connection, database: Path,
         run: Callable[[Callable[[Comparison], Plan], Iterable[Comparison]], Iterable[Plan]] = map) -> Plan:
    """Compare every file of ``survey`` with the previous build's record of it (``conn``, the file
    ``database``), runs of days side by side (``run``: a map over worker processes)."""
    found = Plan()
    size = -(-len(survey.days) // PLAN_TASKS) or 1
    tasks = [Comparison(str(survey.root), str(database), survey.days[start:start + size], [])
             for start in range(0, len(survey.days), size)]
    tasks.append(Comparison(str(survey.root), str(database), [], survey.undated))
    for part in run(compare, tasks):
        found.days |= part.days
        found.undated |= part.undated
        found.touched += part.touched
    listed = {iso_day(day) for day, _ in survey.days}
    found.days |= {day for (day,) in conn.execute("SELECT DISTINCT day FROM build_files WHERE day IS NOT NULL")
                   if day not in listed}  # days with no file left
    return found


def compare(task: Comparison) -> Plan:
    """The changed days of one run of days (or the undated files), as ``plan`` gathers them."""
    found = Plan()
    conn = sqlite3.connect(f"file:{quote(task.database)}?mode=ro", uri=True)
    try:
        if task.days:
            first, last = iso_day(task.days[0][0]), iso_day(task.days[-1][0])
            records = conn.execute("SELECT day, file, size, mtime_ns, digest FROM build_files"
                                   " WHERE day >= ? AND day <= ? ORDER BY day, place", (first, last))
        else:
            records = conn.execute("SELECT day, file, size, mtime_ns, digest FROM build_files"
                                   " WHERE day IS NULL ORDER BY place")
        recorded = {day: [row[1:] for row in group] for day, group in groupby(records, key=lambda row: row[0])}
    finally:
        conn.close()
    for day, folders in task.days:
        date = iso_day(day)
        if not _same(task.root, _found_in(folders), recorded.get(date, []), date, found.touched):
            found.days.add(date)
    if task.undated or (not task.days and recorded):
        now = {item.relative: _stat(f"{task.root}/{item.relative}") for item in task.undated}
        found.undated = not _same(task.root, now, recorded.get(None, []), None, found.touched)
    return found


Seen = tuple[int, int, bool]  # size, mtime in ns, whether a regular file


def _found_in(folders: list[tuple[str, str]]) -> dict[str, Seen | None]:
    """Each file of a day's folders (by path from the root) as seen now: the names and stats a build
    records, with no list sorted and no record made (a build makes them for the days it parses)."""
    found: dict[str, Seen | None] = {}
    for directory, prefix in folders:
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    if not entry.is_dir(follow_symlinks=False):
                        found[prefix + entry.name] = _seen(entry.stat(follow_symlinks=False))
        except OSError:
            found[prefix] = None  # a folder gone or unreadable: the day is redone, and says so
    return found


def _stat(path: str) -> Seen | None:
    try:
        return _seen(os.stat(path, follow_symlinks=False))
    except (OSError, ValueError):
        return None


def _seen(found: os.stat_result) -> Seen:
    return found.st_size, found.st_mtime_ns, stat.S_ISREG(found.st_mode)


def _same(root: str, now: dict[str, Seen | None], old: list[tuple[str, int, int, str]], day: str | None,
          touched: list[tuple[int, str | None, int]]) -> bool:
    """Whether a day's files are the ones recorded: the same names, sizes and contents (the order of
    a day's files follows from their names)."""
    if len(now) != len(old):
        return False
    candidates = []
    for place, (file, size, mtime, digest) in enumerate(old, start=1):
        seen = now.get(file)
        if seen is None or seen[0] != size:
            return False
        if seen[1] != mtime:
            if not seen[2]:  # not a regular file: its bytes cannot be compared
                return False
            candidates.append((file, digest, seen[1], place))
    for file, digest, moved, place in candidates:  # touched, same size: the bytes decide
        try:
            if hashlib.sha256(read_bytes(root, CorpusFile(file))).hexdigest() != digest:
                return False
        except OSError:
            return False
        touched.append((moved, day, place))
    return True


def listed_days(conn: sqlite3.Connection, days: Iterable[str]) -> set[str]:
    """The days of the events that the day pages of ``days`` list as other days' (in the previous build)."""
    found: set[str] = set()
    for day in days:
        found |= days_of(path for (path,) in conn.execute("SELECT path FROM build_elsewhere WHERE day = ?", (day,)))
    return found


def days_of(paths: Iterable[str]) -> set[str]:
    found = set()
    for path in paths:
        try:
            found.add(split_path(path)[0].isoformat())
        except PathError:
            continue
    return found


@dataclass
class Changes:
    """What a build changed against the file it replaced, for the history: event paths added, changed, removed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def apply(conn: sqlite3.Connection, plan: Plan, results: list[ChunkResult]) -> Changes:
    """Redo the days of ``plan`` in ``conn`` (the copy) from the parsed shards ``results``; remove them."""
    # the copy is a temporary file, renamed into place only when complete: transactions here are for speed
    conn.execute("BEGIN")
    conn.execute("CREATE TEMP TABLE redo_days (day TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO temp.redo_days VALUES (?)", ((day,) for day in sorted(plan.days)))
    # the previous rows of those days: what they were (for the history), their links and contexts
    conn.execute("CREATE TEMP TABLE old_events (id INTEGER PRIMARY KEY, path TEXT, version TEXT)")
    conn.execute(f"INSERT INTO temp.old_events SELECT e.id, e.path, {event_version()} FROM events e"
                 " WHERE e.date IN (SELECT day FROM temp.redo_days)")
    conn.execute("CREATE TEMP TABLE touched_contexts (id INTEGER PRIMARY KEY)")
    conn.execute("INSERT OR IGNORE INTO temp.touched_contexts SELECT context_id FROM event_contexts"
                 " WHERE event_id IN (SELECT id FROM temp.old_events)")
    _unindex(conn, "SELECT id FROM temp.old_events")
    rows.add_facet_counts(conn, "SELECT id FROM temp.old_events", -1)
    rollups.add(conn, "SELECT id FROM temp.old_events", -1)
    _count(conn, "build_lists", "SELECT context_text, -count(*) FROM related"
           " WHERE event_id IN (SELECT id FROM temp.old_events) GROUP BY context_text")
    _count(conn, "build_stories", "SELECT story, -count(*) FROM events"
           " WHERE id IN (SELECT id FROM temp.old_events) AND story IS NOT NULL AND story != '' GROUP BY story")
    old_links = "SELECT id FROM related WHERE event_id IN (SELECT id FROM temp.old_events)"
    conn.execute(f"DELETE FROM related_contexts WHERE related_id IN ({old_links})")
    for table in ("event_contexts", "sources", "related"):
        conn.execute(f"DELETE FROM {table} WHERE event_id IN (SELECT id FROM temp.old_events)")
    conn.execute("DELETE FROM events WHERE id IN (SELECT id FROM temp.old_events)")
    redone = "day IN (SELECT day FROM temp.redo_days)" + (" OR day IS NULL" if plan.undated else "")
    conn.execute(f"DELETE FROM build_errors WHERE file IN (SELECT file FROM build_files WHERE {redone})")
    conn.execute(f"DELETE FROM build_files WHERE {redone}")
    conn.execute("DELETE FROM build_elsewhere WHERE day IN (SELECT day FROM temp.redo_days)")
    conn.execute(f"DELETE FROM build_days WHERE {redone}")
    conn.execute("DELETE FROM days WHERE date IN (SELECT day FROM temp.redo_days)")
    conn.execute("COMMIT")

    # the new rows of those days
    issues: list[Issue] = []
    texts: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for result in results:
        rows.merge_events(conn, result.shard)
        issues.extend(result.issues)
        texts.update(result.texts)
        names.update(result.names)
    for result in results:
        rows.merge_related(conn, result.shard)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO build_elsewhere (day, place, path, category) VALUES (?, ?, ?, ?)",
                     (row for result in results for row in result.elsewhere))
    conn.executemany("INSERT INTO build_days (day, digest) VALUES (?, ?)",
                     (row for result in results for row in result.days))
    rows.insert_issues(conn, issues)
    _count(conn, "build_lists", "SELECT value ->> 0, value ->> 1 FROM json_each(?)",
           (json.dumps(list(texts.items())),))
    _count(conn, "build_stories", "SELECT value ->> 0, value ->> 1 FROM json_each(?)",
           (json.dumps(list(names.items())),))
    conn.execute("CREATE TEMP TABLE new_events (id INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO temp.new_events SELECT id FROM events WHERE date IN (SELECT day FROM temp.redo_days)")
    conn.execute(rows.ELSEWHERE_CATEGORIES.format(where="id IN (SELECT id FROM temp.new_events)"))
    rows.add_facet_counts(conn, "SELECT id FROM temp.new_events")
    conn.execute(rows.DAYS.format(where="date IN (SELECT day FROM temp.redo_days)"))
    _relink(conn, plan.days)
    _resplit(conn)
    rollups.reconcile(conn)
    conn.executemany("UPDATE build_files SET mtime_ns = ? WHERE day IS ? AND place = ?", plan.touched)
    applied = _compare(conn)
    conn.execute("COMMIT")
    for table in ("redo_days", "old_events", "touched_contexts", "new_events", "relisted", "owners"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return applied


def event_version(schema: str = "main") -> str:
    """What an event ``e`` of ``schema`` is, for the build history: its file's bytes and the category
    its day page gives it (a context list split otherwise, or a link that now resolves, is no change)."""
    return f"(SELECT digest FROM {schema}.build_files WHERE file = e.file) || ' ' || coalesce(e.category, '')"


def _compare(conn: sqlite3.Connection) -> Changes:
    applied = Changes()
    new = dict(conn.execute(f"SELECT e.path, {event_version()} FROM events e"
                            " WHERE e.id IN (SELECT id FROM temp.new_events)"))
    old = dict(conn.execute("SELECT path, version FROM temp.old_events"))
    applied.added = sorted(new.keys() - old.keys())
    applied.removed = sorted(old.keys() - new.keys())
    applied.changed = sorted(path for path in new.keys() & old.keys() if new[path] != old[path])
    return applied


def _unindex(conn: sqlite3.Connection, ids: str) -> None:
    """Take the events ``ids`` (a query) out of the search index, as it holds them now."""
    conn.execute("INSERT INTO events_fts (events_fts, rowid, title, body, context_names)"
                 f" SELECT 'delete', id, title, body, context_names FROM events WHERE id IN ({ids})")


def _index(conn: sqlite3.Connection, ids: str) -> None:
    conn.execute("INSERT INTO events_fts (rowid, title, body, context_names)"
                 f" SELECT id, title, body, context_names FROM events WHERE id IN ({ids})")


#: What ``_count`` keeps per table: (key, count); a new list's split (``names``) is made by ``_resplit``.
_COUNTED = {"build_lists": ("text", "links"), "build_stories": ("name", "events")}


def _count(conn: sqlite3.Connection, table: str, deltas: str, params: tuple[object, ...] = ()) -> None:
    """Add ``deltas`` (a query of (key, delta)) to the counts of ``table``; a count of 0 goes."""
    key, count = _COUNTED[table]
    columns, values = (f"{key}, {count}, names", "*, '[]'") if table == "build_lists" else (f"{key}, {count}", "*")
    conn.execute(f"INSERT INTO {table} ({columns}) SELECT {values} FROM ({deltas}) WHERE true"
                 f" ON CONFLICT ({key}) DO UPDATE SET {count} = {count} + excluded.{count}", params)
    conn.execute(f"DELETE FROM {table} WHERE {count} <= 0")


#: Point a link at the event now at its path, or at nothing; only links it changes are written.
_RELINK = ("UPDATE related SET target_id = (SELECT id FROM events WHERE path = related.target_path)"
           " WHERE {which} AND target_id IS NOT (SELECT id FROM events WHERE path = related.target_path)")


def _relink(conn: sqlite3.Connection, days: set[str]) -> None:
    """Point every link into a redone day at the event now there (or at nothing).

    Such a link pointed into the day's id block, or nowhere: both found through the index on
    ``target_id``, never by reading every link.
    """
    if not days:
        return
    for day in days:
        with suppress(ValueError):  # a folder named after an impossible date holds no events
            conn.execute(_RELINK.format(which="target_id >= ? AND target_id < ?"), day_range(day))
    prefixes = json.dumps(sorted("/news/" + day.replace("-", "/") + "/" for day in days))
    conn.execute(_RELINK.format(which="target_id IS NULL AND substr(target_path, 1, 17) IN"
                                      " (SELECT value FROM json_each(?))"), (prefixes,))


def _resplit(conn: sqlite3.Connection) -> None:
    """Split every raw list again with the whole corpus as evidence; rewrite what that changes."""
    texts = dict(conn.execute("SELECT text, names FROM build_lists"))
    segmented = segment_all(texts, (name for (name,) in conn.execute("SELECT name FROM build_stories")))
    resplit = {text: segmented.get(text, ()) for text, names in texts.items()
               if names != rows.list_names(segmented.get(text, ()))}
    ids = context_ids(name for parts in segmented.values() for name in parts)
    for context_id, name in conn.execute("SELECT id, name FROM contexts"):
        if name in ids and ids[name] != context_id:
            raise FullBuildNeeded(f"the context {name!r} takes another id in this corpus (a hash collision)")
    conn.executemany("UPDATE build_lists SET names = ? WHERE text = ?",
                     ((rows.list_names(parts), text) for text, parts in resplit.items()))
    # links to (re)list: the new days' links, and every link whose list splits otherwise now
    conn.execute("CREATE TEMP TABLE relisted (id INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO temp.relisted SELECT id FROM related WHERE event_id IN (SELECT id FROM temp.new_events)")
    if resplit:
        conn.execute("INSERT OR IGNORE INTO temp.relisted SELECT id FROM related"
                     " WHERE context_text IN (SELECT value FROM json_each(?))", (json.dumps(list(resplit)),))
    conn.execute("CREATE TEMP TABLE owners (id INTEGER PRIMARY KEY)")  # events whose contexts are made anew
    conn.execute("INSERT OR IGNORE INTO temp.owners SELECT event_id FROM related WHERE id IN (SELECT id FROM"
                 " temp.relisted) UNION SELECT id FROM temp.new_events")
    old_owners = "SELECT id FROM temp.owners WHERE id NOT IN (SELECT id FROM temp.new_events)"
    _unindex(conn, old_owners)
    rollups.add(conn, old_owners, -1)  # their contexts as they were; added back as they are below
    conn.execute("INSERT OR IGNORE INTO temp.touched_contexts SELECT context_id FROM event_contexts"
                 " WHERE event_id IN (SELECT id FROM temp.owners)")
    conn.execute("DELETE FROM related_contexts WHERE related_id IN (SELECT id FROM temp.relisted)")
    conn.execute("DELETE FROM event_contexts WHERE event_id IN (SELECT id FROM temp.owners)")
    relisted_texts = {text for (text,) in conn.execute(
        "SELECT DISTINCT context_text FROM related WHERE id IN (SELECT id FROM temp.relisted)")}
    needed = {text: segmented[text] for text in relisted_texts if text in segmented}
    rows.insert_contexts(conn, needed, ids, links="(SELECT * FROM related WHERE id IN (SELECT id FROM temp.relisted))")
    conn.execute(rows.EVENT_CONTEXTS.format(where="r.event_id IN (SELECT id FROM temp.owners)"))
    conn.execute("INSERT OR IGNORE INTO temp.touched_contexts SELECT context_id FROM event_contexts"
                 " WHERE event_id IN (SELECT id FROM temp.owners)")
    kept = {name for parts in segmented.values() for name in parts}
    gone = [(context_id,) for context_id, name in conn.execute("SELECT id, name FROM contexts") if name not in kept]
    conn.executemany("DELETE FROM contexts WHERE id = ?", gone)
    conn.execute("UPDATE contexts SET event_count = (SELECT count(*) FROM event_contexts"
                 " WHERE context_id = contexts.id) WHERE id IN (SELECT id FROM temp.touched_contexts)")
    conn.execute(rows.CONTEXT_NAMES.format(where="id IN (SELECT id FROM temp.owners)"))
    _index(conn, "SELECT id FROM temp.owners")
    rollups.add(conn, "SELECT id FROM temp.owners")


def fingerprint(conn: sqlite3.Connection) -> str:
    """The corpus fingerprint: a digest of each day's digest (``build_days``) in build order, so that
    a build that redoes a few days does not read every file's record again."""
    digest = hashlib.sha256()
    for where in ("day IS NOT NULL ORDER BY day", "day IS NULL"):
        for day, found in conn.execute(f"SELECT day, digest FROM build_days WHERE {where}"):
            digest.update(f"{day or ''}\0{found}\n".encode())
    return digest.hexdigest()


__all__ = ["Changes", "Comparison", "FullBuildNeeded", "Plan", "apply", "compare", "days_of", "event_version",
           "fingerprint", "listed_days", "plan", "usable"]
