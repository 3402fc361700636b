"""Rollups (issue 12, item 7): the facets of a context, a category or a date range read from
``facet_rollups`` are the facets counted from the events, row for row, and the statement reads the
rollups' key, never every event.

The sample's contexts are small: it is built with ``MIN_CONTEXT_EVENTS`` lowered so that some are
scopes. What counting gives is what the same file answers with ``facet_rollups`` dropped (a file
built before it: the reader counts every set).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator

import pytest

from db import rollups
from db.build import build
from db.filters import FILTERS_BY_NAME, IN_CONTEXT, Criteria
from db.read import STATEMENTS, Reader, Row
from db.sample import SAMPLE_DIR

NAMES = ["contexts", "publishers", "domains", "categories", "years"]
#: Contexts of the sample with at least this many events are scopes (7 of them).
SMALL = 4


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Reader, Reader]]:
    """The sample with rollups, and the same file without (what counting answers)."""
    root = tmp_path_factory.mktemp("rollups")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rollups, "MIN_CONTEXT_EVENTS", SMALL)
        build(SAMPLE_DIR, root / "rolled.db", workers=1)
    shutil.copyfile(root / "rolled.db", root / "counted.db")
    with sqlite3.connect(root / "counted.db") as conn:
        conn.execute("DROP TABLE facet_rollups")
    rolled, counted = Reader(root / "rolled.db"), Reader(root / "counted.db")
    yield rolled, counted
    rolled.close()
    counted.close()


def _context(reader: Reader, place: int, *, big: bool = True) -> Row:
    """The ``place``-th biggest context that is (or is not) a scope."""
    return reader.rows("SELECT id, name, event_count FROM contexts WHERE (event_count >= ?) = ?"
                       " ORDER BY event_count DESC, name LIMIT 1 OFFSET ?", (SMALL, big, place))[0]


def _criteria(reader: Reader, case: str) -> Criteria:
    date_from, date_to, category = (FILTERS_BY_NAME[name] for name in ("dateFrom", "dateTo", "category"))
    one, two = _context(reader, 0), _context(reader, 1)
    return {
        "a context's events": Criteria(((IN_CONTEXT, one["id"]),)),
        "a context's events, and nothing": Criteria(all_of=(Criteria(((IN_CONTEXT, one["id"]),)), Criteria())),
        "contextsAny of one": Criteria(((FILTERS_BY_NAME["contextsAny"], json.dumps([two["name"]])),)),
        "contextsAll of one, twice": Criteria(((FILTERS_BY_NAME["contextsAll"], json.dumps([two["name"]] * 2)),)),
        "a category": Criteria(((category, "Armed conflicts and attacks"),)),
        "a range with partial months at both ends": Criteria(((date_from, "2015-09-05"), (date_to, "2016-12-10"))),
        "a range of whole months": Criteria(((date_from, "2015-08-01"), (date_to, "2016-12-31"))),
        "from a day on": Criteria(((date_from, "2015-09-03"),)),
        "up to a day": Criteria(((date_to, "2016-12-13"),)),
        "whole months and a partial one, AND-ed": Criteria(all_of=(Criteria(((date_from, "2015-09-01"),)),
                                                                    Criteria(((date_to, "2016-12-13"),)))),
    }[case]


ROLLED = ["a context's events", "a context's events, and nothing", "contextsAny of one",
          "contextsAll of one, twice", "a category", "a range with partial months at both ends",
          "a range of whole months", "from a day on", "up to a day", "whole months and a partial one, AND-ed"]


def _rows(found: dict[str, list[Row]]) -> dict[str, list[tuple[object, ...]]]:
    """Every column of every row but a publisher's ``extra`` (its least domain: rollups do not keep it,
    no facet list shows it)."""
    return {name: [tuple(row[key] for key in row.keys()  # noqa: SIM118 - a Row iterates its values
                         if (name, key) != ("publishers", "extra")) for row in rows]
            for name, rows in found.items()}


def _answer(reader: Reader, criteria: Criteria, first: int) -> tuple[dict[str, list[tuple[object, ...]]], list[str]]:
    ran: list[str] = []
    token = STATEMENTS.set(ran)
    try:
        return _rows(reader.facets(criteria, NAMES, first)), ran
    finally:
        STATEMENTS.reset(token)


@pytest.mark.parametrize("case", ROLLED)
def test_a_scope_s_event_count_is_its_years_summed(files: tuple[Reader, Reader], case: str) -> None:
    """``totalCount`` of a rolled-up set adds up its years (each event is in one), read from the
    rollups, and is what counting the events gives."""
    rolled, counted = files
    criteria = _criteria(rolled, case)
    ran: list[str] = []
    token = STATEMENTS.set(ran)
    try:
        found = rolled.count_events(criteria)
    finally:
        STATEMENTS.reset(token)
    assert any("facet_rollups" in statement for statement in ran), ran
    assert found == counted.count_events(_criteria(counted, case)) > 0


@pytest.mark.parametrize("first", [100, 2])
@pytest.mark.parametrize("case", ROLLED)
def test_rollups_answer_what_counting_answers(files: tuple[Reader, Reader], case: str, first: int) -> None:
    rolled, counted = files
    criteria = _criteria(rolled, case)
    answer, ran = _answer(rolled, criteria, first)
    assert any("facet_rollups" in statement for statement in ran), ran
    assert answer == _answer(counted, criteria, first)[0]
    assert sum(len(rows) for rows in answer.values()) > len(NAMES)  # something to compare


def test_other_sets_are_counted(files: tuple[Reader, Reader]) -> None:
    rolled, counted = files
    small = _context(rolled, 0, big=False)
    category, date_from = FILTERS_BY_NAME["category"], FILTERS_BY_NAME["dateFrom"]
    for criteria in (Criteria(((IN_CONTEXT, small["id"]),)),  # below the threshold
                     Criteria(((FILTERS_BY_NAME["contextsAny"], json.dumps([small["name"], "Syria"])),)),
                     Criteria(((category, "Sports"), (date_from, "2015-09-01"))),  # two scopes: their overlap
                     Criteria(((date_from, "2015-09-03"), (FILTERS_BY_NAME["dateTo"], "2015-09-08"))),  # no whole month
                     Criteria(none_of=Criteria(((category, "Sports"),)))):
        answer, ran = _answer(rolled, criteria, 100)
        assert not any("facet_rollups" in statement for statement in ran), criteria
        assert answer == _answer(counted, criteria, 100)[0]


def test_each_scope_holds_its_events(files: tuple[Reader, Reader]) -> None:
    """Every category and month is a scope, and every context with at least ``MIN_CONTEXT_EVENTS``."""
    rolled, _ = files
    held = rollups.scopes(rolled.conn)
    contexts = {row["id"] for row in rolled.rows("SELECT id FROM contexts WHERE event_count >= ?", (SMALL,))}
    assert {scope for scope in held if scope.startswith("context:")} == {f"context:{id}" for id in contexts}
    assert {scope for scope in held if scope.startswith("month:")} == {"month:2015-09", "month:2016-12"}
    categories = {row[0] for row in rolled.rows("SELECT DISTINCT category FROM events WHERE category IS NOT NULL")}
    assert {scope for scope in held if scope.startswith("category:")} == {f"category:{c}" for c in categories}
    for scope in held:  # the years facet of a scope sums to its events
        kind, key = scope.split(":", 1)
        total = rolled.rows("SELECT sum(count) FROM facet_rollups WHERE scope = ? AND facet = 'years'", (scope,))[0][0]
        assert total == rolled.count_events(rollups.KINDS[kind].criteria(key))


@pytest.mark.parametrize("case", ROLLED)
def test_rollups_read_their_key_not_the_events(files: tuple[Reader, Reader], case: str) -> None:
    """Each facet's statement reads the scopes' rows by key; the events at a range's edges are gathered
    once, through their own index, and handed to each facet as one JSON array."""
    rolled, _ = files
    _, ran = _answer(rolled, _criteria(rolled, case), 10)
    scoped = rolled._scoped(_criteria(rolled, case))
    assert scoped is not None
    statements = [statement for statement in ran if "facet_rollups" in statement]
    assert len(statements) == 5  # one per facet
    gathered = [statement for statement in ran if "facet_rollups" not in statement and "FROM events" in statement]
    assert len(gathered) == (1 if scoped.rest else 0)
    plans = [rolled.explain(statement, [json.dumps(scoped.scopes)] + (["[]"] if scoped.rest else []))
             for statement in statements]
    plans += [rolled.explain(statement, scoped.rest.where()[1]) for statement in gathered if scoped.rest]
    for plan in plans[:5]:
        assert "SEARCH facet_rollups USING PRIMARY KEY (scope=? AND facet=?)" in plan, plan
    for plan in plans:
        scans = [detail for detail in plan if detail.startswith("SCAN ") and detail.split()[1] in
                 {"e", "events", "sources", "s", "event_contexts", "ec", "contexts", "c", "facet_rollups"}]
        assert not scans, plan
