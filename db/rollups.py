"""Rollups: the facets of the archive's big scopes, counted by the build, so that the facets of
one context, one category or a date range are a read and a sum (issue 12, item 7).

A *scope* is a set of events that filters name, keyed ``kind:key`` (``KINDS``): ``context:<id>``,
the events of a context with at least ``MIN_CONTEXT_EVENTS`` (a smaller one is fast to count);
``category:<name>``, every category; ``month:YYYY-MM``, every month. ``facet_rollups`` holds, for
each, the rows ``db.facets`` counts for its events (facet, value, count). Counts of distinct
events add up over disjoint sets, so a date range sums its whole months and counts only the days
at its edges.

A full build fills the table from the events (``reconcile`` of an empty table). An incremental
one takes each changed event's rows away from the scopes it was in and adds them to those it is
in now (``add``), then drops the scopes no longer big and fills those that became so
(``reconcile``): which scopes are rolled up depends on the final counts alone, so the table is a
full build's of the same corpus. A reader answers from it the criteria ``scope_of`` recognises.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from . import facets, sql
from .filters import FILTERS_BY_NAME, IN_CONTEXT, Criteria

#: A context with at least this many events is a scope. Counting the facets of one just below it
#: takes ~25 ms (1,896 events at 10^6), a quarter of the budget of 100 ms; each halving of the
#: threshold about doubles the scopes (10^6 events: 22 contexts at 5,000, 53 at 2,000, 104 at 1,000,
#: 203 at 500) for the build to count and the file to hold. Module-level: tests lower it.
MIN_CONTEXT_EVENTS = 2000

_FROM, _TO = FILTERS_BY_NAME["dateFrom"], FILTERS_BY_NAME["dateTo"]

#: The lookup indexes (``db.tables.INDEXES``) the counting reads through: the events of a month, a
#: category, a context, and each event's sources (the big contexts are found by a walk of
#: ``contexts``). A full build makes them first, then counts beside the rest (``db.beside``).
INDEXES = (("events", ["date"]), ("events", ["category", "id"]), ("event_contexts", ["context_id", "event_id"]),
           ("sources", ["event_id", "position"]))


def _month(key: str) -> Criteria:
    """The events of the month ``key`` (``YYYY-MM``), as ``dateFrom``/``dateTo`` mean them."""
    year, month = int(key[:4]), int(key[5:7])
    last = calendar.monthrange(year, month)[1]
    return Criteria(((_FROM, f"{key}-01"), (_TO, f"{key}-{last:02d}")))


@dataclass(frozen=True)
class Kind:
    """One kind of scope: the events of a key (``criteria``, as the filters mean them), the keys a
    build rolls up (``every``, a query; ``{min}``: ``MIN_CONTEXT_EVENTS``) and the keys of the
    events ``{ids}`` (``of``, a query of distinct keys)."""

    name: str
    criteria: Callable[[str], Criteria]
    every: str
    of: str

    def scope(self, key: object) -> str:
        return f"{self.name}:{key}"


CONTEXT = Kind("context", lambda key: Criteria(((IN_CONTEXT, int(key)),)),
               "SELECT id FROM contexts WHERE event_count >= {min}",
               "SELECT DISTINCT context_id FROM event_contexts WHERE event_id IN ({ids})")
CATEGORY = Kind("category", lambda key: Criteria(((FILTERS_BY_NAME["category"], key),)),
                "SELECT DISTINCT category FROM events WHERE category IS NOT NULL",
                "SELECT DISTINCT category FROM events WHERE id IN ({ids}) AND category IS NOT NULL")
MONTH = Kind("month", _month, "SELECT DISTINCT substr(date, 1, 7) FROM days",
             "SELECT DISTINCT substr(date, 1, 7) FROM events WHERE id IN ({ids})")
KINDS = {kind.name: kind for kind in (CONTEXT, CATEGORY, MONTH)}


# -- the builds' side -------------------------------------------------------------------------


def _add(conn: sqlite3.Connection, kind: Kind, key: str, ids: str | None, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) the facets of the scope's events among ``ids`` (a query;
    None: all of them) to its rows; a count of 0 goes."""
    scope = kind.scope(key)
    where, params = kind.criteria(key).where()
    # a few events: each looked up (joined, SQLite would build a Bloom filter of every event per scope)
    members = (sql.matched_ids(where) if ids is None
               else f"SELECT s.id AS id FROM ({ids}) AS s WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = s.id"
                    f" AND {where})")
    conn.execute(f"INSERT INTO facet_rollups (scope, facet, value, count) SELECT ?, facet, value, {int(sign)} * count"
                 f" FROM ({facets.counts(members, facets.FACETS.values())}) WHERE true"
                 " ON CONFLICT (scope, facet, value) DO UPDATE SET count = count + excluded.count", [scope, *params])
    if sign < 0:
        conn.execute("DELETE FROM facet_rollups WHERE scope = ? AND count <= 0", (scope,))


def scopes(conn: sqlite3.Connection) -> set[str]:
    """The scopes the table holds, one index seek each (not a walk of every row)."""
    return {scope for (scope,) in conn.execute(
        "WITH RECURSIVE s(scope) AS (SELECT min(scope) FROM facet_rollups UNION ALL"
        " SELECT (SELECT min(scope) FROM facet_rollups WHERE scope > s.scope) FROM s WHERE s.scope IS NOT NULL)"
        " SELECT scope FROM s WHERE scope IS NOT NULL")}


def add(conn: sqlite3.Connection, ids: str, sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) the events ``ids`` (a query), as they are now, to the
    scopes the table holds that they are in; ``reconcile`` then settles which scopes it holds."""
    present = scopes(conn)
    for kind in KINDS.values():
        for (key,) in conn.execute(kind.of.format(ids=ids)).fetchall():
            if kind.scope(key) in present:
                _add(conn, kind, str(key), ids, sign)


def reconcile(conn: sqlite3.Connection) -> None:
    """Hold exactly the scopes the events make (``Kind.every``): drop the others, count the
    missing ones from their events. On an empty table, what a full build does."""
    present = scopes(conn)
    wanted = {kind.scope(key): (kind, str(key)) for kind in KINDS.values()
              for (key,) in conn.execute(kind.every.format(min=int(MIN_CONTEXT_EVENTS))).fetchall()}
    conn.executemany("DELETE FROM facet_rollups WHERE scope = ?", ((scope,) for scope in sorted(present - set(wanted))))
    for scope in sorted(wanted.keys() - present):
        _add(conn, *wanted[scope], None, 1)


# -- the reader's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scoped:
    """Criteria the rollups answer: the scopes summed, and the events counted beside them (``rest``,
    disjoint from the scopes; None: none). ``probe``: one scope the table may not hold (a context
    below ``MIN_CONTEXT_EVENTS``): the set is counted when it does not. A month it does not hold
    has no events."""

    scopes: tuple[str, ...]
    rest: Criteria | None = None
    probe: bool = False


def _bound(criteria: Criteria) -> list[tuple[str, object]] | None:
    """Every filter and value of criteria that only AND filters together (None: ``or``, ``not``)."""
    if criteria.any_of is not None or criteria.none_of is not None:
        return None
    found = [(item.name, value) for item, value in criteria.bound]
    for part in criteria.all_of:
        inner = _bound(part)
        if inner is None:
            return None
        found += inner
    return found


def scope_of(criteria: Criteria, archive: tuple[str, str] | None,
             context_id: Callable[[str], int | None]) -> Scoped | None:
    """What the rollups answer of ``criteria``, None when they do not: one context (``IN_CONTEXT``,
    ``contextsAny``/``contextsAll`` of one name: ``context_id`` finds its id), one ``category``,
    or a ``dateFrom``/``dateTo`` range holding a whole month (``archive``: its first and last day)."""
    bound = _bound(criteria)
    if not bound:
        return None
    given = dict(bound)
    if len(given) != len(bound):  # a filter given twice
        return None
    if given.keys() == {IN_CONTEXT.name}:
        return Scoped((CONTEXT.scope(given[IN_CONTEXT.name]),), probe=True)
    if given.keys() in ({"contextsAny"}, {"contextsAll"}):
        names = set(json.loads(str(next(iter(given.values())))))
        found = context_id(names.pop()) if len(names) == 1 else None
        return None if found is None else Scoped((CONTEXT.scope(found),), probe=True)
    if given.keys() == {"category"}:
        return Scoped((CATEGORY.scope(given["category"]),), probe=True)
    if given.keys() <= {_FROM.name, _TO.name} and archive is not None:
        return _range(str(given.get(_FROM.name, archive[0])), str(given.get(_TO.name, archive[1])), archive)
    return None


def _range(low: str, high: str, archive: tuple[str, str]) -> Scoped | None:
    """The whole months of the days ``low`` to ``high`` and the days at its edges."""
    first, last = dt.date.fromisoformat(archive[0]), dt.date.fromisoformat(archive[1])
    # no events before the archive's first month or after its last: the range may start or end there
    start = max(dt.date.fromisoformat(low), first.replace(day=1))
    end = min(dt.date.fromisoformat(high), last.replace(day=calendar.monthrange(last.year, last.month)[1]))
    whole_from = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    whole_to = end if end.day == calendar.monthrange(end.year, end.month)[1] else end.replace(day=1) - dt.timedelta(1)
    if whole_from > whole_to:
        return None
    months = []
    month = whole_from
    while month <= whole_to:
        months.append(MONTH.scope(month.isoformat()[:7]))
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    edges = [Criteria(((_FROM, a.isoformat()), (_TO, b.isoformat())))
             for a, b in ((start, whole_from - dt.timedelta(1)), (whole_to + dt.timedelta(1), end)) if a <= b]
    rest = None if not edges else edges[0] if len(edges) == 1 else Criteria(any_of=tuple(edges))
    return Scoped(tuple(months), rest)


__all__ = ["INDEXES", "KINDS", "MIN_CONTEXT_EVENTS", "Kind", "Scoped", "add", "reconcile", "scope_of", "scopes"]
