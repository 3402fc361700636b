"""One filter everywhere (issue 12, item 1): ``text``, ``and``/``or``/``not``, and ``filter:`` on
``search``, ``Context.events`` and ``Context.timeline``, asserted against the sample's ground truth.

The expected sets are computed from the truth file (contexts, categories, dates) in Python, never
from the SQL under test; the ``text`` filter is checked against ``search``, the other way in.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gql.limits import MAX_FILTER_FIELDS, MAX_FILTER_NESTING, MAX_SEARCH_CHARS

PAGE = ("query($f: EventFilter, $a: String) { events(first: 100, after: $a, filter: $f) { totalCount "
        "pageInfo { hasNextPage endCursor } edges { node { path } } } }")
CONFLICT = "Armed conflicts and attacks"


async def matched(gql_post: Any, filter_: dict[str, Any]) -> list[str]:
    """Every event ``filter_`` holds, newest first (two pages of 100 hold the sample)."""
    paths: list[str] = []
    after = None
    while True:
        page = (await gql_post(PAGE, {"f": filter_, "a": after}))["events"]
        paths += [edge["node"]["path"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(paths)
            return paths
        after = page["pageInfo"]["endCursor"]


def where(truth: dict[str, Any], holds: Any) -> set[str]:
    return {path for path, event in truth.items() if holds(event)}


async def test_or_and_not_compose_as_sets(gql_post: Any, truth: dict[str, Any]) -> None:
    syria, conflict = {"contextsAny": ["Syria"]}, {"category": CONFLICT}
    a = where(truth, lambda e: "Syria" in e["contexts"])
    b = where(truth, lambda e: e["category"] == CONFLICT)
    everything = set(truth)
    assert a and b and a - b and a & b  # overlapping, neither inside the other

    async def found(filter_: dict[str, Any]) -> set[str]:
        """The events of the truth file that ``filter_`` holds (the archive has one more, the
        corpus's original file, which the truth does not describe)."""
        paths = await matched(gql_post, filter_)
        assert len(paths) == len(set(paths))
        return set(paths) & everything

    assert await found({"or": [syria, conflict]}) == a | b
    assert await found({"and": [syria, conflict]}) == a & b == await found({**syria, **conflict})
    assert await found({"not": syria}) == everything - a
    # an event without a category is one that is not in CONFLICT: NOT is two-valued
    uncategorised = where(truth, lambda e: e["category"] is None)
    assert await found({"not": conflict}) == everything - b >= uncategorised
    assert await found({"not": {"or": [syria, conflict]}}) == everything - (a | b)
    assert await found({"and": [{"not": syria}, {"not": conflict}]}) == everything - (a | b)
    # the identities: an empty `or` holds for no event, an empty `and` (and an empty filter) for all
    assert await found({"or": []}) == set()
    assert await found({"and": []}) == everything == await found({})
    assert await found({"not": {}}) == set()
    # one filter where a list goes is a list of one (GraphQL input coercion)
    assert await found({"or": syria}) == a
    # nested to the limit, beside other fields at every level
    september = where(truth, lambda e: e["date"] <= "2015-09-30")
    nested = {"dateTo": "2015-09-30", "or": [{"not": {"and": [{"not": syria}]}}, {"and": [conflict]}]}
    assert await found(nested) == (a | b) & september


async def test_the_text_filter_is_search_s_match(gql_post: Any, truth: dict[str, Any]) -> None:
    hits = await gql_post('{ search(query: "migrant", first: 100) { totalCount edges { node { path } } } }')
    searched = {edge["node"]["path"] for edge in hits["search"]["edges"]}
    assert hits["search"]["totalCount"] == len(searched) > 3
    assert set(await matched(gql_post, {"text": "migrant"})) == searched
    for path in searched:  # every hit has a word starting so (the last word is a prefix)
        event = truth[path]
        text = " ".join([event["title"], event["body"], *event["contexts"]]).lower()
        assert "migrant" in text
    late = set(await matched(gql_post, {"text": "migrant", "dateFrom": "2015-09-05"}))
    assert late == {path for path in searched if truth[path]["date"] >= "2015-09-05"} != searched
    assert set(await matched(gql_post, {"not": {"text": "migrant"}})) & set(truth) == set(truth) - searched


async def test_search_takes_a_filter(gql_post: Any, truth: dict[str, Any]) -> None:
    query = ("query($o: SearchOrder, $f: EventFilter) { search(query: \"syria\", first: 100, orderBy: $o, "
             "filter: $f) { totalCount edges { node { path } } } }")
    for order in ("RELEVANCE", "NEWEST_FIRST", "OLDEST_FIRST"):
        every = [edge["node"]["path"] for edge in (await gql_post(query, {"o": order}))["search"]["edges"]]
        narrowed = (await gql_post(query, {"o": order, "f": {"not": {"category": CONFLICT}}}))["search"]
        expected = [path for path in every if truth[path]["category"] != CONFLICT]
        assert [edge["node"]["path"] for edge in narrowed["edges"]] == expected  # same order, fewer hits
        assert narrowed["totalCount"] == len(expected) and 0 < len(expected) < len(every)


async def test_a_context_s_events_and_timeline_take_a_filter(gql_post: Any, truth: dict[str, Any]) -> None:
    data = await gql_post(
        '{ context(name: "European migrant crisis") { eventCount events(first: 100, filter: {not: {dateTo: '
        '"2015-09-05"}}) { totalCount edges { node { path } } } timeline(interval: DAY, filter: {category: '
        '"International relations"}) { bucket count } } }')
    crisis = where(truth, lambda e: "European migrant crisis" in e["contexts"])
    events = data["context"]["events"]
    later = {path for path in crisis if truth[path]["date"] > "2015-09-05"}
    assert {edge["node"]["path"] for edge in events["edges"]} == later and events["totalCount"] == len(later)
    assert 0 < len(later) < data["context"]["eventCount"] == len(crisis)
    days: dict[str, int] = {}
    for path in crisis:
        if truth[path]["category"] == "International relations":
            days[truth[path]["date"]] = days.get(truth[path]["date"], 0) + 1
    assert data["context"]["timeline"] == [{"bucket": day, "count": n} for day, n in sorted(days.items())]
    assert days


def nested(levels: int) -> dict[str, Any]:
    """A filter of ``levels`` levels: the top one, then ``not`` inside ``not``."""
    filter_: dict[str, Any] = {"dateFrom": "2015-09-01"}
    for _ in range(levels - 1):
        filter_ = {"not": filter_}
    return filter_


def written(filter_: Any) -> str:
    """A filter as a GraphQL literal."""
    if isinstance(filter_, dict):
        return "{" + ", ".join(f"{key}: {written(value)}" for key, value in filter_.items()) + "}"
    if isinstance(filter_, list):
        return "[" + ", ".join(written(value) for value in filter_) + "]"
    return f'"{filter_}"'


@pytest.mark.parametrize(("filter_", "message"), [
    (nested(MAX_FILTER_NESTING + 1), f"filter nested too deep: at most {MAX_FILTER_NESTING - 1} levels of and/or/not"),
    ({"or": [{"category": f"c{i}"} for i in range(MAX_FILTER_FIELDS)]},
     f"filter too large: at most {MAX_FILTER_FIELDS} fields at all levels"),
    ({"text": "!?"}, "invalid filter value: text: no words to search for"),
    ({"text": "w" * (MAX_SEARCH_CHARS + 1)}, f"search query too long ({MAX_SEARCH_CHARS} characters at most)"),
])
async def test_filters_beyond_the_limits_are_refused_by_name(client: httpx.AsyncClient, filter_: dict[str, Any],
                                                             message: str) -> None:
    """The same error as a variable (the resolvers) and written into the document (validation, when
    the shape or the length is wrong; a value with no words is the resolvers' either way)."""
    for body in ({"query": PAGE, "variables": {"f": filter_}},
                 {"query": "{ events(filter: " + written(filter_) + ") { totalCount } }"},
                 {"query": '{ search(query: "a", filter: ' + written(filter_) + ") { totalCount } }"}):
        response = await client.post("/graphql", json=body)
        assert response.status_code in (200, 400)
        errors = response.json()["errors"]
        assert [error["message"] for error in errors] == [message]
        assert errors[0]["extensions"]["code"] in ("BAD_USER_INPUT", "LIMIT_EXCEEDED")


async def test_a_filter_at_the_limits_is_answered(gql_post: Any) -> None:
    every = (await gql_post(PAGE, {"f": {}}))["events"]["totalCount"]
    assert (await gql_post(PAGE, {"f": nested(MAX_FILTER_NESTING)}))["events"]["totalCount"] == every  # 4 NOTs
    many = {"or": [{"category": f"c{i}"} for i in range(MAX_FILTER_FIELDS - 2)] + [{"category": CONFLICT}]}
    assert (await gql_post(PAGE, {"f": many}))["events"]["totalCount"] == 29


async def test_the_facets_of_a_filtered_search_count_the_filtered_hits(gql_post: Any, truth: dict[str, Any]) -> None:
    data = await gql_post('{ search(query: "syria", first: 100, filter: {not: {category: "' + CONFLICT + '"}}) '
                          "{ totalCount edges { node { path } } facets { categories(first: 100) { value count } } } }")
    hits = [edge["node"]["path"] for edge in data["search"]["edges"]]
    counts: dict[str, int] = {}
    for path in hits:
        counts[truth[path]["category"]] = counts.get(truth[path]["category"], 0) + 1
    found = {item["value"]: item["count"] for item in data["search"]["facets"]["categories"]}
    assert found == counts and CONFLICT not in found and sum(found.values()) == data["search"]["totalCount"] > 0


async def test_a_filtered_search_pages_both_ways(gql_post: Any) -> None:
    """The filter holds on every page, forward and backward, and the page flags count only its hits."""
    query = ("query($o: SearchOrder, $f: EventFilter, $n: Int, $a: String, $l: Int, $b: String) { search(query: "
             '"syria", orderBy: $o, filter: $f, first: $n, after: $a, last: $l, before: $b) { totalCount '
             "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { path } } } }")
    narrowed = {"not": {"category": CONFLICT}}
    for order in ("RELEVANCE", "NEWEST_FIRST", "OLDEST_FIRST"):
        whole = (await gql_post(query, {"o": order, "f": narrowed, "n": 100}))["search"]
        expected = [edge["node"]["path"] for edge in whole["edges"]]
        assert len(expected) == whole["totalCount"] > 2
        forward: list[str] = []
        after = None
        while True:
            page = (await gql_post(query, {"o": order, "f": narrowed, "n": 2, "a": after}))["search"]
            forward += [edge["node"]["path"] for edge in page["edges"]]
            assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        backward: list[str] = []
        before = None
        while True:
            page = (await gql_post(query, {"o": order, "f": narrowed, "l": 2, "b": before}))["search"]
            backward = [edge["node"]["path"] for edge in page["edges"]] + backward
            assert page["pageInfo"]["hasNextPage"] == (before is not None)
            if not page["pageInfo"]["hasPreviousPage"]:
                break
            before = page["pageInfo"]["startCursor"]
        assert forward == expected == backward, order
