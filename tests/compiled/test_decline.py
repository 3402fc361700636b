"""gql.compiled.compile: the reasons the compiled path declines (the resolvers answer), and what
it compiles: one statement that runs on the sample and builds the answer's JSON."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import parse

from gql import cursors
from gql.compiled.binding import literal
from gql.compiled.compile import Plan, compile_operation
from gql.errors import Unsupported
from gql.limits import MAX_FILTER_CONTEXTS, MAX_PAGE, MAX_SEARCH_CHARS
from tests.compiled import COMPILED_SELECT
from tests.support.rows import sample_cursor, sample_paths

COUNTS = {"events": 0}


def compiled(document: str, operation: str | None = None, counts: dict[str, int] | None = None) -> Plan:
    return compile_operation(parse(document), operation, counts or COUNTS)


@pytest.fixture
def conn(sample_db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)
    connection.create_function("gql_id", 2, cursors.encode, deterministic=True)
    yield connection
    connection.close()


def run(conn: sqlite3.Connection, document: str, variables: dict[str, Any] | None = None) -> Any:
    """The plan's answer on the sample, after checking it is one statement."""
    events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    plan = compiled(document, counts={"events": events})
    assert plan.sql.startswith(("WITH ", COMPILED_SELECT))
    assert ";" not in plan.sql
    rows = conn.execute(plan.sql, plan.bind(variables)).fetchall()  # one statement, or sqlite3 refuses it
    assert len(rows) == 1 and len(rows[0]) == 1
    return json.loads(rows[0][0])["data"]


def scalar(conn: sqlite3.Connection, query: str, params: tuple[object, ...] = ()) -> Any:
    return conn.execute(query, params).fetchone()[0]


# -- declined when compiled --------------------------------------------------------------------


@pytest.mark.parametrize(("document", "reason"), [
    ('{ day(date: "2015-09-07") { date } }', "root field day"),
    ("{ contexts { name } }", "root field contexts"),
    ('{ node(id: "RXZlbnQ6MQ") { id } }', "root field node"),
    ("mutation { events { totalCount } }", "operation"),
    ("subscription { events { totalCount } }", "operation"),
    # directives, wherever they are
    ("{ events @include(if: true) { totalCount } }", "directives"),
    ("{ events { totalCount @skip(if: false) } }", "directives"),
    ("query Q @cached { events { totalCount } }", "operation"),
    ("{ events { ...F } } fragment F on EventConnection @include(if: true) { totalCount }", "directives"),
    # a fragment on another type: only execution knows whether it applies
    ("{ events { edges { node { ... on Node { id } } } } }", "fragment on Node inside Event"),
    ("{ events { edges { node { ...F } } } } fragment F on Context { name }", "fragment on Context inside Event"),
    # values that choose the SQL, given as variables
    ("query($o: EventOrder) { events(orderBy: $o) { totalCount } }", "enum from a variable"),
    ('query($o: SearchOrder) { search(query: "x", orderBy: $o) { totalCount } }', "enum from a variable"),
    ("query($i: Interval!) { timeline(interval: $i) { count } }", "enum from a variable"),
    ('query($a: Boolean!) { search(query: "x", advanced: $a) { totalCount } }', "advanced from a variable"),
    ("query($f: EventFilter) { events(filter: $f) { totalCount } }", "filter from a variable"),
    ("query($f: EventFilter) { timeline(filter: $f) { count } }", "filter from a variable"),
    # pages bounded on both sides, and a ranking read backward: the resolvers answer them
    ('{ events(first: 3, before: "ZTox") { totalCount } }', "first or after with last or before"),
    ('{ events(before: "ZTox") { totalCount } }', "first or after with last or before"),
    ('{ search(query: "x", last: 3) { totalCount } }', "a ranking read backward"),
    # fields the resolvers answer
    ('{ event(path: "x") { linkedFrom(after: "bA") { totalCount } } }', "linkedFrom after a cursor or read backward"),
    ('{ event(path: "x") { linkedFrom(last: 2) { totalCount } } }', "linkedFrom after a cursor or read backward"),
    ('{ event(path: "x") { relatedGraph { nodes { depth } } } }', "field Event.relatedGraph"),
    ('{ event(path: "x") { relatedGraph(depth: 1) { nodes { depth } } } }', "arguments on Event.relatedGraph"),
    ('{ event(path: "x") { related { event { relatedGraph { edges { title } } } } } }', "field Event.relatedGraph"),
    ('{ events { edges { node { contexts { events { totalCount } } } } } }', "field Context.events"),
    ('{ search(query: "x") { edges { node { relatedGraph { nodes { depth } } } } } }', "field Event.relatedGraph"),
    # several operations and none named
    ("query A { events { totalCount } } query B { timeline { count } }", "operation"),
    ("{ events { totalCount } } { timeline { count } }", "operation"),
    # not an executable document
    ("type X { a: Int }", "definitions"),
])
def test_compile_declines(document: str, reason: str) -> None:
    with pytest.raises(Unsupported) as info:
        compiled(document)
    assert str(info.value) == reason


def test_a_named_operation_is_chosen_and_an_unknown_one_declined() -> None:
    document = "query A { events { totalCount } } query B { timeline { count } }"
    assert "FROM days" in compiled(document, "B").sql
    assert "FROM days" not in compiled(document, "A").sql
    with pytest.raises(Unsupported, match=r"^operation$"):
        compiled(document, "C")


# -- declined when bound -----------------------------------------------------------------------

EVENTS_PAGE = "query($n: Int, $a: String) { events(first: $n, after: $a) { totalCount } }"
RANKED = 'query($a: String) { search(query: "syria", after: $a) { totalCount } }'
DATED = 'query($a: String) { search(query: "syria", after: $a, orderBy: NEWEST_FIRST) { totalCount } }'
CONTEXTS = "query($c: [String!]) { events(filter: {contextsAny: $c}) { totalCount } }"
DATE = "query($d: Date) { events(filter: {dateFrom: $d}) { totalCount } }"
SEARCH = "query($q: String!) { search(query: $q) { totalCount } }"
ADVANCED = "query($q: String!) { search(query: $q, advanced: true) { totalCount } }"


@pytest.mark.parametrize(("document", "variables"), [
    (EVENTS_PAGE, {"n": MAX_PAGE + 1}),
    (EVENTS_PAGE, {"n": 1000}),
    (EVENTS_PAGE, {"n": -1}),
    (EVENTS_PAGE, {"n": "5"}),  # not an Int
    (EVENTS_PAGE, {"n": True}),
    (EVENTS_PAGE, {"n": 2.5}),
    (EVENTS_PAGE, {"a": "zz"}),  # not a cursor
    (EVENTS_PAGE, {"a": cursors.encode("s", 3)}),  # a ranked search's cursor
    (EVENTS_PAGE, {"a": cursors.encode("Event", sample_paths()[2])}),  # an id, not a cursor
    (EVENTS_PAGE, {"a": cursors.encode("e", 3)}),  # a row number, as cursors held before
    (EVENTS_PAGE, {"a": 5}),
    (RANKED, {"a": sample_cursor(5)}),  # a cursor of the other order
    (DATED, {"a": cursors.encode("s", 5)}),
    (DATED, {"a": "!"}),
    (CONTEXTS, {"c": []}),  # an empty list drops the condition
    (CONTEXTS, {"c": None}),
    (CONTEXTS, {}),
    (CONTEXTS, {"c": ["x"] * (MAX_FILTER_CONTEXTS + 1)}),
    (CONTEXTS, {"c": "Syria"}),
    (DATE, {"d": None}),
    (DATE, {"d": "2015-02-30"}),
    (DATE, {"d": "someday"}),
    (SEARCH, {"q": "!!!"}),  # no words: an empty page
    (SEARCH, {"q": ""}),
    (SEARCH, {"q": "a" * (MAX_SEARCH_CHARS + 1)}),
    (SEARCH, {"q": 5}),
    (ADVANCED, {"q": ""}),
    ('{ events(filter: {category: null}) { totalCount } }', {}),  # a null written in the document
])
def test_bind_declines(document: str, variables: dict[str, Any]) -> None:
    plan = compiled(document)
    with pytest.raises(Unsupported):
        plan.bind(variables)


@pytest.mark.parametrize(("document", "variables"), [
    (EVENTS_PAGE, {}),
    (EVENTS_PAGE, {"n": 1, "a": None}),
    (EVENTS_PAGE, {"n": MAX_PAGE, "a": sample_cursor(10)}),
    (RANKED, {"a": cursors.encode("s", 2)}),
    (DATED, {"a": sample_cursor(100)}),
    (CONTEXTS, {"c": ["Syria"]}),
    (CONTEXTS, {"c": ["x"] * MAX_FILTER_CONTEXTS}),
    (DATE, {"d": "2015-09-03"}),
    (SEARCH, {"q": "syria"}),
    (ADVANCED, {"q": "migrant NOT Hungary"}),
])
def test_the_same_plans_bind_good_values(conn: sqlite3.Connection, document: str,
                                         variables: dict[str, Any]) -> None:
    answer = run(conn, document, variables)
    [root] = answer.values()
    assert isinstance(root["totalCount"], int)


def test_bound_values(conn: sqlite3.Connection) -> None:
    plan = compiled("query($n: Int, $a: String, $d: Date) { events(first: $n, after: $a, "
                    'filter: {dateFrom: $d, domain: "WWW.BBC.com"}) { totalCount } }')
    values = plan.bind({"n": 3, "a": sample_cursor(77), "d": "2015-09-03"})
    assert values[:4] == [3, sample_paths()[76], "2015-09-03", "bbc.com"]  # in ?N order (the key is written in)
    assert plan.bind({"d": "2015-09-03"})[:2] == [20, None]  # the default page, from the start


@pytest.mark.parametrize(("value", "written"), [
    ("title", "'title'"), ("_a1", "'_a1'"), (100000, "100000"), (-3, "-3"),
    ("it's", None), ("a b", None), ("1a", None), ("", None), ("é", None), ("a\n", None), (True, None), (1.5, None),
])
def test_only_names_and_integers_are_written_into_the_statement(value: object, written: str | None) -> None:
    assert literal(value) == written  # None: bound as a parameter


def test_response_keys_are_written_in_and_values_bound(conn: sqlite3.Connection) -> None:
    plan = compiled('query($p: String!) { hit: event(path: $p) { t: title } }')
    assert "json_object('hit', " in plan.sql and "json_object('t', e.title)" in plan.sql
    assert plan.bind({"p": sample_paths()[3]}) == [sample_paths()[3]]
    assert run(conn, 'query($p: String!) { hit: event(path: $p) { t: title } }', {"p": sample_paths()[3]}) == {
        "hit": {"t": scalar(conn, "SELECT title FROM events WHERE path = ?", (sample_paths()[3],))}}


def test_a_variable_default_is_bound_and_an_explicit_null_is_not_replaced() -> None:
    plan = compiled("query($n: Int = 7) { events(first: $n) { edges { cursor } } }")
    assert plan.bind({})[0] == 7
    assert plan.bind({"n": 3})[0] == 3
    assert plan.bind({"n": None})[0] == 20  # null: first omitted, the default page


# -- what compiles runs --------------------------------------------------------------------------


def test_the_first_page_of_events(conn: sqlite3.Connection) -> None:
    answer = run(conn, "{ events(first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor }"
                       " edges { cursor node { id title date } } } }")
    newest = conn.execute("SELECT path, title, date FROM events ORDER BY id DESC LIMIT 3").fetchall()
    page = answer["events"]
    assert page["totalCount"] == 133
    assert [edge["node"]["title"] for edge in page["edges"]] == [title for _, title, _ in newest]
    assert page["edges"][0]["node"]["title"] == scalar(conn, "SELECT title FROM events ORDER BY id DESC LIMIT 1")
    assert [edge["cursor"] for edge in page["edges"]] == [cursors.encode("e", path) for path, _, _ in newest]
    assert page["edges"][0]["node"]["id"] == cursors.node_id("Event", newest[0][0])
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False,
                                "endCursor": cursors.encode("e", newest[-1][0])}


def test_the_next_page_oldest_first(conn: sqlite3.Connection) -> None:
    answer = run(conn, "query($a: String) { events(first: 2, after: $a, orderBy: OLDEST_FIRST) {"
                       " pageInfo { hasPreviousPage startCursor } edges { node { date } } } }",
                 {"a": sample_cursor(2)})
    assert answer["events"]["pageInfo"] == {"hasPreviousPage": True, "startCursor": sample_cursor(3)}
    assert [edge["node"]["date"] for edge in answer["events"]["edges"]] == [
        row[0] for row in conn.execute("SELECT date FROM events ORDER BY id LIMIT 2 OFFSET 2")]


def test_a_filtered_count(conn: sqlite3.Connection) -> None:
    answer = run(conn, 'query($c: [String!]) { events(filter: {contextsAll: $c, category: "Armed conflicts and'
                       ' attacks"}) { totalCount } all: events(filter: {}) { totalCount } }',
                 {"c": ["Syrian civil war"]})
    expected = scalar(conn, "SELECT count(*) FROM events e JOIN event_contexts x ON x.event_id = e.id"
                            " JOIN contexts c ON c.id = x.context_id WHERE c.name = 'Syrian civil war'"
                            " AND e.category = 'Armed conflicts and attacks'")
    assert answer == {"events": {"totalCount": expected}, "all": {"totalCount": 133}}
    assert expected > 0


def test_an_event_by_path_with_its_lists(conn: sqlite3.Connection) -> None:
    event_id, path = conn.execute("SELECT id, path FROM events ORDER BY related_count DESC, id LIMIT 1").fetchone()
    spelled = path.replace("/news/", "").removesuffix(".md")
    answer = run(conn, "query($p: String!) { event(path: $p) { path sourceCount sources { name url }"
                       " contexts { name } related { path event { title } } } nope: event(path: \"x\") { title } }",
                 {"p": spelled})
    assert answer["nope"] is None
    event = answer["event"]
    assert event["path"] == path
    assert [(s["name"], s["url"]) for s in event["sources"]] == conn.execute(
        "SELECT name, url FROM sources WHERE event_id = ? ORDER BY position", (event_id,)).fetchall()
    assert len(event["sources"]) == event["sourceCount"]
    assert [c["name"] for c in event["contexts"]] == [row[0] for row in conn.execute(
        "SELECT c.name FROM event_contexts x JOIN contexts c ON c.id = x.context_id WHERE x.event_id = ?"
        " ORDER BY c.name", (event_id,))]
    links = conn.execute("SELECT r.target_path, e.title FROM related r LEFT JOIN events e ON e.id = r.target_id"
                         " WHERE r.event_id = ? ORDER BY r.position", (event_id,)).fetchall()
    assert [(link["path"], link["event"] and link["event"]["title"]) for link in event["related"]] == links
    assert any(title is None for _, title in links) and any(title for _, title in links)


def test_a_ranked_search(conn: sqlite3.Connection) -> None:
    answer = run(conn, '{ search(query: "syria", first: 3) { totalCount pageInfo { hasNextPage endCursor }'
                       " edges { cursor rank snippet node { title } } } }")
    hits = conn.execute("SELECT e.title, round(f.rank, 6) FROM events_fts f JOIN events e ON e.id = f.rowid"
                        " WHERE events_fts MATCH '\"syria\"*' AND f.rank MATCH 'bm25(10.0, 1.0, 5.0)'"
                        " ORDER BY f.rank, f.rowid").fetchall()
    search = answer["search"]
    assert search["totalCount"] == len(hits) > 3
    assert [(edge["node"]["title"], edge["rank"]) for edge in search["edges"]] == hits[:3]
    assert [edge["cursor"] for edge in search["edges"]] == [cursors.encode("s", n) for n in range(3)]
    assert search["pageInfo"] == {"hasNextPage": True, "endCursor": cursors.encode("s", 2)}
    assert all("<mark>" in edge["snippet"] for edge in search["edges"])


def test_a_search_in_date_order(conn: sqlite3.Connection) -> None:
    answer = run(conn, 'query($a: String) { search(query: "migrant", first: 4, after: $a, orderBy: OLDEST_FIRST)'
                       " { edges { cursor node { date } } } }", {"a": sample_cursor(1)})
    paths = [row[0] for row in conn.execute(
        "SELECT e.path FROM events_fts f JOIN events e ON e.id = f.rowid WHERE events_fts MATCH '\"migrant\"*'"
        " AND f.rowid > (SELECT min(id) FROM events) ORDER BY f.rowid LIMIT 4")]
    assert [edge["cursor"] for edge in answer["search"]["edges"]] == [cursors.encode("e", path) for path in paths]


def test_the_timeline(conn: sqlite3.Connection) -> None:
    answer = run(conn, '{ timeline(interval: YEAR) { bucket count } sports: timeline(interval: DAY,'
                       ' filter: {category: "Sports"}) { count } }')
    assert answer["timeline"] == [{"bucket": bucket, "count": count} for bucket, count in conn.execute(
        "SELECT substr(date, 1, 4), count(*) FROM events GROUP BY 1 ORDER BY 1")]
    assert sum(bucket["count"] for bucket in answer["sports"]) == scalar(
        conn, "SELECT count(*) FROM events WHERE category = 'Sports'")


def test_keys_aliases_and_typenames(conn: sqlite3.Connection) -> None:
    answer = run(conn, "{ __typename a: events(first: 1) { __typename edges { n: node { __typename t: title } } } }")
    assert list(answer) == ["__typename", "a"]
    assert answer["__typename"] == "Query"
    assert answer["a"]["__typename"] == "EventConnection"
    assert answer["a"]["edges"][0]["n"] == {
        "__typename": "Event", "t": scalar(conn, "SELECT title FROM events ORDER BY id DESC LIMIT 1")}


def test_a_plan_without_ctes_starts_with_its_object() -> None:
    plan = compiled("{ timeline { count } }")
    assert plan.sql.startswith(COMPILED_SELECT)
    assert plan.bind(None) == []  # its keys are names, written in: nothing to bind
    assert "json_object('timeline', json((SELECT json_group_array(json_object('count', " in plan.sql
