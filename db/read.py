"""The read-only side: one connection that cannot write, and the resolvers' statements.

The file is opened ``mode=ro&immutable=1`` (SQLite then takes no locks and never looks for a
journal). Every statement is bounded by a per-request deadline checked by SQLite's progress
handler. What a field means in SQL is declared once in ``db.sql`` and shared with the compiled
path; the statements only the resolvers run (days, publishers, lists of contexts, the related
graph) are written here. User text only ever reaches SQLite as a bound parameter.
"""

from __future__ import annotations

import contextvars
import json
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import SCHEMA_VERSION, facets, rollups, sql
from .errors import DatabaseError, PathError, QueryTimeout, SearchSyntaxError
from .filters import EVERY_EVENT, Criteria, domain_key
from .paths import canonical_path
from .sql import Keyset

Row = sqlite3.Row

#: Monotonic time after which statements are interrupted; set per request by the server.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("newsgql_deadline", default=None)
#: When a request asks what it cost: a list that gets one item per statement run for it.
STATEMENTS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("newsgql_statements", default=None)

EVENT_COLUMNS = sql.event_columns()



def _hits(where: str, ids: str) -> str:
    """Search hits with their event, rounded score and snippet, for one FTS5 expression (the first
    parameter), among the events holding ``where`` (its parameters next, ``ids``'s after them)."""
    return sql.search_hits(f"{EVENT_COLUMNS}, {sql.rounded_rank('f.rank')} AS rank, {sql.SNIPPET} AS snippet",
                           "?", with_events=True, where=where, ids=ids)


def _among(criteria: Criteria) -> tuple[str, str, list[object]]:
    """A search's narrowing by ``criteria``: its condition on events, the range of hits' rowids it
    gives, and the parameters of both in that order."""
    where, params = criteria.where()
    ids, bounds = criteria.id_range("f.rowid")
    return where, ids, [*params, *bounds]


#: One step of a related-graph walk from the events ``w`` (depth < ``?``), by direction: along links
#: (``related(event_id, position)``), against them (``related(target_id, ...)``), or both.
_ALONG = ("SELECT r.target_id, w.depth + 1 FROM walk w JOIN related r ON r.event_id = w.id"
          " WHERE w.depth < ?2 AND r.target_id IS NOT NULL")
_AGAINST = "SELECT r.event_id, w.depth + 1 FROM walk w JOIN related r ON r.target_id = w.id WHERE w.depth < ?2"
#: The events of one calendar day (``MM-DD``) in every year, newest first. The days stay the outer
#: loop (CROSS JOIN): walking events newest first until enough match would read years of them.
ON_THIS_DAY = ("SELECT {columns} FROM days d CROSS JOIN events e ON e.date = d.date"
               " WHERE substr(d.date, 6) = ? ORDER BY e.id DESC LIMIT ?")
SEARCH_SYNTAX = ('invalid search expression: use words, "phrases", AND, OR, NOT, NEAR(a b), prefix* '
                 "and parentheses (SQLite FTS5 syntax)")
GRAPH_STEPS = {"OUTGOING": _ALONG, "INCOMING": _AGAINST, "BOTH": f"{_ALONG} UNION {_AGAINST}"}

__all__ = ["DEADLINE", "EVENT_COLUMNS", "STATEMENTS", "Criteria", "FileIdentity", "Keyset", "QueryTimeout", "Reader",
           "Row", "SearchSyntaxError", "identity"]


class Reader:
    """A read-only view of one database file; cheap to query, safe to share in one thread."""

    def __init__(self, path: Path | str, *, check_same_thread: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DatabaseError(f"database not found: {self.path}")
        self.opened = identity(self.path)  # which file was opened, and in what state
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
        # the file never changes while open: what it is is read once (``archive``)
        first, last = self.conn.execute("SELECT min(date), max(date) FROM days").fetchone()
        self._archive = {**self.meta, "first_date": first, "last_date": last}
        # a file built before ``facet_counts`` existed counts the whole archive's facets as any set's
        tables = {name for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self._counted = "facet_counts" in tables
        # and one built before ``facet_rollups`` counts every set; the scopes it holds are few (~400 at 10^6)
        self._rolled = "facet_rollups" in tables
        self._scopes = rollups.scopes(self.conn) if self._rolled else set()
        self.conn.set_progress_handler(self._check_deadline, 2000)

    def close(self) -> None:
        self.conn.close()

    @staticmethod
    def _check_deadline() -> int:
        deadline = DEADLINE.get()
        return 1 if deadline is not None and time.monotonic() > deadline else 0

    def rows(self, statement: str, params: Sequence[object] | dict[str, object] = ()) -> list[Row]:
        """Run one statement; a deadline overrun (before or during it) becomes QueryTimeout."""
        if self._check_deadline():
            raise QueryTimeout
        counted = STATEMENTS.get()
        if counted is not None:
            counted.append(statement)
        try:
            return self.conn.execute(statement, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryTimeout from None
            raise

    # -- single lookups ---------------------------------------------------------------------

    def event_by_path(self, path: str) -> Row | None:
        """Any spelling of the path: padded or not, with or without ``/news/`` and ``.md``."""
        try:
            canonical = canonical_path(path)
        except PathError:
            return None
        found = self.rows(f"SELECT {EVENT_COLUMNS} FROM events e WHERE {sql.BY_PATH.format(p='?')}", (canonical,))
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
        return self.children(sql.SOURCES, ids)

    def contexts_for_events(self, ids: Sequence[int]) -> dict[int, list[Row]]:
        return self.children(sql.EVENT_CONTEXTS, ids)

    def related_for_events(self, ids: Sequence[int]) -> dict[int, list[Row]]:
        return self.children(sql.RELATED, ids)

    def contexts_for_related(self, ids: Sequence[int]) -> dict[int, list[Row]]:
        return self.children(sql.LINK_CONTEXTS, ids)

    def children(self, child: sql.ChildList, ids: Sequence[int]) -> dict[int, list[Row]]:
        """The rows of ``child`` for each parent id, in order: one statement for the whole batch."""
        return _group(self.rows(child.batched(), (_json_ids(ids),)), "parent")

    # -- lists ---------------------------------------------------------------------------------

    def list_events(self, criteria: Criteria, *, first: int, after: str | None, order: Keyset,
                    before: str | None = None) -> list[Row]:
        """A keyset page after the event path ``after`` (and before ``before``) in ``order``: ids follow
        path order, so the primary key is the sort key. Read in ``order.reversed`` for a page before a place."""
        where, params = criteria.where()
        until, bound = ("?", [before]) if before is not None else (None, [])
        return self.rows(sql.event_page(EVENT_COLUMNS, where, order, "?", "?", until), [after, *bound, *params, first])

    def events_through(self, criteria: Criteria, *, order: Keyset, through: str) -> bool:
        """Whether an event of ``criteria`` is at or before the event path ``through`` in ``order``."""
        where, params = criteria.where()
        return bool(self.rows(sql.events_through(where, order, "?"), [through, *params])[0][0])

    def count_events(self, criteria: Criteria) -> int:
        if criteria.empty:
            return int(self.meta.get("events", 0))
        scoped = self._scoped(criteria)
        if scoped is not None:  # each event is in one year: the rollups' years add up to the set
            years = self._rolled_up(scoped, [facets.YEARS.name], _EVERY_YEAR)[facets.YEARS.name]
            return sum(int(row["count"]) for row in years)
        where, params = criteria.condition()
        return int(self.rows(sql.count_events(where), params)[0][0])

    def search(self, match: str, *, first: int, offset: int, criteria: Criteria = EVERY_EVENT) -> list[Row]:
        """FTS5 ranked by bm25 (title weighted highest) among the events ``criteria`` holds;
        ``match`` is an FTS5 expression."""
        where, ids, params = _among(criteria)
        return self._fts(f"{_hits(where, ids)} ORDER BY {sql.RANKED} LIMIT ? OFFSET ?", (match, *params, first, offset))

    def search_by_date(self, match: str, *, first: int, after: str | None, order: Keyset,
                       criteria: Criteria = EVERY_EVENT, before: str | None = None) -> list[Row]:
        """FTS5 hits in id (= date) order: the index is walked in rowid order and stops at ``first``,
        so a word found in half the archive costs what a rare one costs (ranking must score every hit).
        """
        where, ids, params = _among(criteria)
        until, bound = ("?", [before]) if before is not None else (None, [])
        return self._fts(f"{sql.hits_by_date(_hits(where, ids), order, '?', until)} LIMIT ?",
                         [match, *params, after, *bound, first])

    def hits_through(self, match: str, *, order: Keyset, through: str, criteria: Criteria = EVERY_EVENT) -> bool:
        """Whether a hit of ``match`` among the events of ``criteria`` is at or before the event path
        ``through`` in ``order``."""
        where, ids, params = _among(criteria)
        return bool(self._fts(sql.hits_through("?", order, "?", where, ids), (match, *params, through))[0][0])

    def count_search(self, match: str, criteria: Criteria = EVERY_EVENT) -> int:
        where, ids, params = _among(criteria)
        return int(self._fts(sql.count_hits("?", where, ids), (match, *params))[0][0])

    def _fts(self, statement: str, params: Sequence[object]) -> list[Row]:
        try:
            return self.rows(statement, params)
        except sqlite3.OperationalError:
            raise SearchSyntaxError(SEARCH_SYNTAX) from None

    def timeline(self, criteria: Criteria, width: int) -> list[Row]:
        """Counts per bucket; ``width`` is 4 (year), 7 (month) or 10 (day) characters of the date."""
        if criteria.empty:
            return self.rows(sql.timeline(width, None))
        where, params = criteria.where()
        return self.rows(f"WITH matched AS MATERIALIZED ({sql.matched_dates(where)}) {sql.timeline(width, 'matched')}",
                         params)

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

    def builds(self, first: int) -> list[Row]:
        return self.rows("SELECT id, built_at, fingerprint, kind, parsed_files, events, added, changed, removed"
                         " FROM builds ORDER BY id DESC LIMIT ?", (first,))

    def removed_paths(self, build: int, first: int) -> list[str]:
        rows = self.rows("SELECT path FROM event_changes WHERE build_id = ? AND change = 'removed'"
                         " ORDER BY path LIMIT ?", (build, first))
        return [row["path"] for row in rows]

    def publishers(self, *, first: int, offset: int, domain: str | None) -> list[Row]:
        condition, params = ("WHERE domain = ?", [domain_key(domain)]) if domain else ("", [])
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

    def publishers_within(self, criteria: Criteria, *, first: int, offset: int, domain: str | None) -> list[Row]:
        """``publishers`` with ``event_count`` counted within the events of ``criteria``."""
        narrow, extra = ("domain = ?", [domain_key(domain)]) if domain else ("1", [])
        return self._within(criteria, facets.PUBLISHERS, narrow, extra, first, offset)

    def contexts_within(self, criteria: Criteria, *, first: int, offset: int, prefix: str | None) -> list[Row]:
        """``contexts`` with ``event_count`` counted within the events of ``criteria``."""
        narrow, extra = ("c.name >= ? AND c.name < ?", [prefix, prefix + "\U0010ffff"]) if prefix else ("1", [])
        return self._within(criteria, facets.CONTEXTS, narrow, extra, first, offset)

    def _within(self, criteria: Criteria, facet: facets.Facet, narrow: str, extra: Sequence[object], first: int,
                offset: int) -> list[Row]:
        where, params = criteria.where()
        return self.rows(f"WITH matched AS MATERIALIZED ({sql.matched_ids(where)})"
                         f" {facets.top(facet.rows('SELECT id FROM matched', narrow), facet.name, '? OFFSET ?')}",
                         [*params, *extra, first, offset])

    def facets(self, criteria: Criteria, names: Sequence[str], first: int) -> dict[str, list[Row]]:
        """The facets ``names`` of the events of ``criteria``, the first ``first`` of each, in order:
        the whole archive's from the build's tables, a big scope's or a date range's summed from its
        rollups (``db.rollups``, the days at the range's edges counted beside them), any other set's
        counted, each in one statement."""
        if criteria.empty:
            return self.archive_facets(names, first)
        scoped = self._scoped(criteria)
        if scoped is not None:
            return self._rolled_up(scoped, names, first)
        where, params = criteria.where()
        return self._facets(sql.matched_ids(where), params, names, first)

    def _rolled_up(self, scoped: rollups.Scoped, names: Sequence[str], first: int) -> dict[str, list[Row]]:
        """The facets of a set the rollups answer: its scopes' rows, and the events beside them counted."""
        scopes = json.dumps(scoped.scopes)
        if scoped.rest is None:
            return self._facets(None, [scopes], names, first, rolled_up=True)
        where, params = scoped.rest.where()
        return self._facets(sql.matched_ids(where), [scopes, *params], names, first, rolled_up=True)

    def _scoped(self, criteria: Criteria) -> rollups.Scoped | None:
        """What the rollups answer of ``criteria`` (``rollups.scope_of``), if the file has them."""
        if not self._rolled:
            return None
        first, last = self._archive["first_date"], self._archive["last_date"]

        def context_id(name: str) -> int | None:
            found = self.context_by_name(name)
            return None if found is None else int(found["id"])

        scoped = rollups.scope_of(criteria, None if first is None else (first, last), context_id)
        if scoped is not None and scoped.probe and scoped.scopes[0] not in self._scopes:
            return None
        return scoped

    def search_facets(self, match: str, criteria: Criteria, names: Sequence[str], first: int) -> dict[str, list[Row]]:
        """The facets of the hits of the FTS5 expression ``match`` among the events of ``criteria``."""
        where, ids, params = _among(criteria)
        try:
            return self._facets(sql.search_hits("f.rowid AS id", "?", with_events=False, where=where, ids=ids),
                                [match, *params],
                                names, first)
        except sqlite3.OperationalError:
            raise SearchSyntaxError(SEARCH_SYNTAX) from None

    def archive_facets(self, names: Sequence[str], first: int) -> dict[str, list[Row]]:
        if not self._counted:
            return self._facets("SELECT id FROM events", [], names, first)
        return {name: self.rows(facets.archive_facet(name, first)) for name in names}

    def _facets(self, ids: str | None, params: Sequence[object], names: Sequence[str], first: int, *,
                rolled_up: bool = False) -> dict[str, list[Row]]:
        """The facets of the events ``ids`` (its parameters ``params``, after the scopes' JSON array
        when ``rolled_up``): the set gathered once, then one statement per facet over it. In one
        statement SQLite built a Bloom filter of every source or event for the later facets' joins,
        scanning the whole table for a set of ten events (13 ms at 10^5, against 0.1)."""
        scopes, params = (list(params[:1]), list(params[1:])) if rolled_up else ([], list(params))
        if ids is not None:
            params = [_json_ids(row[0] for row in self.rows(ids, params))]
            ids = facets.GATHERED
        return {name: self.rows(facets.facet(ids, name, first, rolled_up=rolled_up), [*scopes, *params])
                for name in names}

    def trending(self, window: tuple[str, str], before: tuple[str, str], first: int) -> list[Row]:
        """Contexts of the days ``window`` (first, last) against the days ``before`` (``facets.TRENDING``),
        each with ``count`` and ``previous``, and the events of both windows (from ``days``)."""
        totals = [self.rows("SELECT coalesce(sum(event_count), 0) FROM days WHERE date >= ? AND date <= ?", days)[0][0]
                  for days in (window, before)]
        return self.rows(facets.TRENDING, (*window, *before, *totals, facets.MIN_TRENDING_COUNT, first))

    def co_contexts(self, context_id: int, first: int) -> list[Row]:
        return self.rows(
            "SELECT c.id, c.name, c.event_count, count(*) AS together FROM event_contexts a"
            " JOIN event_contexts b ON b.event_id = a.event_id AND b.context_id != a.context_id"
            " JOIN contexts c ON c.id = b.context_id WHERE a.context_id = ?"
            " GROUP BY c.id ORDER BY together DESC, c.name LIMIT ?",
            (context_id, first),
        )

    def related_graph(self, start_id: int, depth: int, limit: int,
                      direction: str = "OUTGOING") -> tuple[list[Row], list[Row]]:
        """Events within ``depth`` hops along ``direction`` (``GRAPH_STEPS``; breadth first, cycles cut by
        UNION) and the edges among them."""
        nodes = self.rows(
            "WITH RECURSIVE walk(id, depth) AS ("
            " SELECT ?, 0"
            f" UNION {GRAPH_STEPS[direction]}"
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

    def on_this_day(self, month_day: str, first: int) -> list[Row]:
        """Events of one calendar day (``MM-DD``) in every year, newest first: the days from ``days``,
        their events through the index on ``date``."""
        return self.rows(ON_THIS_DAY.format(columns=EVENT_COLUMNS), (month_day, first))

    def linked_from_counts(self, ids: Sequence[int]) -> dict[int, int]:
        """How many links of the archive point at each event (through the index on ``target_id``)."""
        rows = self.rows("SELECT target_id, count(*) AS n FROM related"
                         " WHERE target_id IN (SELECT value FROM json_each(?)) GROUP BY target_id", (_json_ids(ids),))
        return {row["target_id"]: row["n"] for row in rows}

    def backlinks(self, target: int, *, first: int, after: tuple[str, int] | None, order: Keyset,
                  before: tuple[str, int] | None = None) -> list[Row]:
        """The links pointing at the event ``target`` after the place ``after`` (the citing event's
        path, the link's position) and before ``before``, with their citing events: a range of the
        index on ``related(target_id, event_id DESC, position)``."""
        link = "r.id AS link_id, r.position AS position, r.title AS link_title"
        statement = sql.backlink_page(f"{EVENT_COLUMNS}, {link}", ":target", order,
                                      (":after", ":after_at") if after else None,
                                      (":before", ":before_at") if before else None, ":limit")
        after_path, after_at = after or (None, None)
        before_path, before_at = before or (None, None)
        return self.rows(statement, {"target": target, "limit": first, "after": after_path, "after_at": after_at,
                                     "before": before_path, "before_at": before_at})

    def backlinks_through(self, target: int, *, order: Keyset, through: tuple[str, int]) -> bool:
        """Whether a link pointing at ``target`` is at or before the place ``through`` in ``order``."""
        statement = sql.backlinks_through(":target", order, (":path", ":at"))
        return bool(self.rows(statement, {"target": target, "path": through[0], "at": through[1]})[0][0])

    def archive(self) -> dict[str, Any]:
        """What the file is: its ``meta`` and its first and last day (read when it was opened)."""
        return self._archive

    def explain(self, statement: str, params: Sequence[object] = ()) -> list[str]:
        """EXPLAIN QUERY PLAN details, for tests and ``bench`` to prove no scans on the hot path."""
        return [row["detail"] for row in self.conn.execute(f"EXPLAIN QUERY PLAN {statement}", params)]


#: (device, inode, size, modification time, change time) of a file, in nanoseconds.
FileIdentity = tuple[int, int, int, int, int]


def identity(path: Path) -> FileIdentity:
    """Which file ``path`` names (device, inode) and its state (size, modification and change
    times: ``cp --preserve=timestamps`` keeps the first, never the second); OSError if none."""
    found = os.stat(path)
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


#: More years than a date has: every row of a set's years facet.
_EVERY_YEAR = 10_000


def _json_ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _json_list(values: Iterable[str]) -> str:
    return json.dumps(list(values))


def _group(rows: list[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped
