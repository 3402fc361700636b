"""Counting beside (issue 15, item 5): the facet tables a second connection counts while the
build's own writes indexes are the rows counting in place gives, rowids included; a failure
while indexing neither hangs the build nor leaves the file in WAL mode."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from db import beside, rollups, rows
from db.build import build
from db.sample import SAMPLE_DIR
from db.tables import create_lookup_indexes
from db.target import wal_files

SMALL = 4  # some of the sample's contexts are scopes


def _emptied(source: Path, path: Path) -> sqlite3.Connection:
    """A copy of a built file with its facet tables and lookup indexes gone, as the tail finds it."""
    shutil.copyfile(source, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    for table in beside.COUNTED:
        conn.execute(f"DELETE FROM {table}")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall():
        conn.execute(f"DROP INDEX [{name}]")
    return conn


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    rowid = "rowid, " if table == "facet_counts" else ""
    return conn.execute(f"SELECT {rowid}* FROM {table} ORDER BY 1, 2, 3").fetchall()


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(rollups, "MIN_CONTEXT_EVENTS", SMALL)
    build(SAMPLE_DIR, tmp_path / "sample.db", workers=1)
    return tmp_path / "sample.db"


def test_counted_beside_as_in_place(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "beside.db"
    conn = _emptied(built, path)
    with beside.counting(conn, path, 2000) as counting:
        create_lookup_indexes(sqlite_utils.Database(conn), among=rollups.INDEXES)
        counting.indexed()
        create_lookup_indexes(sqlite_utils.Database(conn))
    in_place = _emptied(built, tmp_path / "in-place.db")
    create_lookup_indexes(sqlite_utils.Database(in_place))
    rows.add_facet_counts(in_place, "SELECT id FROM events")
    rollups.reconcile(in_place)
    for table in beside.COUNTED:
        assert _rows(conn, table) == _rows(in_place, table), table
    assert _rows(conn, "facet_rollups")  # some scopes, so the rollups were counted
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "off"
    assert not any(file.exists() for file in wal_files(path))


def test_a_failure_while_indexing_stops_the_count(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "beside.db"
    conn = _emptied(built, path)
    with pytest.raises(RuntimeError, match="a disk went away"), beside.counting(conn, path, 2000):
        raise RuntimeError("a disk went away")  # before the indexes: the thread must not wait for them
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "off"
    assert not any(file.exists() for file in wal_files(path))
    assert _rows(conn, "facet_rollups") == []
