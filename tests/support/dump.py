"""A canonical dump of a database: what two builds of one corpus must agree on, table by table.

Every row of every table, in column order, but for what says *when* or *how* a file was built:
``meta.built_at``, the history's time, kind and files parsed (``builds``), ``build_errors.id``
(the order errors were found in), and ``sqlite_stat1`` (the planner's statistics, gathered by full
builds only). The search index is compared by what it holds for each event, and checked whole by
FTS5 itself.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a canonical order (see the module's docstring)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'events_fts%' ORDER BY name")]
        out: dict[str, list[tuple[object, ...]]] = {}
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            if table == "build_errors":
                columns.remove("id")
            if table == "builds":
                columns = [c for c in columns if c not in ("built_at", "kind", "parsed_files")]
            where = "key != 'built_at'" if table == "meta" else "1"
            listed = ", ".join(columns)
            out[table] = conn.execute(f"SELECT {listed} FROM {table} WHERE {where} ORDER BY {listed}").fetchall()
        # the search index: what it holds for each event, and that it agrees with the events
        out["events_fts"] = conn.execute(
            "SELECT rowid, title, body, context_names FROM events_fts ORDER BY rowid").fetchall()
        return out
    finally:
        conn.close()


def assert_index_whole(db: Path) -> None:
    """FTS5's own check that the search index holds exactly the events' text (it writes nothing)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


def assert_same(left: Path, right: Path) -> None:
    one, two = dump(left), dump(right)
    assert one.keys() == two.keys()
    for table in one:
        assert one[table] == two[table], table
