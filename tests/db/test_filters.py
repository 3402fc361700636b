"""db.filters: each filter's name, condition and value, on the bundled sample."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.filters import FILTERS, FILTERS_BY_NAME, IN_CONTEXT, Criteria, Kind, domain_key
from tests.support.rows import ids

# -- filters ---------------------------------------------------------------------------------


def test_filter_names_are_unique_and_every_condition_takes_its_value() -> None:
    names = [item.name for item in FILTERS]
    assert len(names) == len(set(names)) == len(FILTERS_BY_NAME)
    assert names == ["dateFrom", "dateTo", "contextsAny", "contextsAll", "contextsNone", "category", "publisher",
                     "domain", "changedSince", "changedAfter"]
    for item in (*FILTERS, IN_CONTEXT):
        assert "{p}" in item.condition, item.name
        assert "?" not in item.condition, item.name
        assert item.clause("?7").count("?7") == item.uses >= 1
    assert {item.name: item.uses for item in FILTERS if item.uses != 1} == {
        "contextsAll": 2, "changedSince": 2, "changedAfter": 2}


def test_filters_in_the_schema_order() -> None:
    schema = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text(encoding="utf-8")
    block = schema.split("input EventFilter {", 1)[1].split("}", 1)[0]
    fields = [line.split(":")[0].strip() for line in block.splitlines() if ":" in line and '"' not in line]
    assert fields == [item.name for item in FILTERS]


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("contextsAny", ["Syria", "Turkey"],
     "SELECT DISTINCT x.event_id FROM event_contexts x JOIN contexts c ON c.id = x.context_id"
     " WHERE c.name IN ('Syria', 'Turkey')"),
    ("contextsAll", ["Syria", "Syrian civil war"],
     "SELECT x.event_id FROM event_contexts x JOIN contexts c ON c.id = x.context_id"
     " WHERE c.name IN ('Syria', 'Syrian civil war') GROUP BY x.event_id HAVING count(*) = 2"),
    ("contextsAll", ["Syria", "Syria"],  # a name given twice is one name
     "SELECT x.event_id FROM event_contexts x JOIN contexts c ON c.id = x.context_id WHERE c.name = 'Syria'"),
    ("contextsAll", ["Syria", "Nowhere"], "SELECT 1 WHERE 0"),
    ("contextsNone", ["Syria", "Turkey"],
     "SELECT id FROM events WHERE id NOT IN (SELECT x.event_id FROM event_contexts x JOIN contexts c"
     " ON c.id = x.context_id WHERE c.name IN ('Syria', 'Turkey'))"),
    ("dateFrom", "2016-01-01", "SELECT id FROM events WHERE date >= '2016-01-01'"),
    ("dateTo", "2015-09-02", "SELECT id FROM events WHERE date <= '2015-09-02'"),
    ("category", "Sports", "SELECT id FROM events WHERE category = 'Sports'"),
    ("publisher", "BBC", "SELECT DISTINCT event_id FROM sources WHERE name = 'BBC'"),
    ("domain", "WWW.BBC.com", "SELECT DISTINCT event_id FROM sources WHERE domain = 'bbc.com'"),
])
def test_each_filter_selects_what_it_says(conn: sqlite3.Connection, name: str, value: object, expected: str) -> None:
    item = FILTERS_BY_NAME[name]
    where, params = Criteria(((item, item.parameter(value)),)).where()
    found = ids(conn, f"SELECT e.id FROM events e WHERE {where} ORDER BY e.id", tuple(params))
    assert found == sorted(ids(conn, expected))
    assert (len(found) > 0) == (expected != "SELECT 1 WHERE 0")


def test_the_context_filter(conn: sqlite3.Connection) -> None:
    context = conn.execute("SELECT id, event_count FROM contexts WHERE name = 'Syria'").fetchone()
    clause = IN_CONTEXT.clause("?")
    assert conn.execute(f"SELECT count(*) FROM events e WHERE {clause}", (context[0],)).fetchone()[0] == context[1]


def test_filter_kinds() -> None:
    assert {item.name: item.kind for item in FILTERS} == {
        "dateFrom": Kind.DATE, "dateTo": Kind.DATE, "contextsAny": Kind.NAMES, "contextsAll": Kind.NAMES,
        "contextsNone": Kind.NAMES, "category": Kind.TEXT, "publisher": Kind.TEXT, "domain": Kind.TEXT,
        "changedSince": Kind.TEXT, "changedAfter": Kind.TEXT}
    assert IN_CONTEXT.kind is Kind.ID


def test_domain_key() -> None:
    assert domain_key("WWW.Example.COM") == "example.com"
    assert domain_key("news.bbc.co.uk") == "news.bbc.co.uk"
