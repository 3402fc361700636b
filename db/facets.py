"""Statistics of a set of events, declared once: facets (counts per context, publisher, domain,
category and year) and trending contexts.

A set is a query of event ids (``ids``): a filter's matches, a search's hits, or a build's
events. Each ``Facet`` groups the set by one of its values; the reader runs the facets asked for
in one statement over the set materialized once (``facets``), a build sums the whole archive's
into ``facet_counts`` with the same grouping (``counts``), so the unfiltered facets are
a table read, and the facets of each big scope (a context, a category, a month: ``db.rollups``)
into ``facet_rollups``, so that those of one scope, or of a date range, are a read and a sum
(``facets`` with ``rolled_up``). ``trending`` compares two windows of days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: The columns of every facet's rows: what identifies a value (a context id, or the text itself),
#: its ``name`` (the order among equal counts), how many events of the set have it, and ``extra``:
#: a context's events in the whole archive, a publisher's least domain (null for the others).
COLUMNS = "value, name, count, extra"


@dataclass(frozen=True)
class Facet:
    """One way to count a set of events: ``grouped`` gives rows (``COLUMNS``) per value of the
    events ``ids`` (a query of distinct ids, the outer loop of each join: it is the smaller side);
    ``narrow`` is a further condition on the rows."""

    name: str
    grouped: str  # with ``{ids}`` and ``{narrow}``

    def rows(self, ids: str, narrow: str = "1") -> str:
        return self.grouped.format(ids=ids, narrow=narrow)


#: Contexts of the set, through the index on ``event_contexts(event_id, context_id)``.
CONTEXTS = Facet("contexts", "SELECT c.id AS value, c.name AS name, n.count AS count, c.event_count AS extra"
                 " FROM (SELECT ec.context_id, count(*) AS count FROM ({ids}) AS m"
                 " CROSS JOIN event_contexts ec ON ec.event_id = m.id GROUP BY ec.context_id) n"
                 " JOIN contexts c ON c.id = n.context_id WHERE {narrow}")
#: Source names, each counted once per event that cites it; ``extra`` is the least of its hosts.
PUBLISHERS = Facet("publishers", "SELECT s.name AS value, s.name AS name, count(DISTINCT s.event_id) AS count,"
                   " min(s.domain) AS extra FROM ({ids}) AS m CROSS JOIN sources s ON s.event_id = m.id"
                   " WHERE {narrow} GROUP BY s.name")
#: Source hosts (without ``www.``), each counted once per event.
DOMAINS = Facet("domains", "SELECT s.domain AS value, s.domain AS name, count(DISTINCT s.event_id) AS count,"
                " NULL AS extra FROM ({ids}) AS m CROSS JOIN sources s ON s.event_id = m.id"
                " WHERE s.domain IS NOT NULL AND {narrow} GROUP BY s.domain")
#: Day-page categories; events with none are not counted. Each event's category is looked up by
#: its id, not joined: in a statement with the other facets, SQLite would build a Bloom filter of
#: every event for the join (~230 ms at 10^6).
CATEGORIES = Facet("categories", "SELECT value, value AS name, count, NULL AS extra FROM"
                   " (SELECT (SELECT e.category FROM events e WHERE e.id = m.id) AS value, count(*) AS count"
                   " FROM ({ids}) AS m GROUP BY value) WHERE value IS NOT NULL AND {narrow}")
#: The ISO year of a day given by its ordinal (``julianday`` of ordinal 1, 0001-01-01, is 1721425.5).
_YEAR = "substr(date(1721424.5 + day), 1, 4)"
#: Years, from the day of each id (``db.ids``: an id's high bits are its day's ordinal), so no row
#: is read for them: the set is counted per day, then the days per year.
YEARS = Facet("years", f"SELECT {_YEAR} AS value, {_YEAR} AS name, sum(count) AS count, NULL AS extra"
              " FROM (SELECT id >> 32 AS day, count(*) AS count FROM ({ids}) GROUP BY day) WHERE {narrow}"
              " GROUP BY value")

#: The facets by name, as ``Facets`` has them.
FACETS = {facet.name: facet for facet in (CONTEXTS, PUBLISHERS, DOMAINS, CATEGORIES, YEARS)}
#: What ``facet_counts`` keeps of the whole archive; its contexts and years are in tables already
#: (``contexts.event_count``, ``days``).
COUNTED = (PUBLISHERS, DOMAINS, CATEGORIES)
ARCHIVE = {
    "contexts": "SELECT id AS value, name, event_count AS count, event_count AS extra FROM contexts"
                " WHERE event_count > 0",
    "years": "SELECT substr(date, 1, 4) AS value, substr(date, 1, 4) AS name, sum(event_count) AS count,"
             " NULL AS extra FROM days GROUP BY value",
    **{facet.name: f"SELECT value, value AS name, count, NULL AS extra FROM facet_counts WHERE facet = '{facet.name}'"
       for facet in COUNTED},
}


def ordered(facet: str) -> str:
    """The order of a facet's rows: most events first, then by name; years in year order."""
    return "value" if facet == "years" else "count DESC, name"


def counts(ids: str, counted: Iterable[Facet] = COUNTED) -> str:
    """(facet, value, count) of the events ``ids`` (a query, gathered once) for the facets ``counted``:
    what a full build inserts into ``facet_counts`` for every event and into ``facet_rollups`` for
    each scope, and an incremental one adds and takes away per redone day (counts of distinct
    events add up over disjoint sets of events)."""
    return (f"WITH matched AS MATERIALIZED ({ids}) "
            + " UNION ALL ".join(f"SELECT '{facet.name}' AS facet, value, count FROM"
                                 f" ({facet.rows('SELECT id FROM matched')})" for facet in counted))


def rolled(name: str, counted: str | None = None) -> str:
    """The rows (``COLUMNS``) of the facet ``name`` summed over the scopes ``scopes`` (a CTE of
    ``facet_rollups.scope``, read through its primary key) and the rows ``counted`` (of a set
    disjoint from them), in one grouping. What ``Facet.rows`` counts, but for the ``extra`` of
    publishers (not kept: no facet list shows it)."""
    # a context's id is kept as text: cast, to be one group with the id counted
    value = "CAST(value AS INTEGER)" if name == CONTEXTS.name else "value"
    found = (f"SELECT {value} AS value, count FROM facet_rollups WHERE scope IN (SELECT scope FROM scopes)"
             f" AND facet = '{name}'") + (f" UNION ALL SELECT value, count FROM ({counted})" if counted else "")
    summed = f"SELECT value, sum(count) AS count FROM ({found}) GROUP BY value"
    if name == CONTEXTS.name:
        return ("SELECT c.id AS value, c.name AS name, r.count AS count, c.event_count AS extra"
                f" FROM ({summed}) r JOIN contexts c ON c.id = r.value")
    return f"SELECT value, value AS name, count, NULL AS extra FROM ({summed})"


#: A set of events gathered before: their ids as one JSON array (the parameter).
GATHERED = "SELECT value AS id FROM json_each(?)"


def top(rows: str, name: str, limit: str | int) -> str:
    """The first ``limit`` (SQL: a number, a placeholder, ``? OFFSET ?``) of the rows (``COLUMNS``)
    of the facet ``name``, in its order."""
    return f"SELECT * FROM ({rows}) ORDER BY {ordered(name)} LIMIT {limit}"


def facet(ids: str | None, name: str, limit: str | int, *, rolled_up: bool = False) -> str:
    """The first ``limit`` rows of the facet ``name`` of a set: the events ``ids`` (None: none, only
    with ``rolled_up``) and, with ``rolled_up``, the scopes of the JSON array bound first
    (``facet_rollups``, disjoint from ``ids``: counts add up)."""
    counted = None if ids is None else FACETS[name].rows("SELECT id FROM matched")
    rows = rolled(name, counted) if rolled_up else str(counted)
    ctes = (["scopes AS (SELECT value AS scope FROM json_each(?))"] if rolled_up else []) + (
        [f"matched AS MATERIALIZED ({ids})"] if ids is not None else [])
    return f"WITH {', '.join(ctes)} {top(rows, name, limit)}"


def archive_facet(name: str, limit: int) -> str:
    """One facet of the whole archive, from the build's tables, the first ``limit`` in order."""
    return top(ARCHIVE[name], name, int(limit))


# -- trending ---------------------------------------------------------------------------------

#: A context needs this many events in the window to trend: one-off contexts have huge ratios.
MIN_TRENDING_COUNT = 3


def _window(start: str, end: str) -> str:
    """Events per context dated ``start`` to ``end``: the days' events through the date index, their
    contexts through ``event_contexts``."""
    return ("SELECT ec.context_id AS id, count(*) AS count FROM events e JOIN event_contexts ec ON ec.event_id = e.id"
            f" WHERE e.date >= {start} AND e.date <= {end} GROUP BY ec.context_id")


#: The contexts of a window (days ``?1``..``?2``, ``?5`` events) against the window before it
#: (``?3``..``?4``, ``?6`` events) with at least ``?7`` events in the window, by ``score`` (ordered
#: by the ratio whose logarithm it is: ``ln`` is not in every SQLite); the first ``?8``.
TRENDING = (
    f"SELECT c.id, c.name, c.event_count, now.count AS count, coalesce(before.count, 0) AS previous,"
    f" ?5 AS total, ?6 AS previous_total"
    f" FROM ({_window('?1', '?2')}) now"
    f" LEFT JOIN ({_window('?3', '?4')}) before ON before.id = now.id"
    f" JOIN contexts c ON c.id = now.id WHERE now.count >= ?7"
    f" ORDER BY (now.count + 1.0) * (?6 + 1.0) / ((coalesce(before.count, 0) + 1.0) * (?5 + 1.0)) DESC,"
    f" now.count DESC, c.name LIMIT ?8"
)


def score(count: int, previous: int, total: int, previous_total: int) -> float:
    """How much more of the window a context is than of the window before: the natural log of the
    ratio of its add-one smoothed shares, ``ln((count + 1) / (total + 1)) - ln((previous + 1) /
    (previous_total + 1))``. 0: as common as before; ln 2: twice the share. Smoothing keeps a
    context absent before finite, and ranks one seen 9 times from nothing below one seen 90 times."""
    return math.log((count + 1) / (total + 1)) - math.log((previous + 1) / (previous_total + 1))
