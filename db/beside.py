"""The facet tables of a full build, counted on the second core while the first builds the
indexes and the full-text index (issue 15, item 5).

Counting the facets (``facet_counts``: ``rows.add_facet_counts``; ``facet_rollups``:
``rollups.reconcile``) only reads the events and writes a few thousand rows; indexing only adds
to the file. SQLite runs one statement per connection at a time but lets go of the GIL while it
runs, so a second connection in a thread has a core of its own. In rollback-journal mode a
reader would stop the writer, so the file is in WAL mode meanwhile: each of the reader's
transactions sees the file as it was when it began, the writer appends. The counts go into TEMP
tables of the same definitions, which shadow the file's (TEMP is searched first), and are copied
in once the writer is done: the same rows, in the same order, as counting in place.

The whole archive's facets are counted first, as the writer starts, before an index of its is
there to be used (a seek per event is slower than the grouped plan); the rollups once the indexes
they read through are built (``rollups.INDEXES``, ``Counting.indexed``). Each connection has half
the page cache the build has alone, so the two caches together are the one's size (measured: the
build's peak RSS ~20 MB higher, at 10^5 and at 10^6 alike).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

from . import rollups, rows

#: The tables counted beside, each copied in once the writer is done.
COUNTED = ("facet_counts", "facet_rollups")


class Counting:
    """The thread's side of ``counting``: ``indexed`` lets it count the rollups."""

    def __init__(self) -> None:
        self._indexed = threading.Event()
        self._stopped = False

    def indexed(self) -> None:
        """The indexes the rollups read through are built (and committed)."""
        self._indexed.set()

    def stop(self) -> None:
        """The build failed: count no rollups."""
        self._stopped = True
        self._indexed.set()

    def count(self, reader: sqlite3.Connection) -> None:
        """``facet_counts``, then ``facet_rollups`` once indexed, into TEMP tables of the same definitions."""
        for table in COUNTED:
            (sql,) = reader.execute("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?",
                                    (table,)).fetchone()
            reader.execute(sql.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
        reader.execute("BEGIN")
        rows.add_facet_counts(reader, "SELECT id FROM events")
        reader.execute("COMMIT")
        self._indexed.wait()
        if self._stopped:
            return
        # a statement at a time, each seeing the file as it starts: the writer's WAL is copied into
        # the file as it goes (by the automatic checkpoints), not all at the end; what is read does not change
        rollups.reconcile(reader)


@contextmanager
def counting(conn: sqlite3.Connection, path: Path, cache_kib: int) -> Iterator[Counting]:
    """Count the facet tables of the file ``path`` (which ``conn`` writes, with a page cache of
    ``cache_kib``) in a thread while the block runs, then copy them in. The block must not write
    ``COUNTED`` and must call ``Counting.indexed`` once the indexes of ``rollups.INDEXES`` are in."""
    half = f"PRAGMA cache_size=-{cache_kib // 2}"
    conn.executescript(f"PRAGMA journal_mode=WAL; {half};")
    counter = Counting()
    try:
        with closing(sqlite3.connect(path, isolation_level=None, check_same_thread=False)) as reader:
            reader.execute(half)
            with ThreadPoolExecutor(1) as thread:
                counted = thread.submit(counter.count, reader)
                try:
                    yield counter
                except BaseException:
                    counter.stop()  # the file is not finished: the thread has nothing more to do
                    raise
                counter.indexed()  # (already, as the block must) every index is in
                counted.result()
            reader.execute("BEGIN")
            for table in COUNTED:  # rowids as counting in place gives them
                reader.execute(f"INSERT INTO main.{table} SELECT * FROM temp.{table}"
                               + (" ORDER BY rowid" if _has_rowid(reader, table) else ""))
            reader.execute("COMMIT")
    finally:
        # back to the build's mode, the WAL written into the file and removed
        conn.executescript(f"PRAGMA journal_mode=OFF; PRAGMA cache_size=-{cache_kib};")


def _has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    (sql,) = conn.execute("SELECT sql FROM temp.sqlite_master WHERE name = ?", (table,)).fetchone()
    return "WITHOUT ROWID" not in str(sql).upper()
