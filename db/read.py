"""The read-only side: one connection that cannot write, and every SQL statement the API runs.

The file is opened ``mode=ro&immutable=1`` (SQLite then takes no locks and never looks for a
journal). Every statement is bounded by a per-request deadline checked by SQLite's progress
handler. User text only ever reaches SQLite as a bound parameter.
"""

from __future__ import annotations

import contextvars
import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import SCHEMA_VERSION
from .errors import DatabaseError, NewsDbError
from .paths import PathError, canonical_path

Row = sqlite3.Row

#: Monotonic time after which statements are interrupted; set per request by the server.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("newsgql_deadline", default=None)

EVENT_COLUMNS = "e.id, e.path, e.date, e.title, e.story, e.body, e.category, e.source_count, e.related_count"


#: Search hits with their event, score and snippet, for one FTS5 expression (the first parameter).
_HITS = (f"SELECT {EVENT_COLUMNS}, f.rank AS rank, snippet(events_fts, -1, '<mark>', '</mark>', '…', 16) AS snippet"
         " FROM events_fts f JOIN events e ON e.id = f.rowid"
         " WHERE events_fts MATCH ? AND f.rank MATCH 'bm25(10.0, 1.0, 5.0)'")


class QueryTimeout(NewsDbError):
    """A statement ran past the request's deadline and was interrupted."""


class SearchSyntaxError(NewsDbError):
    """An FTS5 expression SQLite could not parse (only possible in advanced search)."""


#: Events named by any of a JSON array of context names (``{p}``); contexts stay the outer loop
#: (CROSS JOIN), so links are found by context through an index, never by walking every link.
_NAMED = ("SELECT ec.event_id FROM contexts c CROSS JOIN event_contexts ec ON ec.context_id = c.id"
          " WHERE c.name IN (SELECT value FROM json_each({p}))")
#: Each event filter as a condition on ``e`` with ``{p}`` where its value goes (context lists as a
#: JSON array): the resolvers' ``EventQuery`` and the compiled path (``gql.compiler``) both use these.
EVENT_FILTERS: dict[str, str] = {
    "date_from": "e.date >= {p}",
    "date_to": "e.date <= {p}",
    "category": "e.category = {p}",
    "contexts_any": f"e.id IN ({_NAMED})",
    "contexts_all": (f"e.id IN ({_NAMED} GROUP BY ec.event_id"
                     " HAVING count(*) = (SELECT count(DISTINCT value) FROM json_each({p})))"),
    "publisher": "e.id IN (SELECT s.event_id FROM sources s WHERE s.name = {p})",
    "domain": "e.id IN (SELECT s.event_id FROM sources s WHERE s.domain = {p})",
}


def domain_key(domain: str) -> str:
    """A domain as ``sources.domain`` stores it: lower case, no ``www.``."""
    return domain.lower().removeprefix("www.")


@dataclass(frozen=True)
class EventQuery:
    """Which events to list; every field narrows the set (AND), lists of contexts by any/all."""

    date_from: str | None = None
    date_to: str | None = None
    contexts_any: Sequence[str] = ()
    contexts_all: Sequence[str] = ()
    category: str | None = None
    publisher: str | None = None
    domain: str | None = None
    context_ids: Sequence[int] = field(default=())

    def where(self) -> tuple[str, list[object]]:
        """SQL condition on alias ``e`` and its parameters (never user text in the SQL)."""
        values: dict[str, object] = {
            "date_from": self.date_from or None,
            "date_to": self.date_to or None,
            "category": self.category,
            "contexts_any": _json_list(self.contexts_any) if self.contexts_any else None,
            "contexts_all": _json_list(self.contexts_all) if self.contexts_all else None,
            "publisher": self.publisher,
            "domain": domain_key(self.domain) if self.domain is not None else None,
        }
        clauses: list[str] = []
        params: list[object] = []
        for name, value in values.items():
            if value is not None:
                condition = EVENT_FILTERS[name]
                clauses.append(condition.format(p="?"))
                params.extend([value] * condition.count("{p}"))
        for context_id in self.context_ids:
            clauses.append("e.id IN (SELECT event_id FROM event_contexts WHERE context_id = ?)")
            params.append(context_id)
        return (" AND ".join(clauses) or "1"), params

    @property
    def empty(self) -> bool:
        return self.where()[0] == "1"


class Reader:
    """A read-only view of one database file; cheap to query, safe to share in one thread."""

    def __init__(self, path: Path | str, *, check_same_thread: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DatabaseError(f"database not found: {self.path}")
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1"
        try:
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=check_same_thread)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA query_only = ON")
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)  # no ATTACH: not even an empty file
            self.meta = {row["key"]: row["value"] for row in self.conn.execute("SELECT key, value FROM meta")}
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"not a newsgql database: {self.path} ({exc})") from exc
        if self.meta.get("schema_version") != str(SCHEMA_VERSION):
            raise DatabaseError(
                f"{self.path} has schema version {self.meta.get('schema_version')!r}; this newsgql reads "
                f"{SCHEMA_VERSION}. Rebuild it with `newsgql build`."
            )
        self.fingerprint = self.meta.get("corpus_fingerprint", "")
        self.conn.set_progress_handler(self._check_deadline, 2000)

    def close(self) -> None:
        self.conn.close()

    @staticmethod
    def _check_deadline() -> int:
        deadline = DEADLINE.get()
        return 1 if deadline is not None and time.monotonic() > deadline else 0

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Run one statement; a deadline overrun (before or during it) becomes QueryTimeout."""
        if self._check_deadline():
            raise QueryTimeout("the query ran past its time limit and was stopped")
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryTimeout("the query ran past its time limit and was stopped") from None
            raise

    # -- single lookups ---------------------------------------------------------------------

    def event_by_path(self, path: str) -> Row | None:
        """Any spelling of the path: padded or not, with or without ``/news/`` and ``.md``."""
        try:
            canonical = canonical_path(path)
        except PathError:
            return None
        found = self.rows(f"SELECT {EVENT_COLUMNS} FROM events e WHERE e.path = ?", (canonical,))
        return found[0] if found else None

    def context_by_name(self, name: str) -> Row | None:
        found = self.rows("SELECT id, name, event_count FROM contexts WHERE name = ?", (name,))
        return found[0] if found else None

    # -- batches for the DataLoaders: one statement per list of keys --------------------------

    def events_by_ids(self, ids: Sequence[int]) -> dict[int, Row]:
        rows = self.rows(
            f"SELECT {EVENT_COLUMNS} FROM events e WHERE e.id IN (SELECT value FROM json_each(?))",
            (_json_ids(ids),),
        )
        return {row["id"]: row for row in rows}

    def contexts_by_ids(self, ids: Sequence[int]) -> dict[int, Row]:
        rows = self.rows(
            "SELECT id, name, event_count FROM contexts WHERE id IN (SELECT value FROM json_each(?))",
            (_json_ids(ids),),
        )
        return {row["id"]: row for row in rows}

    def sources_for_events(self, ids: Sequence[int]) -> dict[int, list[Row]]:
        return _group(
            self.rows(
                "SELECT event_id, name, url, domain FROM sources"
                " WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY event_id, position",
                (_json_ids(ids),),
            ),
            "event_id",
        )

    def contexts_for_events(self, ids: Sequence[int]) -> dict[int, list[Row]]:
        return _group(
            self.rows(
                "SELECT ec.event_id, c.id, c.name, c.event_count FROM event_contexts ec"
                " JOIN contexts c ON c.id = ec.context_id"
                " WHERE ec.event_id IN (SELECT value FROM json_each(?)) ORDER BY ec.event_id, c.name",
                (_json_ids(ids),),
            ),
            "event_id",
        )

    def related_for_events(self, ids: Sequence[int]) -> dict[int, list[Row]]:
        return _group(
            self.rows(
                "SELECT id, event_id, position, target_path, target_id, title FROM related"
                " WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY event_id, position",
                (_json_ids(ids),),
            ),
            "event_id",
        )

    def contexts_for_related(self, ids: Sequence[int]) -> dict[int, list[Row]]:
        return _group(
            self.rows(
                "SELECT rc.related_id, c.id, c.name, c.event_count FROM related_contexts rc"
                " JOIN contexts c ON c.id = rc.context_id"
                " WHERE rc.related_id IN (SELECT value FROM json_each(?)) ORDER BY rc.related_id, rc.position",
                (_json_ids(ids),),
            ),
            "related_id",
        )

    # -- lists ---------------------------------------------------------------------------------

    def list_events(self, query: EventQuery, *, first: int, after_id: int | None, newest_first: bool) -> list[Row]:
        """Keyset page: ids follow (date, slug) order, so the primary key is the sort key."""
        where, params = query.where()
        if after_id is not None:
            where += " AND e.id < ?" if newest_first else " AND e.id > ?"
            params.append(after_id)
        order = "DESC" if newest_first else "ASC"
        return self.rows(
            f"SELECT {EVENT_COLUMNS} FROM events e WHERE {where} ORDER BY e.id {order} LIMIT ?",
            [*params, first],
        )

    def count_events(self, query: EventQuery) -> int:
        if query.empty:
            return int(self.meta.get("events", 0))
        where, params = query.where()
        return int(self.rows(f"SELECT count(*) FROM events e WHERE {where}", params)[0][0])

    def search(self, match: str, *, first: int, offset: int) -> list[Row]:
        """FTS5 ranked by bm25 (title weighted highest); ``match`` is an FTS5 expression."""
        return self._fts(f"{_HITS} ORDER BY f.rank, f.rowid LIMIT ? OFFSET ?", (match, first, offset))

    def search_by_date(self, match: str, *, first: int, after_id: int | None, newest_first: bool) -> list[Row]:
        """FTS5 hits in id (= date) order: the index is walked in rowid order and stops at ``first``,
        so a word found in half the archive costs what a rare one costs (ranking must score every hit).
        """
        compare, order = ("<", "DESC") if newest_first else (">", "ASC")
        keyset = f" AND f.rowid {compare} ?" if after_id is not None else ""
        return self._fts(f"{_HITS}{keyset} ORDER BY f.rowid {order} LIMIT ?",
                         (match, *(() if after_id is None else (after_id,)), first))

    def count_search(self, match: str) -> int:
        return int(self._fts("SELECT count(*) FROM events_fts WHERE events_fts MATCH ?", (match,))[0][0])

    def _fts(self, sql: str, params: Sequence[object]) -> list[Row]:
        try:
            return self.rows(sql, params)
        except sqlite3.OperationalError:
            raise SearchSyntaxError(
                'invalid search expression: use words, "phrases", AND, OR, NOT, NEAR(a b), prefix* '
                "and parentheses (SQLite FTS5 syntax)") from None

    def timeline(self, query: EventQuery, width: int) -> list[Row]:
        """Counts per bucket; ``width`` is 4 (year), 7 (month) or 10 (day) characters of the date.

        Unfiltered, from the per-day ``days`` table; filtered, the matching dates are gathered
        first (MATERIALIZED: the filter's own indexes find them), then counted per bucket. Grouped
        in one statement, SQLite may walk the whole date index to spare itself a sort.
        """
        if query.empty:
            return self.rows(
                f"SELECT substr(date, 1, {int(width)}) AS bucket, sum(event_count) AS count FROM days"
                " GROUP BY bucket ORDER BY bucket"
            )
        where, params = query.where()
        return self.rows(
            f"WITH matched AS MATERIALIZED (SELECT e.date AS date FROM events e WHERE {where})"
            f" SELECT substr(date, 1, {int(width)}) AS bucket, count(*) AS count FROM matched"
            " GROUP BY bucket ORDER BY bucket",
            params,
        )

    def days(self, date_from: str | None, date_to: str | None, *, first: int, newest_first: bool) -> list[Row]:
        order = "DESC" if newest_first else "ASC"
        return self.rows(
            "SELECT date, event_count AS count FROM days WHERE date >= ? AND date <= ?"
            f" ORDER BY date {order} LIMIT ?",
            (date_from or "0000", date_to or "9999", first),
        )

    def events_on(self, dates: Sequence[str]) -> dict[str, list[Row]]:
        rows = self.rows(
            f"SELECT {EVENT_COLUMNS} FROM events e WHERE e.date IN (SELECT value FROM json_each(?))"
            " ORDER BY e.date, e.category IS NULL, e.category, e.id",
            (_json_list(dates),),
        )
        return _group(rows, "date")

    def publishers(self, *, first: int, offset: int, domain: str | None) -> list[Row]:
        condition, params = ("WHERE domain = ?", [domain]) if domain else ("", [])
        return self.rows(
            "SELECT name, count(DISTINCT event_id) AS event_count, min(domain) AS domain FROM sources"
            f" {condition} GROUP BY name ORDER BY event_count DESC, name LIMIT ? OFFSET ?",
            [*params, first, offset],
        )

    def contexts(self, *, first: int, offset: int, prefix: str | None) -> list[Row]:
        if prefix:
            return self.rows(
                "SELECT id, name, event_count FROM contexts WHERE name >= ? AND name < ?"
                " ORDER BY event_count DESC, name LIMIT ? OFFSET ?",
                (prefix, prefix + "\U0010ffff", first, offset),
            )
        return self.rows(
            "SELECT id, name, event_count FROM contexts ORDER BY event_count DESC, name LIMIT ? OFFSET ?",
            (first, offset),
        )

    def co_contexts(self, context_id: int, first: int) -> list[Row]:
        return self.rows(
            "SELECT c.id, c.name, c.event_count, count(*) AS together FROM event_contexts a"
            " JOIN event_contexts b ON b.event_id = a.event_id AND b.context_id != a.context_id"
            " JOIN contexts c ON c.id = b.context_id WHERE a.context_id = ?"
            " GROUP BY c.id ORDER BY together DESC, c.name LIMIT ?",
            (context_id, first),
        )

    def related_graph(self, start_id: int, depth: int, limit: int) -> tuple[list[Row], list[Row]]:
        """Events within ``depth`` hops (breadth first, cycles cut by UNION) and the edges among them."""
        nodes = self.rows(
            "WITH RECURSIVE walk(id, depth) AS ("
            " SELECT ?, 0"
            " UNION"
            " SELECT r.target_id, w.depth + 1 FROM walk w JOIN related r ON r.event_id = w.id"
            "  WHERE w.depth < ? AND r.target_id IS NOT NULL"
            " ORDER BY 2 LIMIT ?)"
            f" SELECT {EVENT_COLUMNS}, min(w.depth) AS depth FROM walk w JOIN events e ON e.id = w.id"
            " GROUP BY w.id ORDER BY depth, w.id LIMIT ?",
            (start_id, depth, limit * 50, limit),
        )
        ids = [row["id"] for row in nodes]
        edges = self.rows(
            "SELECT r.id, r.event_id, r.target_id, r.position, r.title, r.target_path FROM related r"
            " WHERE r.event_id IN (SELECT value FROM json_each(?1))"
            " AND r.target_id IN (SELECT value FROM json_each(?1)) ORDER BY r.event_id, r.position",
            (_json_ids(ids),),
        )
        return nodes, edges

    def explain(self, sql: str, params: Sequence[object] = ()) -> list[str]:
        """EXPLAIN QUERY PLAN details, for tests and ``bench`` to prove no scans on the hot path."""
        return [row["detail"] for row in self.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def _json_ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _json_list(values: Iterable[str]) -> str:
    return json.dumps(list(values))


def _group(rows: list[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped
