"""The statement's CTEs: the sets of rows a root reads, and each level of events' JSON.

Each level of related events is its own CTE, so the SQL nests no deeper for ten hops than for
one (SQLite's parser has a fixed stack). A root's set of rows (a page, the hits of a search, the
events a facet counts) is stored (MATERIALIZED): it is read more than once and must not run
twice. A level of JSON is not: its parent reads it one event at a time, by id (a link's
``target_id``), and SQLite pushes that id into it, one index lookup. Stored, a level cost a
temporary table of its events' JSON and a search in it per parent, and the set of its ids had to
be gathered first. SQL at 10^5, each step in its own A/B run: an event with its 10 related events
179 -> 140 µs when levels stopped being stored, 115 -> 100 µs when their id sets went; three
levels deep 1,207 -> 1,108 µs, then 1,115 -> ~830 µs.
"""
from __future__ import annotations


class Ctes:
    """CTEs in the order they must be written: row sets first, then levels deepest first."""

    def __init__(self) -> None:
        self.sets: list[str] = []
        self.levels: list[str] = []

    def rows(self, columns: str, sql: str) -> str:
        """A stored (MATERIALIZED) CTE ``(columns)`` of the rows of ``sql``; returns its name."""
        name = f"i{len(self.sets) + 1}"
        self.sets.append(f"{name}({columns}) AS MATERIALIZED ({sql})")
        return name

    def ids(self, sql: str) -> str:
        """A stored CTE of the event ids some level needs; returns its name."""
        return self.rows("id", sql)

    def level(self, where: str | None, value: str) -> str:
        """A CTE ``(id, v)``: the JSON ``value`` of each event ``e`` that ``where`` holds for; of any
        event when ``where`` is None, for a parent that reads it by id (a link's ``target_id``)."""
        name = f"j{len(self.levels) + 1}"
        among = f" WHERE {where}" if where else ""
        self.levels.append(f"{name}(id, v) AS NOT MATERIALIZED (SELECT e.id, {value} FROM events e{among})")
        return name

    def with_clause(self) -> str:
        ctes = self.sets + self.levels
        return f"WITH {', '.join(ctes)} " if ctes else ""
