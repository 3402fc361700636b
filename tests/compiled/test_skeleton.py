"""A new text of a known skeleton gets exactly the outline a parse gives, and nothing a parse refuses.

Every case learns a skeleton from one text (parsed), then sends variants: each must give the
outline graphql-core's parse gives (``_outline(text, None)``), whether the skeleton answers or
the parser does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gql.compiled import outline as outlines
from gql.compiled import skeleton
from gql.compiled.outline import Outline, outline


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    outlines._OUTLINES._items.clear()
    skeleton.SKELETONS._items.clear()
    yield


def parsed(text: str) -> Outline | None:
    return outlines._outline(text, None)


def learned(text: str) -> None:
    """Parse ``text`` once, as the first request of its shape is."""
    assert outline(text) == parsed(text)


def from_skeleton(text: str) -> Outline | None:
    """The outline the skeleton gives ``text`` without a parse (None when it cannot)."""
    found = skeleton.scan(text)
    known = skeleton.SKELETONS.get(skeleton.key(found)) if found else None
    shape = known.shape(text, found) if known and found else None
    return Outline((found.name,), shape) if shape and found else None


Q1 = 'query Q1 { event(path: %s) { title sources { name } } }'


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_any_string_written_in_gives_the_parse_s_outline(value: str) -> None:
    learned(Q1 % '"/news/2015/09/01/a.md"')
    text = Q1 % json.dumps(value)  # JSON's escapes are GraphQL's
    assert outline(text) == parsed(text)
    fast = from_skeleton(text)
    assert fast is None or fast == parsed(text)
    if "\x00" not in value and all(ord(c) >= 0x20 or c == "\t" for c in value):
        assert fast is not None and fast.shape is not None and fast.shape.literals == (value,)


@pytest.mark.parametrize(("first", "variant"), [
    # renamed per request, with the values written in
    (Q1 % '"a"', Q1.replace("Q1", "Q1_17") % '"b"'),
    ('query Q2_1 { events(first: 50) { edges { node { path } } } }',
     'query Q2_2 { events(first: 50) { edges { node { path } } } }'),
    # escapes, unicode and a block string, decoded as graphql-core decodes them
    (Q1 % '"a"', Q1 % r'"\u00e9t\u00E9 \"x\" \\ \/ \t"'),
    (Q1 % '"a"', Q1 % '"a\x01"'),  # a control character: graphql-core 3.3 takes it, as the spec now does
    ('{ search(query: """a""") { totalCount } }',
     '{ search(query: """\n    two\n      lines \\""" """) { totalCount } }'),
    # a comment holding quotes, before and inside the document
    ('# say "hi"\nquery A { event(path: "x") { title } } # "',
     '# say "hi"\nquery B { event(path: "y") { title } } # "'),
    # two equal strings: their equality is part of the shape
    ('{ a: event(path: "x") { title } b: event(path: "x") { path } }',
     '{ a: event(path: "y") { title } b: event(path: "y") { path } }'),
    ('{ a: event(path: "x") { title } b: event(path: "y") { path } }',
     '{ a: event(path: "z") { title } b: event(path: "w") { path } }'),
])
def test_variants_of_a_learned_skeleton_come_without_a_parse(first: str, variant: str) -> None:
    learned(first)
    fast = from_skeleton(variant)
    assert fast is not None and fast == parsed(variant) == outline(variant)


@pytest.mark.parametrize(("first", "variant"), [
    # a default value is part of the shape, not a literal: a new one is a new shape
    ('query($p: String = "x") { event(path: $p) { title } }', 'query($p: String = "y") { event(path: $p) { title } }'),
    # equal strings where the learned text had different ones, and the other way
    ('{ a: event(path: "x") { title } b: event(path: "y") { path } }',
     '{ a: event(path: "z") { title } b: event(path: "z") { path } }'),
    ('{ a: event(path: "x") { title } b: event(path: "x") { path } }',
     '{ a: event(path: "z") { title } b: event(path: "w") { path } }'),
    # strings graphql-core refuses: a bad escape, a raw newline, an open quote
    (Q1 % '"a"', Q1 % r'"\q"'),
    (Q1 % '"a"', Q1 % '"a\nb"'),
    (Q1 % '"a"', Q1 % '"a'),
    (Q1 % '"a"', Q1 % '"""a""" "b"'),
    # fragments before the operation: the scan does not look for a name there
    ('fragment F on Event { title } query A { event(path: "x") { ...F } }',
     'fragment F on Event { title } query B { event(path: "y") { ...F } }'),
    # two operations
    ('query A { event(path: "x") { title } } query B { event(path: "y") { title } }',
     'query A { event(path: "z") { title } } query B { event(path: "w") { title } }'),
])
def test_what_the_skeleton_cannot_vouch_for_is_parsed(first: str, variant: str) -> None:
    learned(first)
    assert from_skeleton(variant) is None
    assert outline(variant) == parsed(variant)


def test_a_skeleton_is_learned_only_where_the_scan_agrees_with_graphql_core() -> None:
    text = Q1 % '"a"'
    found = skeleton.scan(text)
    assert found is not None and found.name == "Q1" and len(found.strings) == 1
    assert skeleton.scan(Q1 % '"open') is None
    assert skeleton.scan('{ a # "quoted in a comment\n }').strings == ()  # type: ignore[union-attr]


def _lexed(raw: str) -> str | None:
    """What graphql-core's lexer reads ``raw`` as, when it is exactly one string token."""
    from graphql import GraphQLError, Source, TokenKind
    from graphql.language.lexer import Lexer

    try:
        token = Lexer(Source(raw)).advance()
    except GraphQLError:
        return None
    return token.value if token.kind == TokenKind.STRING and token.end == len(raw) else None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab/é"\\\n\r\t\x00u{}0\ud800\U0001f600'), max_size=12))
def test_a_plain_string_is_read_as_the_lexer_reads_it(inner: str) -> None:
    """The verbatim shortcut of ``_string_value`` agrees with graphql-core's lexer on any string."""
    raw = f'"{inner}"'
    assert skeleton._string_value(raw) == _lexed(raw)
    if skeleton._VERBATIM.fullmatch(raw):  # the shortcut answered: no escape, break or surrogate
        assert _lexed(raw) == inner
