"""The GraphQL API over a database built from the sample, checked against the truth file."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

SEED = ("/news/2016/12/14/aleppo-offensive-november-december-2016-shelling-breaks-the-ceasefire-in-aleppo-"
        "causing-disruption-to-the-evacuation-of-rebels-and-civi.md")

EVENT_FIELDS = """
  id path date title body category
  sources { name url domain }
  contexts { name eventCount }
  related { path title event { path title } contexts { name } }
"""


def richest(truth: dict[str, Any]) -> str:
    """The truth event with the most sources and resolvable related links."""
    return max(truth, key=lambda p: (len(truth[p]["sources"]), sum(r[0] in truth for r in truth[p]["related"])))


async def test_event_by_path_matches_truth(gql_post: Any, truth: dict[str, Any]) -> None:
    for path in [richest(truth), *list(truth)[:20]]:
        want = truth[path]
        data = await gql_post(f"query($p: String!) {{ event(path: $p) {{ {EVENT_FIELDS} }} }}", {"p": path})
        event = data["event"]
        assert (event["path"], event["date"], event["title"], event["body"], event["category"]) == (
            path, want["date"], want["title"], want["body"], want["category"])
        assert [[s["name"], s["url"]] for s in event["sources"]] == want["sources"]
        assert sorted(c["name"] for c in event["contexts"]) == sorted(want["contexts"])
        assert [[r["path"], [c["name"] for c in r["contexts"]]] for r in event["related"]] == want["related"]
        for link in event["related"]:
            if link["path"] in truth:
                assert link["event"] == {"path": link["path"], "title": truth[link["path"]]["title"]}
            else:
                assert link["event"] is None  # dangling: path and title still given
                assert link["title"]


@pytest.mark.parametrize("spelling", [
    SEED,
    SEED.replace("/12/14/", "/12/14/").replace(".md", ""),
    SEED.replace("/news/", "news/"),
    "/news/2016/12/14/" + SEED.rsplit("/", 1)[1],
])
async def test_event_path_in_any_spelling(gql_post: Any, spelling: str) -> None:
    data = await gql_post("query($p: String!) { event(path: $p) { path } }", {"p": spelling})
    assert data["event"] == {"path": SEED}


async def test_unpadded_path_finds_padded_event(gql_post: Any, truth: dict[str, Any]) -> None:
    path = next(p for p in truth if "/09/01/" in p)
    data = await gql_post("query($p: String!) { event(path: $p) { path } }", {"p": path.replace("/09/01/", "/9/1/")})
    assert data["event"]["path"] == path


async def test_missing_event_is_null(gql_post: Any) -> None:
    data = await gql_post('{ a: event(path: "/news/2015/09/01/nope.md") { path } b: event(path: "garbage") { path } '
                          'c: event(path: "/news/2015/02/30/x.md") { path } }')
    assert data == {"a": None, "b": None, "c": None}


async def test_events_newest_first_and_pagination(gql_post: Any, truth: dict[str, Any]) -> None:
    query = """query($after: String, $order: EventOrder) { events(first: 50, after: $after, orderBy: $order) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
        edges { cursor node { path date } } } }"""
    seen: list[dict[str, str]] = []
    after = None
    for _ in range(5):
        page = (await gql_post(query, {"after": after}))["events"]
        assert page["totalCount"] == 133
        seen += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert len(seen) == 133 and len({e["path"] for e in seen}) == 133
    dates = [e["date"] for e in seen]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2016-12-14"
    oldest = (await gql_post(query, {"order": "OLDEST_FIRST"}))["events"]["edges"][0]["node"]
    assert oldest["date"] == "2015-09-01"
    assert set(truth) <= {e["path"] for e in seen}


async def test_filters(gql_post: Any, truth: dict[str, Any]) -> None:
    query = "query($f: EventFilter) { events(first: 100, filter: $f) { totalCount edges { node { path } } } }"

    async def paths(filter_: dict[str, Any]) -> set[str]:
        page = (await gql_post(query, {"f": filter_}))["events"]
        assert page["totalCount"] == len(page["edges"])
        return {edge["node"]["path"] for edge in page["edges"]}

    assert await paths({"dateFrom": "2015-09-03", "dateTo": "2015-09-04"}) == {
        p for p, t in truth.items() if "2015-09-03" <= t["date"] <= "2015-09-04"}
    assert await paths({"category": "Law and crime"}) == {
        p for p, t in truth.items() if t["category"] == "Law and crime"}
    assert await paths({"contextsAny": ["Syria", "Turkey"]}) == {
        p for p, t in truth.items() if {"Syria", "Turkey"} & set(t["contexts"])}
    assert await paths({"contextsAll": ["Syria", "Russia"]}) == {
        p for p, t in truth.items() if {"Syria", "Russia"} <= set(t["contexts"])}
    assert await paths({"publisher": "BBC"}) - {SEED} == {
        p for p, t in truth.items() if any(s[0] == "BBC" for s in t["sources"])}
    bbc = await paths({"domain": "www.bbc.co.uk"})
    assert bbc and bbc == await paths({"domain": "bbc.co.uk"})


async def test_context_counts_and_events(gql_post: Any, truth: dict[str, Any]) -> None:
    counts = Counter(name for t in truth.values() for name in t["contexts"])
    name, count = counts.most_common(1)[0]
    data = await gql_post("""query($n: String!) { context(name: $n) { name eventCount
        events(first: 100) { totalCount edges { node { path } } }
        coOccurring(first: 3) { count context { name } } timeline(interval: DAY) { bucket count } } }""", {"n": name})
    context = data["context"]
    assert context["eventCount"] == count  # the seed file is not in the truth, but shares no top context
    assert {e["node"]["path"] for e in context["events"]["edges"]} == {
        p for p, t in truth.items() if name in t["contexts"]}
    assert sum(b["count"] for b in context["timeline"]) == count
    top = context["coOccurring"][0]
    together = sum(1 for t in truth.values() if name in t["contexts"] and top["context"]["name"] in t["contexts"])
    assert top["count"] == together
    assert (await gql_post('{ context(name: "No such context") { name } }'))["context"] is None


async def test_recursive_related_both_ways(gql_post: Any, truth: dict[str, Any]) -> None:
    path = richest(truth)
    nested = await gql_post("""query($p: String!) { event(path: $p) { related { event { path
        related { event { path related { event { path } } } } } } } }""", {"p": path})
    level1 = [r["event"]["path"] for r in nested["event"]["related"] if r["event"]]
    assert level1 == [r[0] for r in truth[path]["related"] if r[0] in truth]
    graph = (await gql_post("""query($p: String!) { event(path: $p) { id relatedGraph(depth: 2, limit: 500) {
        nodes { depth event { id path } } edges { source target } } } }""", {"p": path}))["event"]
    nodes = {n["event"]["path"]: n["depth"] for n in graph["relatedGraph"]["nodes"]}
    assert nodes[path] == 0
    assert {p for p, d in nodes.items() if d == 1} == set(level1) - {path}
    two_hops = {t for p in level1 for t, _ in truth[p]["related"] if t in truth} - set(level1) - {path}
    assert {p for p, d in nodes.items() if d == 2} == two_hops
    ids = {n["event"]["id"] for n in graph["relatedGraph"]["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["relatedGraph"]["edges"])
    assert len(graph["relatedGraph"]["edges"]) > len(level1)  # cycles are edges, not new nodes


async def test_search_rank_and_snippet(gql_post: Any) -> None:
    data = await gql_post('{ search(query: "Aleppo", first: 5) { totalCount '
                          'edges { rank snippet node { title } } pageInfo { hasNextPage endCursor } } }')
    result = data["search"]
    assert result["totalCount"] >= 2
    ranks = [edge["rank"] for edge in result["edges"]]
    assert ranks == sorted(ranks)
    assert all("<mark>" in edge["snippet"] for edge in result["edges"])
    advanced = await gql_post('{ search(query: "migrant NOT Hungary", advanced: true) { edges { node { title } } } }')
    assert advanced["search"]["edges"] and all(
        "Hungary" not in edge["node"]["title"] for edge in advanced["search"]["edges"])


async def test_search_in_date_order_pages_through_every_hit(gql_post: Any) -> None:
    query = """query($o: SearchOrder, $a: String) { search(query: "syria", first: 4, orderBy: $o, after: $a) {
        totalCount edges { cursor rank snippet node { id date path } } pageInfo { hasNextPage hasPreviousPage } } }"""
    ranked = await gql_post(query, {"o": "RELEVANCE"})
    total = ranked["search"]["totalCount"]
    assert total > 8  # enough for several pages
    for order in ("NEWEST_FIRST", "OLDEST_FIRST"):
        hits: list[dict[str, Any]] = []
        after, pages = None, 0
        while True:
            page = (await gql_post(query, {"o": order, "a": after}))["search"]
            assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
            hits += page["edges"]
            pages += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["edges"][-1]["cursor"]
        assert len(hits) == total and pages == -(-total // 4)
        keys = [(edge["node"]["date"], edge["node"]["path"]) for edge in hits]
        assert keys == sorted(keys, reverse=order == "NEWEST_FIRST")  # ids follow (date, slug)
        assert all("<mark>" in edge["snippet"] and edge["rank"] < 0 for edge in hits)
    by_rank = ranked["search"]["edges"]
    assert [edge["rank"] for edge in by_rank] == sorted(edge["rank"] for edge in by_rank)


async def test_search_cursor_of_another_order_is_refused(client: Any) -> None:
    query = 'query($o: SearchOrder, $a: String) { search(query: "syria", first: 2, orderBy: $o, after: $a) { %s } }'
    first = await client.post("/graphql", json={"query": query % "pageInfo { endCursor }", "variables": {}})
    cursor = first.json()["data"]["search"]["pageInfo"]["endCursor"]
    response = await client.post("/graphql", json={"query": query % "edges { cursor }",
                                                      "variables": {"o": "NEWEST_FIRST", "a": cursor}})
    error = response.json()["errors"][0]
    assert "another orderBy" in error["message"] and error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_node_refetch(gql_post: Any) -> None:
    data = await gql_post('{ events(first: 1) { edges { node { id title contexts { id name } } } } }')
    event = data["events"]["edges"][0]["node"]
    again = await gql_post("query($id: ID!) { node(id: $id) { id ... on Event { title } } }", {"id": event["id"]})
    assert again["node"] == {"id": event["id"], "title": event["title"]}
    context = event["contexts"][0]
    again = await gql_post("query($id: ID!) { node(id: $id) { ... on Context { name } } }", {"id": context["id"]})
    assert again["node"] == {"name": context["name"]}
    assert (await gql_post('{ node(id: "bm9wZQ") { id } }'))["node"] is None


async def test_days_timeline_publishers(gql_post: Any, truth: dict[str, Any]) -> None:
    data = await gql_post("""{ day(date: "2015-09-01") { eventCount categories { name events { path } } }
        timeline(interval: MONTH) { bucket count } publishers(first: 3) { name eventCount }
        days(first: 3, orderBy: OLDEST_FIRST) { date eventCount } }""")
    on_day = {p: t["category"] for p, t in truth.items() if t["date"] == "2015-09-01"}
    assert data["day"]["eventCount"] == len(on_day)
    assert {(e["path"], c["name"]) for c in data["day"]["categories"] for e in c["events"]} == set(on_day.items())
    assert {b["bucket"]: b["count"] for b in data["timeline"]} == {"2015-09": 132, "2016-12": 1}
    publishers = Counter(name for t in truth.values() for name in {s[0] for s in t["sources"]})
    top = data["publishers"][0]
    assert top["eventCount"] >= publishers[top["name"]] == max(publishers.values())
    assert [d["date"] for d in data["days"]] == ["2015-09-01", "2015-09-02", "2015-09-03"]
