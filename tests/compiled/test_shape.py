"""gql.shape: which documents share a compiled plan, and the strings each request brings."""

from __future__ import annotations

from graphql import parse

from gql.compiled.shape import LITERAL, shape_of


def shape(text: str) -> tuple[str, tuple[str, ...]] | None:
    found = shape_of(text, parse(text))
    return (found.key, found.literals) if found else None


def test_operation_name_and_string_arguments_are_cut() -> None:
    a = shape('query One { event(path: "/news/a") { title } search(query: "x y", first: 3) { totalCount } }')
    b = shape('query Two { event(path: "/news/b") { title } search(query: "z", first: 3) { totalCount } }')
    assert a is not None and b is not None and a[0] == b[0]
    assert a[1] == ("/news/a", "x y") and b[1] == ("/news/b", "z")
    assert LITERAL in a[0] and "One" not in a[0] and "/news/a" not in a[0]


def test_what_changes_the_answer_or_the_checks_stays_in_the_shape() -> None:
    base = shape('{ events(first: 3, orderBy: OLDEST_FIRST) { totalCount } }')
    assert base != shape('{ events(first: 4, orderBy: OLDEST_FIRST) { totalCount } }')  # page sizes cost
    assert base != shape('{ events(first: 3, orderBy: NEWEST_FIRST) { totalCount } }')  # enums choose SQL
    same = shape('{ a: event(path: "x") { title } a: event(path: "x") { date } }')
    other = shape('{ a: event(path: "x") { title } a: event(path: "y") { date } }')
    assert same is not None and other is not None and same[0] != other[0]  # equal strings: a pattern
    assert shape('{ a: event(path: "p") { title } a: event(path: "p") { date } }') == (same[0], ("p", "p"))


def test_strings_in_lists_objects_and_fragments_are_cut_in_text_order() -> None:
    text = ('query { events(filter: {contextsAny: ["A", "B"], category: "C"}) { edges { node { ...F } } } }'
            ' fragment F on Event { related { event { title } } } ')
    found = shape(text)
    assert found is not None and found[1] == ("A", "B", "C")


def test_defaults_and_several_operations_are_left_alone() -> None:
    assert shape("query A { __typename } query B { __typename }") is None
    found = shape('query($p: String = "/news/x") { event(path: $p) { title } }')
    assert found is not None and "/news/x" in found[0] and found[1] == ()
