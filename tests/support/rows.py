"""Small readers of query results for tests."""

from __future__ import annotations

import functools
import sqlite3


def ids(conn: sqlite3.Connection, query: str, params: tuple[object, ...] = ()) -> list[int]:
    """The first column of every row of ``query``."""
    return [row[0] for row in conn.execute(query, params)]


@functools.cache
def sample_paths() -> tuple[str, ...]:
    """The bundled sample's event paths in id order (ids follow paths), read off the corpus itself."""
    from db.sample import SAMPLE_DIR

    return tuple(sorted(f"/{file.relative_to(SAMPLE_DIR).as_posix()}" for file in SAMPLE_DIR.glob("news/*/*/*/*.md")
                        if file.name != "index.md"))


def sample_cursor(place: int) -> str:
    """The keyset cursor of the sample's event at ``place`` (1, 2, ...) in date order (its path, as the
    API spells cursors)."""
    from gql import cursors

    return cursors.encode("e", sample_paths()[place - 1])
