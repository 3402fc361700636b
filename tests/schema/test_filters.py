"""EventFilter is made from db.filters.FILTERS: each declaration is a schema field and a condition.

``contextsNone`` is the filter added by one declaration alone; it is checked here against the
sample's ground truth, and beside the resolvers by the compiled path (tests/compiled).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from db.filters import FILTERS
from gql.arguments import AND, NOT, OR
from gql.schema import create_schema

QUERY = "query($f: EventFilter) { events(first: 100, filter: $f) { totalCount edges { node { path } } } }"


def test_every_declared_filter_is_a_field_of_the_input_type() -> None:
    fields = create_schema().get_type_by_name("EventFilter").fields  # type: ignore[union-attr]
    assert [field.graphql_name or field.name for field in fields] == [item.name for item in FILTERS] + [AND, OR, NOT]


async def _paths(gql_post: Any, filter_: dict[str, Any]) -> set[str]:
    """The events of the first six days (fewer than a page) that also hold ``filter_``."""
    page = (await gql_post(QUERY, {"f": {"dateTo": "2015-09-06", **filter_}}))["events"]
    assert page["totalCount"] == len(page["edges"]) < 100
    return {edge["node"]["path"] for edge in page["edges"]}


async def test_contexts_none(gql_post: Any, truth: dict[str, Any]) -> None:
    days = {p: t for p, t in truth.items() if t["date"] <= "2015-09-06"}
    everything = await _paths(gql_post, {})
    assert everything == set(days)
    without = await _paths(gql_post, {"contextsNone": ["Syria", "European migrant crisis"]})
    assert without == {p for p, t in days.items() if not {"Syria", "European migrant crisis"} & set(t["contexts"])}
    assert 0 < len(without) < len(everything)
    assert without | await _paths(gql_post, {"contextsAny": ["Syria", "European migrant crisis"]}) == everything
    # combined with other filters (AND), a name nothing has, and an empty list (no condition)
    syria_not_russia = await _paths(gql_post, {"contextsAll": ["Syria"], "contextsNone": ["Russia"]})
    assert syria_not_russia == {
        p for p, t in days.items() if "Syria" in t["contexts"] and "Russia" not in t["contexts"]}
    assert syria_not_russia
    assert await _paths(gql_post, {"contextsNone": ["No such context"]}) == everything
    assert await _paths(gql_post, {"contextsNone": []}) == everything


async def test_contexts_none_is_bounded_like_every_list(client: httpx.AsyncClient) -> None:
    names = [f"c{i}" for i in range(21)]
    written = "{ events(filter: {contextsNone: " + json.dumps(names) + "}) { totalCount } }"
    for variables, document in (({"f": {"contextsNone": names}}, QUERY), ({}, written)):
        response = await client.post("/graphql", json={"query": document, "variables": variables})
        error = response.json()["errors"][0]
        assert error["message"] == "at most 20 contexts in a filter"
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_publishers_by_domain_normalise_it_as_the_domain_filter_does(gql_post: Any) -> None:
    query = "query($d: String) { publishers(domain: $d) { name domain eventCount } }"
    spelled = (await gql_post(query, {"d": "WWW.BBC.co.uk"}))["publishers"]
    assert spelled and spelled == (await gql_post(query, {"d": "bbc.co.uk"}))["publishers"]
    assert {publisher["domain"] for publisher in spelled} == {"bbc.co.uk"}
