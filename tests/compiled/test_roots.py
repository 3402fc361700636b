"""gql.compiled.roots: an ``EventFilter`` literal becomes the condition ``Criteria`` makes of it."""

from __future__ import annotations

import re

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


def test_a_search_walks_only_the_id_ranges_that_must_hold() -> None:
    """The dates at the top and inside ``and`` narrow FTS5's walk of rowids, as ``Criteria.id_range``
    has them; those under ``or`` or ``not`` do not (an event outside them may still be a hit)."""
    literal = ('{dateFrom: "2015-01-01", and: [{dateTo: "2015-02-01"}], or: [{dateFrom: "2015-03-01"}],'
               ' not: {dateTo: "2015-04-01"}}')
    plan = compile_operation(parse(f'{{ search(query: "w", filter: {literal}) {{ totalCount }} }}'),
                             None, {"events": 100}).sql
    assert len(set(re.findall(r"f\.rowid >= \(CAST\(julianday\((\?\d+)\)", plan))) == 1
    assert len(set(re.findall(r"f\.rowid < \(\(CAST\(julianday\((\?\d+)\)", plan))) == 1
