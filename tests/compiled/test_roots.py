"""gql.compiled.roots: an ``EventFilter`` literal becomes the condition ``Criteria`` makes of it."""

from __future__ import annotations

from graphql import parse

from db.filters import FILTERS_BY_NAME
from gql.compiled.compile import compile_operation

#: Any context's list of events, as its filter declares it (the placeholder aside).
_LISTED = str(FILTERS_BY_NAME["contextsAny"].members).split("{p}")[0]


def _plan(filter_literal: str) -> str:
    return compile_operation(parse(f"{{ events(first: 5, filter: {filter_literal}) {{ totalCount }} }}"),
                             None, {"events": 100}).sql


def test_an_or_of_two_contexts_is_one_union_of_their_lists_and_counted_as_it() -> None:
    """The page walks the union of the two lists and totalCount counts its distinct ids: neither
    looks an event up to see whether it holds either context."""
    plan = _plan('{or: [{contextsAny: ["a"]}, {contextsAny: ["b"]}]}')
    assert f"UNION {_LISTED}" in plan
    assert "SELECT e.id FROM events e WHERE (" not in plan
    assert f"SELECT count(*) FROM (SELECT DISTINCT * FROM ({_LISTED}" in plan


def test_a_list_of_contexts_is_counted_as_its_distinct_ids() -> None:
    for literal in ('{contextsAny: ["a", "b"]}', '{and: [{contextsAny: ["a"]}]}'):
        assert f"SELECT count(*) FROM (SELECT DISTINCT * FROM ({_LISTED}" in _plan(literal), literal
    for literal in ('{contextsAny: ["a"], category: "b"}', '{not: {contextsAny: ["a"]}}', '{contextsNone: ["a"]}'):
        plan = _plan(literal)
        assert "SELECT DISTINCT" not in plan and "(SELECT count(*) FROM events e WHERE " in plan, literal
