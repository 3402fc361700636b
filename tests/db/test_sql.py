"""db.sql: the SQL vocabulary, rendered both ways (batched, correlated) and run on the sample."""

from __future__ import annotations

import json
import sqlite3

import pytest

from db import sql
from db.filters import FILTERS_BY_NAME, Condition, Criteria
from db.sql import NEWEST_FIRST, OLDEST_FIRST, ChildList
from tests.support.rows import ids

# -- child lists -----------------------------------------------------------------------------

#: Each child list, and how to pick parents that have rows and parents that have none.
CHILD_LISTS = {
    "sources": (sql.SOURCES, "SELECT id FROM events ORDER BY source_count DESC, id LIMIT 6",
                "SELECT id FROM events WHERE source_count = 0 LIMIT 1"),
    "event_contexts": (sql.EVENT_CONTEXTS, "SELECT event_id FROM event_contexts GROUP BY event_id"
                       " ORDER BY count(*) DESC, event_id LIMIT 6",
                       "SELECT id FROM events WHERE id NOT IN (SELECT event_id FROM event_contexts) LIMIT 1"),
    "related": (sql.RELATED, "SELECT id FROM events ORDER BY related_count DESC, id LIMIT 6",
                "SELECT id FROM events WHERE related_count = 0 LIMIT 1"),
    "link_contexts": (sql.LINK_CONTEXTS, "SELECT related_id FROM related_contexts GROUP BY related_id"
                      " ORDER BY count(*) DESC, related_id LIMIT 6",
                      "SELECT id FROM related WHERE id NOT IN (SELECT related_id FROM related_contexts) LIMIT 1"),
}


@pytest.mark.parametrize("name", list(CHILD_LISTS))
def test_batched_and_correlated_give_the_same_rows_in_the_same_order(conn: sqlite3.Connection, name: str) -> None:
    child, busy, bare = CHILD_LISTS[name]
    parents = ids(conn, busy) + ids(conn, bare) + [999_999]
    batched = conn.execute(child.batched(), (str(parents).replace(" ", ""),)).fetchall()
    per_parent = {parent: conn.execute(child.correlated("?"), (parent,)).fetchall() for parent in parents}
    # every row of the batch is its parent's, in the parent's order, parents in id order
    assert batched == [(parent, *row) for parent in sorted(parents) for row in per_parent[parent]]
    assert sum(len(rows) > 1 for rows in per_parent.values()) >= 3  # the order is actually tested
    assert per_parent[999_999] == []


@pytest.mark.parametrize("name", list(CHILD_LISTS))
def test_correlated_to_a_column(conn: sqlite3.Connection, name: str) -> None:
    """``correlated`` takes an SQL expression of the outer row, as the compiled path nests it."""
    child, busy, _ = CHILD_LISTS[name]
    parent = ids(conn, busy)[0]
    table = "related" if child is sql.LINK_CONTEXTS else "events"
    nested = conn.execute(f"SELECT (SELECT count(*) FROM ({child.correlated('o.id')})) FROM {table} o WHERE o.id = ?",
                          (parent,)).fetchone()[0]
    assert nested == len(conn.execute(child.correlated("?"), (parent,)).fetchall()) > 1


def test_child_lists_keep_their_orders(conn: sqlite3.Connection) -> None:
    event = ids(conn, "SELECT id FROM events ORDER BY source_count DESC, id LIMIT 1")[0]
    names = [row[1] for row in conn.execute(sql.EVENT_CONTEXTS.correlated("?"), (event,))]
    assert names == sorted(names)
    sources = conn.execute(sql.SOURCES.correlated("?"), (event,)).fetchall()
    assert sources == conn.execute("SELECT name, url, domain FROM sources WHERE event_id = ? ORDER BY position",
                                   (event,)).fetchall()
    assert len(sources) == conn.execute("SELECT source_count FROM events WHERE id = ?", (event,)).fetchone()[0]
    link = ids(conn, "SELECT related_id FROM related_contexts GROUP BY related_id ORDER BY count(*) DESC LIMIT 1")[0]
    assert [row[1] for row in conn.execute(sql.LINK_CONTEXTS.correlated("?"), (link,))] == [
        row[0] for row in conn.execute("SELECT c.name FROM related_contexts x JOIN contexts c ON c.id = x.context_id"
                                       " WHERE x.related_id = ? ORDER BY x.position", (link,))]


def test_child_list_text() -> None:
    child = ChildList("t x", "x.p", (("a", "x.a"), ("b", "x.b + 1")), "x.n")
    assert child.batched() == ("SELECT x.p AS parent, x.a AS a, x.b + 1 AS b FROM t x"
                               " WHERE x.p IN (SELECT value FROM json_each(?)) ORDER BY x.p, x.n")
    assert child.correlated("e.id") == "SELECT x.a AS a, x.b + 1 AS b FROM t x WHERE x.p = e.id ORDER BY x.n"


def test_event_columns() -> None:
    assert sql.event_columns("z") == ("z.id, z.path, z.date, z.title, z.story, z.body, z.category,"
                                      " z.source_count, z.related_count")
    assert sql.event_columns() == sql.event_columns("e")


# -- keysets and pages -----------------------------------------------------------------------


_FIRST_AT = "SELECT id FROM events WHERE path >= ? ORDER BY path LIMIT 1"
_LAST_AT = "SELECT id FROM events WHERE path <= ? ORDER BY path DESC LIMIT 1"


@pytest.mark.parametrize(("keyset", "after", "order", "direction"), [
    (NEWEST_FIRST, f"e.id < coalesce(({_FIRST_AT}), 9223372036854775807)", "e.id DESC", "DESC"),
    (OLDEST_FIRST, f"e.id > coalesce(({_LAST_AT}), -1)", "e.id ASC", "ASC"),
])
def test_keyset_text(keyset: sql.Keyset, after: str, order: str, direction: str) -> None:
    assert keyset.after("e.id", "?") == after
    assert keyset.order("e.id") == order
    assert keyset.direction == direction


def test_ids_follow_paths(conn: sqlite3.Connection) -> None:
    # what keysets stand on: id order is path order (date, then file name)
    assert ids(conn, "SELECT id FROM events ORDER BY path") == ids(conn, "SELECT id FROM events ORDER BY id")


@pytest.mark.parametrize(("keyset", "cursor", "expected"), [
    (NEWEST_FIRST, None, 133),  # NULL: from the start
    (OLDEST_FIRST, None, 133),
    (NEWEST_FIRST, 10, 9),
    (OLDEST_FIRST, 10, 123),
    (NEWEST_FIRST, 1, 0),
    (OLDEST_FIRST, 133, 0),
])
def test_keyset_after_on_the_sample(conn: sqlite3.Connection, keyset: sql.Keyset, cursor: int | None,
                                    expected: int) -> None:
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 133
    # ``cursor``: the event at this place in id order (ids themselves are day blocks, db.ids)
    place = "SELECT path FROM events ORDER BY id LIMIT 1 OFFSET ?"
    path = conn.execute(place, (cursor - 1,)).fetchone()[0] if cursor else None
    found = conn.execute(f"SELECT count(*) FROM events e WHERE {keyset.after('e.id', '?')}", (path,)).fetchone()[0]
    assert found == expected


@pytest.mark.parametrize(("keyset", "gone", "expected"), [
    # a path no event has (its event removed by a later build) keeps its place in the order
    (NEWEST_FIRST, "/news/2015/09/03/~.md", "SELECT count(*) FROM events WHERE date <= '2015-09-03'"),
    (OLDEST_FIRST, "/news/2015/09/03/~.md", "SELECT count(*) FROM events WHERE date > '2015-09-03'"),
    (NEWEST_FIRST, "/news/2015/09/03/!.md", "SELECT count(*) FROM events WHERE date < '2015-09-03'"),
    (OLDEST_FIRST, "/news/1999/01/01/x.md", "SELECT count(*) FROM events"),
    (NEWEST_FIRST, "/news/1999/01/01/x.md", "SELECT 0"),
    (NEWEST_FIRST, "/news/2099/01/01/x.md", "SELECT count(*) FROM events"),
])
def test_a_cursor_of_a_gone_event_keeps_its_place(conn: sqlite3.Connection, keyset: sql.Keyset, gone: str,
                                                  expected: str) -> None:
    found = conn.execute(f"SELECT count(*) FROM events e WHERE {keyset.after('e.id', '?')}", (gone,)).fetchone()[0]
    assert found == conn.execute(expected).fetchone()[0] > 0 or expected == "SELECT 0"


def test_event_page_text() -> None:
    assert sql.event_page("e.id", "1", NEWEST_FIRST, "?1", "?2") == (
        f"SELECT e.id FROM events e WHERE {NEWEST_FIRST.after('e.id', '?1')} ORDER BY e.id DESC LIMIT ?2")
    assert sql.event_page("e.id, e.date", "e.category = ?", OLDEST_FIRST, "?", "5") == (
        f"SELECT e.id, e.date FROM events e WHERE {OLDEST_FIRST.after('e.id', '?')} AND e.category = ?"
        " ORDER BY e.id ASC LIMIT 5")


@pytest.mark.parametrize("keyset", [NEWEST_FIRST, OLDEST_FIRST])
def test_event_pages_walk_the_filtered_events_once(conn: sqlite3.Connection, keyset: sql.Keyset) -> None:
    where, params = Criteria(((FILTERS_BY_NAME["dateTo"], "2015-09-03"),)).where()
    expected = ids(conn, f"SELECT id FROM events WHERE date <= '2015-09-03' ORDER BY id {keyset.direction}")
    assert len(expected) == 41
    page = sql.event_page("e.id, e.path", where, keyset, "?", "?")
    seen: list[int] = []
    after = None
    while True:
        found = conn.execute(page, (after, *params, 6)).fetchall()
        if not found:
            break
        seen += [row[0] for row in found]
        after = found[-1][1]
    assert seen == expected


def test_count_events(conn: sqlite3.Connection) -> None:
    assert sql.count_events(Condition("1")) == "SELECT count(*) FROM events e WHERE 1"
    assert conn.execute(sql.count_events(Condition("e.category = ?")), ("Sports",)).fetchone()[0] == conn.execute(
        "SELECT count(*) FROM events WHERE category = 'Sports'").fetchone()[0] > 0


def test_a_list_of_ids_is_counted_as_the_events_it_holds(conn: sqlite3.Connection) -> None:
    """A list that holds an event twice (two of its contexts, both arms of an ``or``) counts it once,
    as the events that hold the condition do."""
    names = [row[0] for row in conn.execute(
        "SELECT c.name FROM event_contexts a JOIN event_contexts b ON b.event_id = a.event_id"
        " AND b.context_id > a.context_id JOIN contexts c ON c.id IN (a.context_id, b.context_id) LIMIT 2")]
    [(publisher,)] = conn.execute("SELECT name FROM sources GROUP BY name ORDER BY count(*) DESC LIMIT 1")
    contexts = FILTERS_BY_NAME["contextsAny"]
    cases = [
        Criteria(((contexts, json.dumps(names)),)),
        Criteria(((FILTERS_BY_NAME["publisher"], publisher),)),
        Criteria(((FILTERS_BY_NAME["text"], "killed"),)),
        Criteria(any_of=(Criteria(((contexts, json.dumps(names[:1])),)), Criteria(((contexts, json.dumps(names)),)))),
    ]
    for criteria in cases:
        where, params = criteria.condition()
        assert where.members is not None
        assert sql.count_events(where) == f"SELECT count(*) FROM (SELECT DISTINCT * FROM ({where.members}))"
        counted = conn.execute(sql.count_events(where), params).fetchone()[0]
        assert counted == conn.execute(f"SELECT count(*) FROM events e WHERE {where.sql}", params).fetchone()[0] > 0
    # a list joined to more is counted over the events that hold it all
    where, params = Criteria(((contexts, json.dumps(names)), (FILTERS_BY_NAME["category"], "Sports"))).condition()
    assert sql.count_events(where) == f"SELECT count(*) FROM events e WHERE {where.sql}"


# -- search ------------------------------------------------------------------------------------


def test_rounded_rank() -> None:
    assert sql.rounded_rank("f.rank") == "round(f.rank, 6)"
    assert sql.RANK_DECIMALS == 6


def test_search_hits_ranked(conn: sqlite3.Connection) -> None:
    query = (sql.search_hits(f"e.id, {sql.rounded_rank('f.rank')}, f.rank, {sql.SNIPPET}", "?", with_events=True)
             + f" ORDER BY {sql.RANKED}")
    hits = conn.execute(query, ('"syria"*',)).fetchall()
    assert len(hits) == conn.execute(sql.count_hits("?"), ('"syria"*',)).fetchone()[0] > 3
    assert [hit[2] for hit in hits] == sorted(hit[2] for hit in hits)
    for _, shown, score, snippet in hits:
        assert shown == round(score, 6)
        assert "<mark>" in snippet
    assert sql.search_hits("f.rowid", "?1", with_events=False) == (
        "SELECT f.rowid FROM events_fts f WHERE events_fts MATCH ?1 AND f.rank MATCH 'bm25(10.0, 1.0, 5.0)'")


# -- timeline ----------------------------------------------------------------------------------


@pytest.mark.parametrize("interval", ["DAY", "MONTH", "YEAR"])
def test_timeline_from_days_equals_timeline_counted(conn: sqlite3.Connection, interval: str) -> None:
    width = sql.BUCKET_WIDTHS[interval]
    from_days = conn.execute(sql.timeline(width, None)).fetchall()
    counted = conn.execute(f"WITH matched AS MATERIALIZED ({sql.matched_dates('1')}) "
                           f"{sql.timeline(width, 'matched')}").fetchall()
    assert from_days == counted
    assert sum(count for _, count in from_days) == 133
    assert all(len(bucket) == width for bucket, _ in from_days)
    assert [bucket for bucket, _ in from_days] == sorted(bucket for bucket, _ in from_days)


def test_timeline_values(conn: sqlite3.Connection) -> None:
    assert conn.execute(sql.timeline(4, None)).fetchall() == conn.execute(
        "SELECT substr(date, 1, 4), count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall()
    assert sql.timeline(7, None) == ("SELECT substr(date, 1, 7) AS bucket, sum(event_count) AS count FROM days"
                                     " GROUP BY bucket ORDER BY bucket")
    assert sql.timeline(10, "m") == ("SELECT substr(date, 1, 10) AS bucket, count(*) AS count FROM m"
                                     " GROUP BY bucket ORDER BY bucket")


def test_a_filtered_timeline(conn: sqlite3.Connection) -> None:
    where, params = Criteria(((FILTERS_BY_NAME["category"], "Sports"),)).where()
    found = conn.execute(f"WITH matched AS MATERIALIZED ({sql.matched_dates(where)}) {sql.timeline(10, 'matched')}",
                         params).fetchall()
    assert found == conn.execute("SELECT date, count(*) FROM events WHERE category = 'Sports'"
                                 " GROUP BY date ORDER BY date").fetchall()
    assert found
