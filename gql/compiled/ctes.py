"""The statement's CTEs: the sets of rows each level reads, and each level of events' JSON.

Each level of related events is its own CTE, so the SQL nests no deeper for ten hops than for
one (SQLite's parser has a fixed stack). The sets of ids are stored (MATERIALIZED): each is read
by the next set and by its level, and a page or a search must not run twice. A level of JSON is
not: its parent reads it one event at a time, by id, and SQLite pushes that id into it, an index
lookup, where a stored level cost a temporary table, its rows' JSON copied in, and a search in it
per parent (with the root event found by path unstored too, its SQL at 10^5: an event with its 10
related events 179 -> 140 µs, three levels deep 1,207 -> 1,108 µs).
"""

from __future__ import annotations


class Ctes:
    """CTEs in the order they must be written: row sets first, then levels deepest first."""

    def __init__(self) -> None:
        self.sets: list[str] = []
        self.levels: list[str] = []

    def rows(self, columns: str, sql: str, *, stored: bool = True) -> str:
        """A CTE ``(columns)`` of the rows of ``sql``, MATERIALIZED unless ``stored`` is False (for
        a set cheaper to find again at each use than to store); returns its name."""
        name = f"i{len(self.sets) + 1}"
        self.sets.append(f"{name}({columns}) AS {'' if stored else 'NOT '}MATERIALIZED ({sql})")
        return name

    def ids(self, sql: str, *, stored: bool = True) -> str:
        """A CTE of the event ids some level needs; returns its name."""
        return self.rows("id", sql, stored=stored)

    def level(self, ids: str, value: str) -> str:
        """A CTE ``(id, v)``: the JSON ``value`` of each event ``e`` whose id is in ``ids``."""
        name = f"j{ids[1:]}_{len(self.levels) + 1}"
        self.levels.append(f"{name}(id, v) AS NOT MATERIALIZED (SELECT e.id, {value} FROM events e"
                           f" WHERE e.id IN (SELECT id FROM {ids}))")
        return name

    def with_clause(self) -> str:
        ctes = self.sets + self.levels
        return f"WITH {', '.join(ctes)} " if ctes else ""
