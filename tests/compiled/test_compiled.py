"""The compiled path (one SQL statement per query) answers exactly as the resolvers do."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from gql.web.app import create_app
from tests.compiled import COMPILED_SELECT
from tests.support.rows import sample_cursor

EVENT = """path date title story body category sourceCount relatedCount __typename id
  sources { name url domain __typename }
  contexts { name eventCount id }
  related { path title contexts { name } event { title date sources { url } related { path event { title } } } }"""

CASES: list[tuple[str, dict[str, Any]]] = [
    (f"query($p: String!) {{ event(path: $p) {{ {EVENT} }} }}", {}),
    ("query($p: String!) { a: event(path: $p) { t: title } b: event(path: $p) { path } }", {}),
    # fragments inlined and fields of one response key merged, as GraphQL executes them
    ("query($p: String!) { event(path: $p) { title ...E sources { name } ... on Event { sources { url } date } "
     "related { title ...R } } } fragment E on Event { title path sources { domain } } "
     "fragment R on RelatedEvent { path event { ...E title } }", {}),
    ("query Q { events(first: 2) { edges { node { title title } ...Edge } ... { totalCount } } } "
     "fragment Edge on EventEdge { cursor node { path title } }", {}),
    ('{ event(path: "/news/2015/9/1/nope") { title } missing: event(path: "not a path") { title } }', {}),
    ("query Q2 { events(first: 50) { edges { node { path date title sources { name url } } } } }", {}),
    ("query($n: Int, $a: String) { events(first: $n, after: $a) { totalCount __typename "
     "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { title } } } }",
     {"n": 7}),
    ("{ events(first: 5, orderBy: OLDEST_FIRST) { pageInfo { endCursor hasNextPage } edges { node { date } } } }", {}),
    ("{ events { edges { node { path } } } __typename }", {}),
    ("{ timeline { bucket count __typename } y: timeline(interval: YEAR) { count } "
     "d: timeline(interval: DAY) { bucket } }", {}),
    ('{ search(query: "migrant crisis", first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage '
     "startCursor endCursor } edges { cursor rank snippet node { title sources { name } } } } }", {}),
    ('query($a: String) { search(query: "syria", first: 2, after: $a) { edges { cursor node { path } } '
     "pageInfo { endCursor hasNextPage } } }", {"a": "czox"}),
    ('{ search(query: "migrant NOT Hungary", advanced: true) { edges { node { title } } } }', {}),
    ('{ search(query: "zzzznothing") { totalCount edges { node { title } } pageInfo { startCursor } } }', {}),
    ('query($a: String) { search(query: "migrant", first: 3, after: $a, orderBy: NEWEST_FIRST) { totalCount '
     "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor rank snippet node { date } } } }",
     {"a": None}),
    ('query($a: String) { search(query: "syria", first: 2, after: $a, orderBy: OLDEST_FIRST) { edges { cursor '
     "node { path sources { url } } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }",
     {"a": sample_cursor(40)}),
    ('{ search(query: "zzzznothing", orderBy: OLDEST_FIRST) { edges { cursor } pageInfo { startCursor } } }', {}),
    ("query($c: [String!]) { timeline(interval: MONTH, filter: {contextsAny: $c}) { bucket count } "
     "d: timeline(interval: DAY, filter: {contextsAll: [\"Syrian civil war\", \"Syria\"]}) { bucket count } }",
     {"c": ["Syrian civil war", "European migrant crisis"]}),
    ("query($c: [String!], $f: Date) { timeline(filter: {contextsAny: $c, dateFrom: $f}) { count } }",
     {"c": [], "f": "2015-09-03"}),
    ('query($a: String, $d: Date) { events(first: 4, after: $a, filter: {dateFrom: $d, dateTo: "2015-09-20", '
     'publisher: "BBC", domain: "WWW.bbc.co.uk"}) { totalCount pageInfo { hasNextPage endCursor } '
     "edges { cursor node { date title sources { name } } } } }", {"d": "2015-09-02", "a": sample_cursor(90)}),
    ('query($c: [String!]) { events(first: 5, orderBy: OLDEST_FIRST, filter: {contextsAll: $c, category: '
     '"Armed conflicts and attacks"}) { totalCount edges { node { path category contexts { name } } } } }',
     {"c": ["Syrian civil war"]}),
    ("query($c: [String!]) { events(first: 3, filter: {contextsAll: $c}) { totalCount edges { node { path } } } "
     "n: events(filter: {}) { totalCount } }", {"c": ["Syria", "Syria", "Nowhere"]}),
    ('query($c: [String!]) { events(first: 6, filter: {contextsNone: $c, dateTo: "2015-09-05"}) { totalCount '
     'edges { node { path contexts { name } } } } t: timeline(filter: {contextsNone: ["Syria"]}) { count } }',
     {"c": ["Syria", "European migrant crisis"]}),
    ("query($p: String!) { event(path: $p) { related { event { related { title event { related { event { "
     "title related { path event { path sources { url } } } } } } } } } } }", {}),
    ("{ events(first: 8) { edges { node { related { event { title related { event { related { event { "
     "title } } } } } } } } } }", {}),
    # composed filters, the text filter and a filtered search
    ('query($c: [String!]) { events(first: 9, filter: {or: [{contextsAny: $c}, {category: "Law and crime"}], '
     'not: {dateFrom: "2016-01-01"}, and: [{text: "police"}, {}]}) { totalCount edges { node { path } } } '
     'n: events(filter: {or: [], and: []}) { totalCount } t: timeline(interval: YEAR, filter: {not: {not: '
     '{contextsAll: $c}}}) { bucket count } }', {"c": ["Syria"]}),
    ('query($w: String) { events(first: 4, filter: {text: $w, or: {category: "Armed conflicts and attacks"}}) '
     '{ totalCount edges { cursor node { path } } } }', {"w": "attack"}),
    ('query($w: String!) { search(query: $w, first: 4, filter: {dateFrom: "2015-09-05", not: {category: '
     '"Law and crime"}}) { totalCount pageInfo { hasNextPage endCursor } edges { cursor rank snippet node { path '
     'category } } } s: search(query: $w, orderBy: OLDEST_FIRST, first: 3, filter: {contextsAny: ["Syria"]}) '
     '{ totalCount edges { cursor node { date } } } }', {"w": "syria"}),
    # pages read backward, from the end or from a cursor, filtered, in either order
    ("query($b: String) { events(last: 3, before: $b) { totalCount pageInfo { hasNextPage hasPreviousPage "
     "startCursor endCursor } edges { cursor node { path } } } }", {"b": sample_cursor(60)}),
    ("{ events(last: 4, orderBy: OLDEST_FIRST, filter: {contextsAny: [\"Syria\"]}) { pageInfo { hasNextPage "
     "hasPreviousPage startCursor } edges { cursor node { date } } } }", {}),
    ("query($b: String) { events(last: 100, before: $b, orderBy: OLDEST_FIRST) { pageInfo { hasNextPage "
     "hasPreviousPage } edges { cursor } } }", {"b": sample_cursor(5)}),
    ("query($b: String) { search(query: \"syria\", last: 2, before: $b, orderBy: NEWEST_FIRST, filter: "
     "{dateFrom: \"2015-09-02\"}) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
     "edges { cursor rank node { path } } } }", {"b": sample_cursor(90)}),
    ("{ search(query: \"migrant\", last: 3, orderBy: OLDEST_FIRST) { pageInfo { hasNextPage hasPreviousPage } "
     "edges { cursor snippet } } }", {}),
    # empty pages, and facets of a small set (a big one's are the resolvers', from the build's rollups)
    ("query($b: String) { events(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor "
     "endCursor } edges { cursor } } l: events(last: 0, before: $b) { pageInfo { hasNextPage hasPreviousPage } } }",
     {"b": sample_cursor(40)}),
    ("query($c: [String!], $n: Int) { events(first: 0, filter: {contextsAny: $c}) { totalCount facets { __typename "
     "contexts(first: $n) { count context { id name eventCount __typename } } publishers { value count } "
     "domains(first: 1) { value count __typename } categories(first: 100) { value count } years { bucket count } } } "
     "s: search(query: \"syria\", first: 1, filter: {dateFrom: \"2015-09-05\"}) { facets { categories { value count } "
     "c: contexts(first: 3) { count context { name } } } } }", {"c": ["Syria", "Russia"], "n": 4}),
    # fields the compiler does not know: it declines, the resolvers answer
    ("query($p: String!) { archive { eventCount firstDate resolvedShare } event(path: $p) { linkedFromCount "
     "relatedGraph(depth: 1, direction: BOTH) { nodes { depth event { path linkedFromCount } } } } }", {}),
    ("{ events(first: 5) { edges { node { path linkedFromCount } } } onThisDay(month: 9, day: 3) { title } }", {}),
    ("query($p: String!, $q: String! = \"/news/2016/12/14/aleppo-offensive-november-december-2016-shelling-"
     "breaks-the-ceasefire-in-aleppo-causing-disruption-to-the-evacuation-of-rebels-and-civi\") "
     "{ a: event(path: $q) { title } b: event(path: $p) { title } }", {}),
]


BACKLINKS = ("query($p: String!) { event(path: $p) { linkedFromCount linkedFrom(first: 3) { totalCount __typename "
             "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { title "
             "contexts { name } event { path sources { name } related { event { title } } } } } } } "
             "events(first: 6) { edges { node { linkedFrom { totalCount edges { node { title } } } } } } }")


async def test_backlinks_compile_as_the_resolvers_answer(sample_db: Path) -> None:
    """The first page of ``linkedFrom``, nested in two places, of the most cited events."""
    with sqlite3.connect(sample_db) as conn:
        cited = [row[0] for row in conn.execute(
            "SELECT e.path FROM events e JOIN related r ON r.target_id = e.id GROUP BY e.id"
            " ORDER BY count(*) DESC, e.id LIMIT 3")]
    for path in cited:
        reference = await answers(sample_db, False, BACKLINKS, {"p": path})
        assert await answers(sample_db, True, BACKLINKS, {"p": path}) == reference
        assert all("errors" not in body and body["data"]["event"]["linkedFrom"]["totalCount"] > 1
                   for _, body, _ in reference)
    app = create_app(sample_db, response_cache=False, max_age=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        executors = [(await http.post("/graphql", json={"query": BACKLINKS, "variables": {"p": cited[0]},
                                                        "extensions": {"cost": True}})).json()["extensions"]["cost"]
                     ["executor"] for _ in range(2)]
    assert executors == ["resolvers", "compiled"]


def event_paths(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute(
            "SELECT path FROM events ORDER BY related_count DESC, source_count DESC LIMIT 5")]


async def answers(db: Path, compiled: bool, query: str, variables: dict[str, Any]) -> list[Any]:
    app = create_app(db, compiled=compiled, max_age=0)
    app.state.follower.archive.executor.cache.max_entries = 0  # every request answered afresh
    out = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for path in event_paths(db):
            values = {"p": path, **variables}
            for _ in range(2):  # the second request takes the compiled path, when there is one
                response = await http.post("/graphql", json={"query": query, "variables": values})
                out.append((response.status_code, response.json(), response.text))  # bytes too: key order, no twins
    return out


@pytest.mark.parametrize(("query", "variables"), CASES)
async def test_compiled_equals_resolvers(sample_db: Path, query: str, variables: dict[str, Any]) -> None:
    reference = await answers(sample_db, False, query, variables)
    fast = await answers(sample_db, True, query, variables)
    assert fast == reference
    assert all("errors" not in body for _, body, _ in reference)


async def test_compiled_path_is_taken_with_one_statement(sample_db: Path) -> None:
    app = create_app(sample_db, max_age=0)
    statements: list[str] = []
    app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
    query = f"query($p: String!) {{ event(path: $p) {{ {EVENT} }} }}"
    paths = event_paths(sample_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        await http.post("/graphql", json={"query": query, "variables": {"p": paths[0]}})
        statements.clear()
        response = await http.post("/graphql", json={"query": query, "variables": {"p": paths[1]}})
    assert response.json()["data"]["event"]["path"] == paths[1]
    assert len(statements) == 1 and COMPILED_SELECT in statements[0]


@pytest.mark.parametrize(("query", "variables"), [
    (CASES[0][0], {}),
    *(case for case in CASES if "fragment" in case[0]),
    *(case for case in CASES if "filter" in case[0] and '[]' not in str(case[1])),
    *(case for case in CASES if "search" in case[0] and "zzzz" not in case[0]),
])
async def test_compiled_path_answers_in_one_statement(sample_db: Path, query: str, variables: dict[str, Any]) -> None:
    """The shapes the compiler claims are answered by it, not silently by the resolvers."""
    app = create_app(sample_db, max_age=0)
    app.state.follower.archive.executor.cache.max_entries = 0
    statements: list[str] = []
    app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
    values = {"p": event_paths(sample_db)[0], **variables}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        first = await http.post("/graphql", json={"query": query, "variables": values})
        statements.clear()
        again = await http.post("/graphql", json={"query": query, "variables": values})
    assert again.json() == first.json() and "errors" not in first.json()
    ours = [statement for statement in statements if not statement.startswith("-- ")]  # not FTS5's own
    assert len(ours) == 1 and COMPILED_SELECT in ours[0], ours


@pytest.mark.parametrize(("query", "variables"), [
    ("query($c: [String!]) { events(filter: {contextsAny: $c}) { totalCount } }", {"c": ["x"] * 21}),
    ("query($d: Date) { timeline(filter: {dateFrom: $d}) { count } }", {"d": "2015-13-01"}),
    ("query($n: Int) { events(first: $n) { totalCount } }", {"n": 1000}),
    ("query($n: Int) { events(first: $n) { totalCount } }", {"n": "x"}),
    ("query($a: String) { events(first: 1, after: $a) { totalCount } }", {"a": "garbage"}),
    ("query($p: String!) { event(path: $p) { title } }", {"p": 5}),
    ("query($p: String!) { event(path: $p) { title } }", {}),
])
async def test_bad_arguments_fall_back_to_the_resolvers_errors(sample_db: Path, query: str,
                                                                variables: dict[str, Any]) -> None:
    app = create_app(sample_db, max_age=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        good = {"n": 2, "a": None, "p": event_paths(sample_db)[0], "c": ["Syria"], "d": "2015-09-01"}
        await http.post("/graphql", json={"query": query, "variables": good})  # learn the document
        response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.json()["errors"][0]["message"]


async def test_a_new_operation_name_reuses_the_plan(sample_db: Path) -> None:
    """Clients that name each request anew send the same query as new text: one plan serves all."""
    app = create_app(sample_db, max_age=0)
    statements: list[str] = []
    app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
    query = "query %s { events(first: 3) { edges { node { path sources { name } } } } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        first = await http.post("/graphql", json={"query": query % "Newest1", "operationName": "Newest1"})
        statements.clear()
        again = await http.post("/graphql", json={"query": query % "Newest2", "operationName": "Newest2"})
        assert len(statements) == 1 and COMPILED_SELECT in statements[0]
        assert again.json() == first.json() and len(first.json()["data"]["events"]["edges"]) == 3
        unnamed = await http.post("/graphql", json={"query": query % "Newest3"})
        assert unnamed.json() == first.json()
        # the name still matters where GraphQL says it does: each of these is the resolvers' error
        wrong = await http.post("/graphql", json={"query": query % "Newest4", "operationName": "Other"})
        assert wrong.json()["errors"][0]["message"] == "Unknown operation named 'Other'."
        two = await http.post("/graphql", json={"query": query % "Newest5" + " " + query % "Newest5",
                                                "operationName": "Newest5"})
        assert "errors" in two.json() and "data" not in two.json()


async def test_fragments_spread_many_times_compile_in_their_size(sample_db: Path) -> None:
    """Ten fragments each spreading the next ten times: read once each, as GraphQL does."""
    chain = " ".join(f"fragment F{i} on Event {{ title {' '.join([f'...F{i + 1}'] * 10)} }}" for i in range(9))
    query = f"{{ events(first: 2) {{ edges {{ node {{ ...F0 }} }} }} }} {chain} fragment F9 on Event {{ path }}"
    reference = await answers(sample_db, False, query, {})
    assert reference[0][1]["data"]["events"]["edges"][0]["node"].keys() == {"title", "path"}
    assert await answers(sample_db, True, query, {}) == reference


def _literal_documents(db: Path) -> list[str]:
    """One query shape written with other strings each time, some of them errors."""
    paths = event_paths(db)
    event = "{ event(path: %s) { title sources { url } related { event { path } } } }"
    search = "{ search(query: %s, first: 2, after: %s) { edges { cursor node { title } } } }"
    filtered = ("{ events(first: 3, filter: {contextsAny: [%s, %s], dateFrom: %s}) "
                "{ totalCount edges { node { path } } } }")
    return [
        *(event % f'"{path}"' for path in paths),
        event % '"not a path"', event % '"""/news/2015/9/1/x"""', event % '"\\u002Fnews"',
        search % ('"syria"', '"czow"'), search % ('"aleppo"', '"czox"'), search % ('"x"', '"garbage!"'),
        search % ('"' + "a" * 501 + '"', '"czow"'), search % ('"syria"', f'"{sample_cursor(1)}"'),
        filtered % ('"Syria"', '"Syrian civil war"', '"2015-09-02"'), filtered % ('"Syria"', '"Nope"', '"2015-09-30"'),
        filtered % ('"Syria"', '"Syria"', '"2015-13-01"'), filtered % ('"Syria"', '"x"', '"yesterday"'),
        # one response key twice: equal arguments merge, different ones are a validation error
        *(f'{{ e: event(path: "{a}") {{ title }} e: event(path: "{b}") {{ date }} }}'
          for a, b in ((paths[0], paths[0]), (paths[0], paths[1]), (paths[1], paths[1]))),
    ]


async def test_documents_differing_in_strings_share_a_plan_and_answer_as_the_resolvers(sample_db: Path) -> None:
    documents = _literal_documents(sample_db)
    replies: dict[bool, list[tuple[int, str]]] = {}
    statements: list[str] = []
    for compiled in (False, True):
        app = create_app(sample_db, compiled=compiled, max_age=0)
        app.state.follower.archive.executor.cache.max_entries = 0
        app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            replies[compiled] = []
            for document in documents:
                statements.clear()
                response = await http.post("/graphql", json={"query": document})
                replies[compiled].append((response.status_code, response.text))
                if compiled and document is documents[1]:  # the shape was learned from documents[0]
                    assert [s for s in statements if not s.startswith("-- ")] == [statements[0]]
                    assert COMPILED_SELECT in statements[0]
    assert replies[True] == replies[False]
    errors = [text for _, text in replies[False] if '"errors"' in text]
    assert len(errors) == 6, errors  # garbage cursor, 501 characters, a search cursor, two bad dates, a conflict
    assert "conflict" in errors[-1] and '"e":' in replies[False][-1][1]  # and the last pair answers


@pytest.mark.parametrize(("filter_", "executor"), [('{contextsAny: ["Syria"]}', "compiled"), ("{}", "resolvers"),
                                                   ('{dateFrom: "2015-09-02"}', "resolvers")])
async def test_facets_of_a_big_set_are_the_resolvers(sample_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                     filter_: str, executor: str) -> None:
    """A set of MIN_CONTEXT_EVENTS events or more gets no answer from the plan (its guard holds): the
    resolvers answer, from the build's rollups where there are some. Here the bound is lowered to 50."""
    monkeypatch.setattr("gql.compiled.facets.MIN_CONTEXT_EVENTS", 50)
    query = (f"{{ events(first: 2, filter: {filter_}) {{ totalCount facets {{ contexts(first: 3) "
             "{ count context { name } } categories { value count } years { bucket count } } } }")
    reference = await answers(sample_db, False, query, {})
    assert await answers(sample_db, True, query, {}) == reference
    app = create_app(sample_db, response_cache=False, max_age=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        bodies = [(await http.post("/graphql", json={"query": query, "extensions": {"cost": True}})).json()
                  for _ in range(2)]
    assert [body["extensions"]["cost"]["executor"] for body in bodies] == ["resolvers", executor]
    assert (bodies[1]["data"]["events"]["totalCount"] >= 50) == (executor == "resolvers")
