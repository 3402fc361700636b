"""db.filters: each filter's name, condition and value, on the bundled sample."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.filters import (
    FILTERS,
    FILTERS_BY_NAME,
    IN_CONTEXT,
    Condition,
    Criteria,
    Filter,
    Kind,
    domain_key,
    either,
)
from tests.support.rows import ids

# -- filters ---------------------------------------------------------------------------------


def test_filter_names_are_unique_and_every_condition_takes_its_value() -> None:
    names = [item.name for item in FILTERS]
    assert len(names) == len(set(names)) == len(FILTERS_BY_NAME)
    assert names == ["text", "dateFrom", "dateTo", "contextsAny", "contextsAll", "contextsNone", "category",
                     "publisher", "domain", "changedSince", "changedAfter"]
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
    assert fields == [item.name for item in FILTERS] + ["and", "or", "not"]  # then the composing fields


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
        "text": Kind.WORDS, "dateFrom": Kind.DATE, "dateTo": Kind.DATE, "contextsAny": Kind.NAMES,
        "contextsAll": Kind.NAMES, "contextsNone": Kind.NAMES, "category": Kind.TEXT, "publisher": Kind.TEXT,
        "domain": Kind.TEXT, "changedSince": Kind.TEXT, "changedAfter": Kind.TEXT}
    assert IN_CONTEXT.kind is Kind.ID


def test_domain_key() -> None:
    assert domain_key("WWW.Example.COM") == "example.com"
    assert domain_key("news.bbc.co.uk") == "news.bbc.co.uk"


def test_not_holds_where_its_filter_is_unknown(conn: sqlite3.Connection) -> None:
    """``not: {category: X}`` holds for an event with no category: SQL's NULL is not "maybe"."""
    category = FILTERS_BY_NAME["category"]
    where, params = Criteria(none_of=Criteria(((category, "Armed conflicts and attacks"),))).where()
    count = conn.execute(f"SELECT count(*) FROM events e WHERE {where}", params).fetchone()[0]
    [(total, conflicts, uncategorised)] = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE category = 'Armed conflicts and attacks'),"
        " count(*) FILTER (WHERE category IS NULL) FROM events").fetchall()
    assert uncategorised > 0 and conflicts > 0
    assert count == total - conflicts


def test_composed_parameters_follow_their_placeholders(conn: sqlite3.Connection) -> None:
    """Each nested filter's values bind in the order its placeholders are written."""
    date_from, category = FILTERS_BY_NAME["dateFrom"], FILTERS_BY_NAME["category"]
    composed = Criteria(((date_from, "2015-09-05"),), any_of=(
        Criteria(((category, "Law and crime"),)), Criteria(none_of=Criteria(((date_from, "2015-09-10"),)))))
    where, params = composed.where()
    assert params == ["2015-09-05", "Law and crime", "2015-09-10"]
    found = conn.execute(f"SELECT count(*) FROM events e WHERE {where}", params).fetchone()[0]
    assert found == conn.execute(
        "SELECT count(*) FROM events WHERE date >= '2015-09-05' AND (category = 'Law and crime'"
        " OR date < '2015-09-10')").fetchone()[0] > 0
    assert Criteria(any_of=()).where() == ("0", [])
    assert Criteria(all_of=(Criteria(),)).empty and not Criteria(any_of=()).empty


def test_the_filters_that_are_lists_of_ids_declare_them() -> None:
    """A filter that is a list of event ids declares the list; its condition is made from it,
    ``e.id IN (<list>)``, and the list goes with the condition where it is bound."""
    names = {"contextsAny", "contextsAll", "publisher", "domain", "text"}
    assert {item.name for item in FILTERS if item.members is not None} == names  # contextsNone: NOT IN
    for item in (*FILTERS, IN_CONTEXT):
        bound = item.where("?3")
        assert bound.sql == item.clause("?3")
        if item.members is None:
            assert bound.members is None, item.name
        else:
            assert bound.members == item.members.format(p="?3")
            assert bound.sql == f"e.id IN ({bound.members})"
    assert IN_CONTEXT.members is not None
    for declared in ({}, {"condition": "e.id = {p}", "members": "SELECT {p}"}):  # one of the two, not both
        with pytest.raises(ValueError, match="one of them"):
            Filter("x", Kind.TEXT, **declared)


def test_conditions_keep_their_list_of_ids_where_they_are_one() -> None:
    """One list alone (or alone in an ``and``, in parentheses) is still that list, and an ``or`` is
    a list; lists joined to more, their complements and the rest are not."""
    contexts, category = FILTERS_BY_NAME["contextsAny"], FILTERS_BY_NAME["category"]
    listed = str(contexts.members).format(p="?")

    def condition(criteria: Criteria) -> Condition:
        return criteria.condition()[0]

    alone = Criteria(((contexts, "[]"),))
    assert condition(alone) == Condition(f"e.id IN ({listed})", listed)
    assert condition(Criteria(all_of=(alone,))) == Condition(f"(e.id IN ({listed}))", listed)
    assert condition(Criteria(any_of=(alone, alone))) == Condition(
        f"e.id IN ({listed} UNION {listed})", f"{listed} UNION {listed}")
    for other in (Criteria(((contexts, "[]"), (category, "x"))), Criteria(none_of=alone), Criteria(),
                  Criteria(((FILTERS_BY_NAME["contextsNone"], "[]"),)), Criteria(((category, "x"),)),
                  Criteria(any_of=())):
        assert condition(other).members is None, other
    assert condition(Criteria()) == Condition("1") and condition(Criteria(any_of=())) == Condition("0")
    for criteria in (alone, Criteria(any_of=(alone, Criteria(((category, "x"),)))), Criteria(none_of=alone)):
        assert criteria.where() == (condition(criteria).sql, criteria.condition()[1])


def test_an_or_of_id_lists_unions_the_lists_themselves(conn: sqlite3.Connection) -> None:
    """``or`` arms that are lists of ids go into the union as they are; the others, and lists
    joined to more, are looked up in events, and both answer as OR does."""
    contexts, category = FILTERS_BY_NAME["contextsAny"], FILTERS_BY_NAME["category"]
    listed = str(contexts.members).format(p="?")
    two = Criteria(any_of=(Criteria(((contexts, '["a"]'),)), Criteria(((contexts, '["b"]'),))))
    assert two.where()[0] == f"e.id IN ({listed} UNION {listed})"  # two contexts: one UNION of their lists
    clause = either([contexts.where("?").nested(), category.where("?").nested()])
    assert clause.sql.count("SELECT e.id FROM events e") == 1  # the category's arm only
    assert clause.members is not None and clause.sql == f"e.id IN ({clause.members})"
    [(name,)] = conn.execute("SELECT name FROM contexts ORDER BY event_count DESC LIMIT 1").fetchall()
    found = ids(conn, f"SELECT e.id FROM events e WHERE {clause.sql} ORDER BY e.id", (f'["{name}"]', "Law and crime"))
    assert found == ids(conn, "SELECT e.id FROM events e WHERE category = 'Law and crime' OR e.id IN"
                              " (SELECT event_id FROM event_contexts ec JOIN contexts c ON c.id = ec.context_id"
                              " WHERE c.name = ?) ORDER BY e.id", (name,))
    assert len(found) > 1


@pytest.mark.parametrize(("date_from", "date_to"), [
    ("2015-09-03", "2015-09-07"), ("2015-09-03", None), (None, "2015-09-01"), ("2000-01-01", "2999-12-31"),
    ("2015-09-08", "2015-09-08"), ("2016-02-29", "2016-03-01")])
def test_a_date_range_is_a_range_of_ids(conn: sqlite3.Connection, date_from: str | None, date_to: str | None) -> None:
    """An id begins with its day: the ids the date filters' ranges hold are the events of those days."""
    given = tuple((FILTERS_BY_NAME[name], value) for name, value in (("dateFrom", date_from), ("dateTo", date_to))
                  if value is not None)
    criteria = Criteria(((FILTERS_BY_NAME["category"], "Law and crime"),), all_of=(Criteria(given),))
    ids, params = criteria.id_range("e.id")
    assert ids.count("?") == len(params) == len(given)
    where, where_params = Criteria(given).where()
    by_ids = {row[0] for row in conn.execute(f"SELECT id FROM events e WHERE {ids}", params)}
    by_dates = {row[0] for row in conn.execute(f"SELECT id FROM events e WHERE {where}", where_params)}
    assert by_ids == by_dates
    assert Criteria(any_of=(Criteria(given),)).id_range("e.id") == ("1", [])  # only what must hold
