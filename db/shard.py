"""One chunk of the corpus -> one temporary SQLite file (a shard), written by a worker process.

Parsing is the slow part of a build and SQLite allows one writer per file, so each worker parses
a run of whole days and bulk-inserts the rows into its own shard; the builder then copies shards
into the database in corpus order with ``INSERT ... SELECT`` (``db.build``). Rows take their
final ids here, in their day's block (``db.ids``), and each file found is recorded (size, mtime,
digest) for the next build to compare. Only small things travel back between processes: issues,
each day's digest, the chunk's distinct context lists and story names with their counts, and the
rare categories a day page gives other days.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import CorpusFile, read_bytes
from .ids import day_block
from .models import DayPage, Event, Issue, ParsedFile
from .parse import parse_file
from .tables import TABLES

BATCH = 2000

#: The database's own columns (``db.tables``) but those known only once every shard is in.
COLUMNS = {
    "events": [c for c in TABLES["events"] if c != "context_names"],
    "sources": list(TABLES["sources"]),
    "related": [c for c in TABLES["related"] if c != "target_id"],
    "build_files": list(TABLES["build_files"]),
}
SCHEMA = "".join(
    f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {', '.join(c for c in columns if c != 'id')});"
    for table, columns in COLUMNS.items() if "id" in columns
) + f"CREATE TABLE build_files ({', '.join(COLUMNS['build_files'])});"


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of whole days, in build order, and the shard file it is parsed into."""

    root: str
    shard: str
    files: list[CorpusFile]


@dataclass(slots=True)
class ChunkResult:
    """What a worker sends back besides the shard: everything the merge needs, in file order."""

    shard: str
    files: int = 0
    events: int = 0
    sources: int = 0
    related: int = 0
    #: (day or None, the sha256 of its files' ``f"{file}\0{digest}\n"`` lines): the corpus fingerprint's parts
    days: list[tuple[str | None, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: (day, place in its page, event path, category) of the events of other days a day page lists
    elsewhere: list[tuple[str, int, str, str]] = field(default_factory=list)
    texts: Counter[str] = field(default_factory=Counter)  # links per distinct raw context list
    names: Counter[str] = field(default_factory=Counter)  # events per story name of titles: names standing alone


def parse_chunk(chunk: Chunk) -> ChunkResult:
    """Parse every file of ``chunk`` into its shard; the shard is removed if this fails."""
    try:
        return _parse_chunk(chunk)
    except BaseException:
        Path(chunk.shard).unlink(missing_ok=True)
        raise


def _parse_chunk(chunk: Chunk) -> ChunkResult:
    result = ChunkResult(chunk.shard, files=len(chunk.files))
    lines: list[str] = []  # of the folder being read, for its digest
    writer = _Writer(chunk.shard)
    try:
        # Files come in (date, index.md first, slug) order: two files of one event are neighbours,
        # and a day's categories are known before its events.
        last_path, last_file = "", ""
        day, day_categories = "", dict[str, str]()  # the day being read and its page's categories
        place, folder_day = 0, None  # a file's place in its day folder (build order), for build_files
        for item in chunk.files:
            if item.day != folder_day and lines:
                result.days.append((folder_day, day_digest(lines)))
                lines = []
            place = place + 1 if item.day == folder_day else 1
            folder_day = item.day
            size, mtime = _stat(chunk.root, item)  # before the read: a file edited meanwhile looks changed
            parsed = _parse_one(chunk.root, item)
            lines.append(f"{parsed.file}\0{parsed.digest}\n")
            writer.files.append((parsed.file, item.day, place, size, mtime, parsed.digest))
            result.issues.extend(parsed.issues)
            record = parsed.record
            if isinstance(record, DayPage):
                if record.date != day:
                    day, day_categories = record.date, {}
                folder = "/news/" + record.date.replace("-", "/") + "/"
                for path, category in record.categories:
                    if path.startswith(folder):
                        day_categories.setdefault(path, category)
                    else:
                        result.elsewhere.append((record.date, len(result.elsewhere), path, category))
            elif isinstance(record, Event):
                if record.path == last_path:
                    reason = f"duplicate of {last_file} (same date and slug); skipped"
                    result.issues.append(Issue(parsed.file, None, reason, fatal=True))
                    continue
                if record.date != day:
                    day, day_categories = record.date, {}
                last_path, last_file = record.path, parsed.file
                writer.add(record, day_categories.get(record.path), result)
        writer.close()
    except BaseException:
        writer.conn.close()
        raise
    if lines:
        result.days.append((folder_day, day_digest(lines)))
    return result


def day_digest(lines: list[str]) -> str:
    """The digest of one day folder's files (or of the undated ones): a part of the corpus fingerprint."""
    return hashlib.sha256("".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def _stat(root: str, item: CorpusFile) -> tuple[int, int]:
    """(size, mtime in ns) of a file as found (a symlink's own), or (-1, -1) if it cannot be seen."""
    try:
        found = os.stat(f"{root}/{item.relative}", follow_symlinks=False)
    except (OSError, ValueError):
        return -1, -1
    return found.st_size, found.st_mtime_ns


def _parse_one(root: str, item: CorpusFile) -> ParsedFile:
    """Read and parse one file; every failure becomes an Issue, never an exception."""
    if item.skip_reason:
        return ParsedFile(item.relative, "", None, (Issue(item.relative, None, item.skip_reason, True),))
    try:
        data = read_bytes(root, item)
    except OSError as exc:
        reason = f"unreadable: {exc.strerror or exc}"
        return ParsedFile(item.relative, "", None, (Issue(item.relative, None, reason, True),))
    try:
        return parse_file(item.relative, data)
    except Exception as exc:  # noqa: BLE001 - a parser bug must cost one file, not the build
        digest = hashlib.sha256(data).hexdigest()
        reason = f"internal parser error ({type(exc).__name__}); file skipped"
        return ParsedFile(item.relative, digest, None, (Issue(item.relative, None, reason, True),))


class _Writer:
    """Rows of one shard, inserted in batches, with the ids every build gives them (``db.ids``)."""

    def __init__(self, shard: str) -> None:
        if os.path.exists(shard):
            os.unlink(shard)
        self.conn = sqlite3.connect(shard, isolation_level=None)
        self.conn.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
            "PRAGMA cache_size=-16000;" + SCHEMA
        )
        self.conn.execute("BEGIN")
        self.events: list[tuple[object, ...]] = []
        self.sources: list[tuple[object, ...]] = []
        self.related: list[tuple[object, ...]] = []
        self.files: list[tuple[object, ...]] = []
        self.day = ""
        self.ids = [0, 0, 0]  # the last event, source and link id given in ``day``

    def add(self, event: Event, category: str | None, result: ChunkResult) -> None:
        if event.date != self.day:  # a chunk holds whole days, so a day's block is this shard's alone
            self.day, block = event.date, day_block(event.date)
            self.ids = [block, block, block]
        result.events += 1
        self.ids[0] += 1
        event_id = self.ids[0]
        if event.story:
            result.names[event.story] += 1
        self.events.append((event_id, event.path, event.date, int(event.date[:4]), event.slug, event.title,
                            event.story, event.body, category, event.file, len(event.sources), len(event.related)))
        for source in event.sources:
            result.sources += 1
            self.ids[1] += 1
            self.sources.append((self.ids[1], event_id, source.position, source.name, source.url, source.domain))
        for link in event.related:
            result.related += 1
            self.ids[2] += 1
            result.texts[link.context_text] += 1
            self.related.append((self.ids[2], event_id, link.position, link.target_path, link.title,
                                 link.context_text))
        if len(self.events) >= BATCH:
            self.flush()

    def flush(self) -> None:
        batches = (("events", self.events), ("sources", self.sources), ("related", self.related),
                   ("build_files", self.files))
        for table, rows in batches:
            marks = ",".join("?" * len(COLUMNS[table]))  # rows are built in COLUMNS order (``add``)
            self.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            rows.clear()

    def close(self) -> None:
        self.flush()
        self.conn.execute("COMMIT")
        self.conn.close()
