"""A selection set as GraphQL executes it, for the compiler: fragments inlined, fields merged.

GraphQL answers ``{ title ...F }`` with ``fragment F on Event { title sources { name } }`` and
``sources { url }`` as ONE ``title`` and ONE ``sources { name url }``, keys in order of first
appearance ("CollectFields" in the spec). The compiler builds ``json_object`` from this flat
list, so it never writes a key twice. Validation has already run (the compiler only sees
documents the resolvers answered), so fields of one response key are the same field with the
same arguments. What the compiler cannot know statically (a type condition naming another
type, ``@skip``/``@include``) raises ``Unsupported`` and the resolvers answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from ..errors import Unsupported


def collect(node: FieldNode | OperationDefinitionNode, typename: str,
            fragments: Mapping[str, FragmentDefinitionNode]) -> list[FieldNode]:
    """The fields selected on ``node`` (of type ``typename``), one per response key."""
    if node.selection_set is None:
        raise Unsupported("no selection")
    groups: dict[str, list[FieldNode]] = {}
    _gather(node.selection_set, typename, fragments, groups, set())
    return [group[0] if len(group) == 1 else _merged(group) for group in groups.values()]


def _gather(selections: SelectionSetNode, typename: str, fragments: Mapping[str, FragmentDefinitionNode],
            groups: dict[str, list[FieldNode]], visited: set[str]) -> None:
    """Fields by response key; a fragment spread twice is read once (the spec's visitedFragments),
    so fragments that spread each other many times cost their size, not the product of the spreads."""
    for selection in selections.selections:
        if selection.directives:
            raise Unsupported("directives")
        if isinstance(selection, FieldNode):
            groups.setdefault((selection.alias or selection.name).value, []).append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, inner = selection.type_condition, selection.selection_set
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            if selection.name.value in visited:
                continue
            visited.add(selection.name.value)
            fragment = fragments[selection.name.value]
            if fragment.directives:
                raise Unsupported("directives")
            condition, inner = fragment.type_condition, fragment.selection_set
        else:
            raise Unsupported("selection")
        if condition is not None and condition.name.value != typename:
            raise Unsupported(f"fragment on {condition.name.value} inside {typename}")
        _gather(inner, typename, fragments, groups, visited)


def _merged(group: list[FieldNode]) -> FieldNode:
    """One field for several of the same response key: their selections side by side."""
    first = group[0]
    inner = tuple(s for field in group if field.selection_set for s in field.selection_set.selections)
    return FieldNode(alias=first.alias, name=first.name, arguments=first.arguments, directives=(),
                     selection_set=SelectionSetNode(selections=inner) if inner else None)
