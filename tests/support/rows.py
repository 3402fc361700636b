"""Small readers of query results for tests."""

from __future__ import annotations

import sqlite3


def ids(conn: sqlite3.Connection, query: str, params: tuple[object, ...] = ()) -> list[int]:
    """The first column of every row of ``query``."""
    return [row[0] for row in conn.execute(query, params)]
