"""The statement's CTEs: the sets of rows each level reads, and each level of events' JSON.

Each level of related events is its own CTE, so the SQL nests no deeper for ten hops than for
one (SQLite's parser has a fixed stack), and each level is computed once.
"""

from __future__ import annotations


class Ctes:
    """CTEs in the order they must be written: row sets first, then levels deepest first."""

    def __init__(self) -> None:
        self.sets: list[str] = []
        self.levels: list[str] = []

    def rows(self, columns: str, sql: str) -> str:
        """A materialized CTE ``(columns)`` of the rows of ``sql``; returns its name."""
        name = f"i{len(self.sets) + 1}"
        self.sets.append(f"{name}({columns}) AS MATERIALIZED ({sql})")
        return name

    def ids(self, sql: str) -> str:
        """A CTE of the event ids some level needs; returns its name."""
        return self.rows("id", sql)

    def level(self, ids: str, value: str) -> str:
        """A CTE ``(id, v)``: the JSON ``value`` of each event ``e`` whose id is in ``ids``."""
        name = f"j{ids[1:]}_{len(self.levels) + 1}"
        self.levels.append(f"{name}(id, v) AS MATERIALIZED (SELECT e.id, {value} FROM events e"
                           f" WHERE e.id IN (SELECT id FROM {ids}))")
        return name

    def with_clause(self) -> str:
        ctes = self.sets + self.levels
        return f"WITH {', '.join(ctes)} " if ctes else ""
