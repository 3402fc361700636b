"""db.read.Reader on the sample: what it refuses to open, that it cannot write, and its lookups and pages."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db import SCHEMA_VERSION, sql
from db.errors import DatabaseError, QueryTimeout, SearchSyntaxError
from db.filters import FILTERS_BY_NAME, Criteria
from db.read import DEADLINE, Reader
from db.sql import NEWEST_FIRST, OLDEST_FIRST, Keyset

EVENTS = 133


@pytest.fixture
def reader(sample_db: Path) -> Iterator[Reader]:
    opened = Reader(sample_db)
    yield opened
    opened.close()


def plain(sample_db: Path, query: str, params: tuple[object, ...] = ()) -> list[Any]:
    """The same question asked without the Reader."""
    with sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True) as conn:
        return conn.execute(query, params).fetchall()


def criteria(**values: object) -> Criteria:
    return Criteria(tuple((FILTERS_BY_NAME[name], FILTERS_BY_NAME[name].parameter(value))
                          for name, value in values.items()))


# -- opening -----------------------------------------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"^database not found: .*nothing\.db$"):
        Reader(tmp_path / "nothing.db")


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="database not found"):
        Reader(tmp_path)


def test_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    target = tmp_path / "notes.db"
    target.write_text("just some text, long enough to be read as a header " * 20, encoding="utf-8")
    with pytest.raises(DatabaseError, match=r"^not a newsgql database: .*notes\.db \(file is not a database\)$"):
        Reader(target)


def test_an_sqlite_file_of_something_else(tmp_path: Path) -> None:
    target = tmp_path / "other.db"
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE t (a)")
    conn.close()
    with pytest.raises(DatabaseError, match=r"not a newsgql database: .*\(no such table: meta\)"):
        Reader(target)


@pytest.mark.parametrize(("version", "shown"), [("1", "'1'"), (str(SCHEMA_VERSION + 1), repr(str(SCHEMA_VERSION + 1)))])
def test_another_schema_version(sample_db: Path, tmp_path: Path, version: str, shown: str) -> None:
    copy = tmp_path / "old.db"
    shutil.copyfile(sample_db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    conn.close()
    with pytest.raises(DatabaseError) as info:
        Reader(copy)
    assert str(info.value) == (f"{copy} has schema version {shown}; this newsgql reads {SCHEMA_VERSION}."
                               " Rebuild it with `newsgql build`.")
    Reader(sample_db).close()  # the original is untouched


def test_no_schema_version_at_all(sample_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "bare.db"
    shutil.copyfile(sample_db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(DatabaseError, match="has schema version None"):
        Reader(copy)


def test_meta(reader: Reader) -> None:
    assert reader.meta["schema_version"] == str(SCHEMA_VERSION)
    assert reader.meta["events"] == str(EVENTS)
    assert len(reader.fingerprint) == 64


@pytest.mark.parametrize("statement", [
    "DELETE FROM events",
    "INSERT INTO meta VALUES ('x', 'y')",
    "UPDATE events SET title = 'x'",
    "CREATE TABLE t (a)",
    "DROP TABLE meta",
])
def test_the_connection_cannot_write(reader: Reader, sample_db: Path, statement: str) -> None:
    with pytest.raises(sqlite3.OperationalError):
        reader.rows(statement)
    with pytest.raises(sqlite3.OperationalError):
        reader.conn.execute(statement)
    assert reader.rows("SELECT count(*) FROM events")[0][0] == EVENTS


def test_nothing_can_be_attached(reader: Reader, tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError):
        reader.rows(f"ATTACH DATABASE '{tmp_path / 'x.db'}' AS x")
    assert not (tmp_path / "x.db").exists()


# -- lookups -----------------------------------------------------------------------------------


def test_event_by_path_in_any_spelling(reader: Reader, sample_db: Path) -> None:
    [(event_id, path)] = plain(sample_db, "SELECT id, path FROM events WHERE date = '2015-09-07' ORDER BY id LIMIT 1")
    assert isinstance(path, str)
    slug = path.rsplit("/", 1)[1].removesuffix(".md")
    spellings = [
        path,
        f"/news/2015/9/7/{slug}.md",
        f"/news/2015/09/7/{slug}",
        f"news/2015/9/07/{slug}.md",
        f"2015/09/07/{slug}",
        f"2015/9/7/{slug}.md",
        f"/2015/9/7/{slug}/",
        f"  {path}  ",
    ]
    for spelling in spellings:
        row = reader.event_by_path(spelling)
        assert row is not None, spelling
        assert (row["id"], row["path"]) == (event_id, path)
        assert row.keys() == list(sql.EVENT_COLUMNS)


@pytest.mark.parametrize("text", [
    "", "hello", "/news/", "/news/2015/09/07/", "/news/2015/02/30/x.md", "/news/2015/13/01/x.md",
    "/news/2015/09/07/no-such-event.md", "/news/15/09/07/x.md",
])
def test_event_by_path_of_no_event(reader: Reader, text: str) -> None:
    assert reader.event_by_path(text) is None


def test_context_by_name(reader: Reader) -> None:
    row = reader.context_by_name("European migrant crisis")
    assert row is not None and (row["name"], row["event_count"]) == ("European migrant crisis", 10)
    assert reader.context_by_name("european migrant crisis") is None  # exact name only


def test_children_batches(reader: Reader, sample_db: Path) -> None:
    counts = dict(plain(sample_db, "SELECT id, source_count FROM events ORDER BY source_count DESC, id LIMIT 5"))
    found = reader.children(sql.SOURCES, [*counts, 999_999])
    assert set(found) == set(counts)
    assert {parent: len(rows) for parent, rows in found.items()} == counts
    assert found == reader.sources_for_events(list(counts))
    related = dict(plain(sample_db, "SELECT id, related_count FROM events ORDER BY related_count DESC LIMIT 4"))
    assert {parent: len(rows) for parent, rows in reader.related_for_events(list(related)).items()} == related
    for parent, rows in reader.related_for_events(list(related)).items():
        assert [row["id"] for row in rows] == [r[0] for r in plain(
            sample_db, "SELECT id FROM related WHERE event_id = ? ORDER BY position", (parent,))]
    assert reader.children(sql.SOURCES, []) == {}


def test_children_per_parent_as_one_at_a_time(reader: Reader) -> None:
    ids = [1, 2, 3, 5, 40, 133]
    together = reader.contexts_for_events(ids)
    for parent in ids:
        alone = reader.contexts_for_events([parent])
        assert [tuple(row) for row in together.get(parent, [])] == [tuple(row) for row in alone.get(parent, [])]


def test_events_and_contexts_by_ids(reader: Reader) -> None:
    first, _, third = (row["id"] for row in reader.conn.execute("SELECT id FROM events ORDER BY id LIMIT 3"))
    assert sorted(reader.events_by_ids([third, first, 999_999])) == [first, third]
    assert reader.events_by_ids([first])[first]["path"].startswith("/news/2015/09/01/")
    one, two = (row["id"] for row in reader.conn.execute("SELECT id FROM contexts ORDER BY name LIMIT 2"))
    found = reader.contexts_by_ids([one, two])
    assert sorted(found) == sorted([one, two]) and all(row["event_count"] >= 1 for row in found.values())


# -- lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [NEWEST_FIRST, OLDEST_FIRST])
@pytest.mark.parametrize("size", [1, 7, 50, 200])
def test_keyset_pages_walk_every_event_once(reader: Reader, sample_db: Path, order: Keyset, size: int) -> None:
    expected = [row[0] for row in plain(sample_db, f"SELECT id FROM events ORDER BY date {order.direction}, path "
                                                   f"{order.direction}")]
    seen: list[int] = []
    after = None
    for _ in range(EVENTS + 2):
        page = reader.list_events(Criteria(), first=size, after=after, order=order)
        assert len(page) <= size
        if not page:
            break
        seen += [row["id"] for row in page]
        after = page[-1]["path"]
    assert seen == expected
    assert len(seen) == EVENTS


@pytest.mark.parametrize("order", [NEWEST_FIRST, OLDEST_FIRST])
def test_filtered_pages(reader: Reader, sample_db: Path, order: Keyset) -> None:
    chosen = criteria(contextsAll=["Syrian civil war"], dateFrom="2015-09-02")
    seen: list[int] = []
    after = None
    while page := reader.list_events(chosen, first=2, after=after, order=order):
        seen += [row["id"] for row in page]
        after = page[-1]["path"]
    expected = [row[0] for row in plain(
        sample_db, "SELECT e.id FROM events e JOIN event_contexts x ON x.event_id = e.id JOIN contexts c"
                   f" ON c.id = x.context_id WHERE c.name = 'Syrian civil war' AND e.date >= '2015-09-02'"
                   f" ORDER BY e.id {order.direction}")]
    assert seen == expected
    assert len(seen) == reader.count_events(chosen) > 2


def test_count_events(reader: Reader, sample_db: Path) -> None:
    assert reader.count_events(Criteria()) == EVENTS
    assert reader.count_events(criteria(category="Sports")) == plain(
        sample_db, "SELECT count(*) FROM events WHERE category = 'Sports'")[0][0]
    assert reader.count_events(criteria(domain="WWW.BBC.COM")) == plain(
        sample_db, "SELECT count(DISTINCT event_id) FROM sources WHERE domain = 'bbc.com'")[0][0] > 0
    assert reader.count_events(criteria(dateFrom="2017-01-01")) == 0
    assert reader.count_events(criteria(contextsNone=["Syria"])) == EVENTS - 7


def test_timeline(reader: Reader) -> None:
    years = [tuple(row) for row in reader.timeline(Criteria(), 4)]
    assert [bucket for bucket, _ in years] == ["2015", "2016"]
    assert sum(count for _, count in years) == EVENTS
    days = reader.timeline(criteria(dateTo="2015-09-02"), 10)
    assert [tuple(row) for row in days] == [("2015-09-01", 18), ("2015-09-02", 14)]


# -- search ------------------------------------------------------------------------------------


def test_search_ranked(reader: Reader, sample_db: Path) -> None:
    total = reader.count_search('"syria"*')
    hits = reader.search('"syria"*', first=100, offset=0)
    assert len(hits) == total > 5
    assert [row["rank"] for row in hits] == sorted(row["rank"] for row in hits)
    assert all(round(row["rank"], 6) == row["rank"] for row in hits)
    assert all("<mark>" in row["snippet"] for row in hits)
    assert {row["id"] for row in hits} == {row[0] for row in plain(
        sample_db, "SELECT rowid FROM events_fts WHERE events_fts MATCH ?", ('"syria"*',))}
    # pages by offset add up to the whole ranking
    pages = [row["id"] for offset in range(0, total, 4) for row in reader.search('"syria"*', first=4, offset=offset)]
    assert pages == [row["id"] for row in hits]


@pytest.mark.parametrize("order", [NEWEST_FIRST, OLDEST_FIRST])
def test_search_by_date(reader: Reader, order: Keyset) -> None:
    everything = reader.search('"migrant"*', first=100, offset=0)
    expected = sorted((row["id"] for row in everything), reverse=order.newest_first)
    seen: list[int] = []
    after = None
    while page := reader.search_by_date('"migrant"*', first=3, after=after, order=order):
        seen += [row["id"] for row in page]
        after = page[-1]["path"]
    assert seen == expected
    assert len(seen) == reader.count_search('"migrant"*') > 3


def test_search_finds_nothing(reader: Reader) -> None:
    assert reader.search('"zzzznothing"', first=5, offset=0) == []
    assert reader.count_search('"zzzznothing"') == 0


@pytest.mark.parametrize("match", ['"unclosed', "AND", "migrant NOT", "NEAR(", "(a OR b", "col:x"])
def test_a_bad_expression_is_a_search_syntax_error(reader: Reader, match: str) -> None:
    with pytest.raises(SearchSyntaxError, match=r"^invalid search expression: "):
        reader.search(match, first=5, offset=0)
    with pytest.raises(SearchSyntaxError):
        reader.search_by_date(match, first=5, after=None, order=NEWEST_FIRST)
    with pytest.raises(SearchSyntaxError):
        reader.count_search(match)


# -- the deadline ------------------------------------------------------------------------------


def test_a_deadline_in_the_past_stops_every_statement(reader: Reader) -> None:
    token = DEADLINE.set(time.monotonic() - 1)
    try:
        with pytest.raises(QueryTimeout, match=r"^the query ran past its time limit and was stopped$"):
            reader.rows("SELECT 1")
        with pytest.raises(QueryTimeout):
            reader.list_events(Criteria(), first=5, after=None, order=NEWEST_FIRST)
        with pytest.raises(QueryTimeout):  # not a SearchSyntaxError
            reader.search('"syria"', first=5, offset=0)
    finally:
        DEADLINE.reset(token)
    assert reader.rows("SELECT 1")[0][0] == 1


def test_a_deadline_passed_during_a_statement_interrupts_it(reader: Reader) -> None:
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    token = DEADLINE.set(time.monotonic() + 0.05)
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeout):
            reader.rows(endless)
    finally:
        DEADLINE.reset(token)
    assert time.monotonic() - started < 5
    assert DEADLINE.get() is None
    assert reader.rows("SELECT count(*) FROM events")[0][0] == EVENTS  # the connection is still usable


def test_no_deadline_no_limit(reader: Reader) -> None:
    assert DEADLINE.get() is None
    assert reader.rows("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)"
                       " SELECT count(*) FROM n")[0][0] == 200000
