"""gql.selection: fields collected as GraphQL executes them, for the compiler."""

from __future__ import annotations

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, print_ast

from gql.compiled.selection import collect
from gql.errors import Unsupported


def fields(text: str, typename: str = "Query") -> list[str]:
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return [print_ast(field) for field in collect(operation, typename, fragments)]


def test_one_field_per_response_key_in_first_seen_order() -> None:
    assert fields("{ b: __typename a { x } ...F b: __typename a { y } } fragment F on Query { c a { z } }") == [
        "b: __typename", "a {\n  x\n  z\n  y\n}", "c"]


def test_a_fragment_spread_twice_is_read_once() -> None:
    assert fields("{ ...F ...F ... { ...F } } fragment F on Query { a }") == ["a"]


@pytest.mark.parametrize("text", [
    "{ ... on Event { title } }",  # another type: known only at run time
    "{ a @skip(if: true) }",
    "{ ...Missing }",
])
def test_what_only_execution_can_decide_goes_to_the_resolvers(text: str) -> None:
    with pytest.raises(Unsupported):
        fields(text)


def test_merged_fields_keep_their_arguments() -> None:
    [merged] = fields('{ e: event(path: "x") { a } e: event(path: "x") { b } }')
    assert merged.startswith('e: event(path: "x")') and "a" in merged and "b" in merged
