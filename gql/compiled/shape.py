"""A document's *shape*: what a compiled plan depends on, so that documents of one shape share it.

Clients send the same query as new text all the time: each request under an operation name of
its own (``query Q2_17 {...}``), or values written into the query instead of variables
(``event(path: "/news/...")``). Neither the name nor the text of a string argument changes
which checks the document passes or which SQL answers it, only the values bound to that SQL. So
the shape is the text with the one operation's name and every string argument cut out; the cut
strings become the request's *literals*, bound as the compiler binds variables, under names no
GraphQL variable can have. What a string's value could make an error (a bad date, a cursor, a
long search) is checked again at bind time, and sends that request to the resolvers. Which cut
strings are equal stays in the shape: validation compares them where two fields share a response
key (``a: event(path: "x") a: event(path: "y")`` is an error, with "x" twice it is not).

Integers, enums and booleans stay in the shape: page sizes count in the query-cost limit, and
enums and booleans choose the SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
)

from ..caching import digest

LITERAL = "\x00"  # a raw NUL cannot appear in a GraphQL document, so it marks a cut string


@dataclass(frozen=True)
class Shape:
    """The key a compiled plan is stored under, and this request's string arguments."""

    key: str
    literals: tuple[str, ...]

    @functools.cached_property
    def key_digest(self) -> bytes:
        """What plans are stored under (``key`` can be long); made once per outline, not per request."""
        return digest(self.key.encode())

    def values(self, variables: dict[str, object] | None) -> dict[str, object]:
        """Variables and literals together, as the compiled plan's binders read them."""
        merged: dict[str, object] = {literal_name(index): value for index, value in enumerate(self.literals)}
        return {**(variables or {}), **merged}


def literal_name(index: int) -> str:
    """The name the ``index``-th string argument is bound under: not a name GraphQL allows."""
    return f"{LITERAL}{index}"


def shape_of(text: str, document: DocumentNode) -> Shape | None:
    """The shape of a parsed document (with locations) of one operation and its fragments, else None."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return None
    cuts: list[tuple[int, int, str]] = []
    name = operations[0].name
    if name is not None and name.loc is not None:
        cuts.append((name.loc.start, name.loc.end, LITERAL))
    strings = list(string_arguments(document))
    if any(node.loc is None for node in strings):
        return None
    first_of: dict[str, int] = {}  # each string's first place: the pattern of equal strings
    for index, node in enumerate(strings):
        assert node.loc is not None  # every one has a location (checked above)
        cuts.append((node.loc.start, node.loc.end, f"{LITERAL}{first_of.setdefault(node.value, index)};"))
    cuts.sort()
    parts, position = [], 0
    for start, end, mark in cuts:
        parts.append(text[position:start])
        parts.append(mark)
        position = end
    parts.append(text[position:])
    return Shape("".join(parts), tuple(node.value for node in strings))


def string_arguments(document: DocumentNode) -> Iterator[StringValueNode]:
    """Every string written in a field argument (inside lists and input objects too), in text order."""
    found: list[StringValueNode] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            _in_selections(definition.selection_set, found)
    return iter(sorted(found, key=lambda node: node.loc.start if node.loc else 0))


def _in_selections(selections: SelectionSetNode | None, found: list[StringValueNode]) -> None:
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode):
            for argument in selection.arguments or ():
                _in_value(argument, found)
            _in_selections(selection.selection_set, found)
        elif isinstance(selection, InlineFragmentNode):
            _in_selections(selection.selection_set, found)


def _in_value(node: ArgumentNode | ValueNode, found: list[StringValueNode]) -> None:
    value = node.value if isinstance(node, ArgumentNode) else node
    if isinstance(value, StringValueNode):
        found.append(value)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _in_value(item, found)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            _in_value(field.value, found)
