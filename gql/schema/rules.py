"""Validation rules that refuse a document before anything executes: our limits on its shape.

- ``ArgumentLimits``: ``first: 1000000``, ``relatedGraph(depth: 1000)`` or a forged cursor written
  into the document. The same values sent as variables are checked by the resolvers
  (``gql.arguments``, with the same messages), since validation never sees variable values.
- ``QueryCost``, ``depth_limit``, ``alias_limit``: how many objects an answer could hold, how deep
  and how many aliases, each measured by ``fold`` in time linear in the document.

Each is a request error (HTTP 400 with ``application/graphql-response+json``), found once per
document thanks to the validation cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
    value_from_ast_untyped,
)

from db.filters import FILTERS, Kind

from ..arguments import (
    CURSOR_ARGUMENTS,
    EVENT_CURSOR,
    LINK_CURSOR,
    RANGES,
    RANK_CURSOR,
    check_filter_shape,
    check_name_count,
    check_search_text,
    cursor_value,
    in_range,
)
from ..errors import BAD_USER_INPUT, LIMIT_EXCEEDED, UserError
from ..limits import MAX_COST, MAX_GRAPH_NODES, MAX_PAGE

#: The cursor kinds of a field's `after` and `before`: by rank or by date for search, a link's place for
#: backlinks; every other cursor is an event's.
CURSOR_KINDS = {"search": (RANK_CURSOR, EVENT_CURSOR), "linkedFrom": (LINK_CURSOR,)}
NAME_LISTS = {item.name for item in FILTERS if item.kind is Kind.NAMES}
SEARCH_WORDS = {item.name for item in FILTERS if item.kind is Kind.WORDS}


class ArgumentLimits(ValidationRule):
    """Checks literal values of the arguments every client can abuse."""

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        name, value = node.name.value, node.value
        if name in RANGES and isinstance(value, IntValueNode):
            try:
                in_range(name, int(value.value))
            except UserError as exc:
                self._error(exc.message, node)
        elif name in CURSOR_ARGUMENTS and isinstance(value, StringValueNode):
            kinds = CURSOR_KINDS.get(self._field_name(), (EVENT_CURSOR,))
            try:
                cursor_value(value.value, kinds, name)
            except UserError as exc:
                self._error(exc.message, node)
        elif name == "query" and isinstance(value, StringValueNode):
            try:
                check_search_text(value.value)
            except UserError as exc:
                self._error(exc.message, node)
        elif name == "filter" and isinstance(value, ObjectValueNode):
            try:  # variables inside count as given; their values are checked by the resolvers
                check_filter_shape(value_from_ast_untyped(value, {}))
            except UserError as exc:
                self._error(exc.message, node)

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        name, value = node.name.value, node.value
        try:
            if name in NAME_LISTS and isinstance(value, ListValueNode):
                check_name_count(len(value.values))
            elif name in SEARCH_WORDS and isinstance(value, StringValueNode):
                check_search_text(value.value)
        except UserError as exc:
            self._error(exc.message, node)

    def _field_name(self) -> str:
        parent, field = self.context.get_parent_type(), self.context.get_field_def()
        if parent is None or field is None:
            return ""
        return next((name for name, candidate in getattr(parent, "fields", {}).items() if candidate is field), "")

    def _error(self, message: str, node: ArgumentNode | ObjectFieldNode) -> None:
        self.report_error(GraphQLError(message, node, extensions={"code": BAD_USER_INPUT}))


#: Estimated items per list field when no argument says (related links per event, etc.).
LIST_FACTORS = {
    "related": 10, "sources": 5, "contexts": 20, "coOccurring": 10, "categories": 20, "events": 20,
    "search": 20, "days": 20, "publishers": 20, "timeline": 100, "relatedGraph": 100,
    "onThisDay": 20, "domains": 10, "years": 50, "trending": 10, "linkedFrom": 20,
}
PAGE_ARGUMENTS = ("first", "last", "limit")


class QueryCost(ValidationRule):
    """Rejects documents whose answer could hold more than ``MAX_COST`` objects.

    Depth and alias limits do not bound fan-out: ``events(first: 100)`` with related events
    nested five deep is shallow enough, yet asks for 10^7 objects. Each list multiplies the
    cost of what it contains by its page size (or a typical count, ``LIST_FACTORS``); a page
    size given as a variable counts as the maximum.
    """

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        cost = fold(node.selection_set, self.context.get_fragment, self.objects, sum)
        if cost > MAX_COST:
            self.report_error(GraphQLError(
                f"query too costly: up to {cost:,} objects (limit {MAX_COST:,}); ask for smaller pages "
                "or fewer nested lists", node, extensions={"code": LIMIT_EXCEEDED}))

    @classmethod
    def objects(cls, field: FieldNode, inner: Callable[[SelectionSetNode], int]) -> int:
        """The field itself and, per object it holds, what is selected on it."""
        if field.selection_set is None:
            return 1
        return 1 + cls._factor(field) * inner(field.selection_set)

    @staticmethod
    def _factor(field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value in PAGE_ARGUMENTS:
                value = argument.value
                if isinstance(value, IntValueNode):
                    return max(1, int(value.value))
                return MAX_GRAPH_NODES if argument.name.value == "limit" else MAX_PAGE
        return LIST_FACTORS.get(field.name.value, 1)


def measure(document: DocumentNode, operation_name: str | None) -> dict[str, int]:
    """What the rules measure of the chosen operation of a valid document: its estimated
    ``objects`` (``QueryCost``), ``depth`` and ``aliases``, as each rule counts them."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    chosen = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
              and (operation_name is None or (d.name is not None and d.name.value == operation_name))]
    if not chosen:
        return {"objects": 0, "depth": 0, "aliases": 0}
    selections = chosen[0].selection_set
    return {"objects": fold(selections, fragments.get, QueryCost.objects, sum),
            "depth": fold(selections, fragments.get, _nesting, max),
            "aliases": fold(selections, fragments.get, _aliases, sum)}


def _nesting(field: FieldNode, inner: Callable[[SelectionSetNode], int]) -> int:
    if field.selection_set is None or field.name.value.startswith("__"):  # introspection is free
        return 0
    return 1 + inner(field.selection_set)


def _aliases(field: FieldNode, inner: Callable[[SelectionSetNode], int]) -> int:
    return (1 if field.alias else 0) + (inner(field.selection_set) if field.selection_set else 0)


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """A rule refusing operations nested deeper than ``max_depth`` fields with selections.

    Strawberry's QueryDepthLimiter (and MaxAliasesLimiter) measure the same thing but walk a
    fragment again at each spread: ten fragments each spreading the next ten times (a
    400-character document) kept a worker busy for minutes. ``fold`` measures each fragment once.
    """

    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            if fold(node.selection_set, self.context.get_fragment, _nesting, max) > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}",
                                               node, extensions={"code": LIMIT_EXCEEDED}))

    return DepthLimit


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    """A rule refusing operations with more than ``max_aliases`` aliased fields (fragments counted
    at each spread, as Strawberry's MaxAliasesLimiter does, but each measured once)."""

    class AliasLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            found = fold(node.selection_set, self.context.get_fragment, _aliases, sum)
            if found > max_aliases:
                self.report_error(GraphQLError(f"{found} aliases found. Allowed: {max_aliases}", node,
                                               extensions={"code": LIMIT_EXCEEDED}))

    return AliasLimit


def fold(selection_set: SelectionSetNode, fragment_of: Callable[[str], FragmentDefinitionNode | None],
         field: Callable[[FieldNode, Callable[[SelectionSetNode], int]], int],
         combine: Callable[[list[int]], int]) -> int:
    """Fold a selection set into one number: ``field`` values ``combine``d, fragments inlined.

    A fragment's value is the same wherever it is spread, so each is computed once: linear in
    the document, however many times fragments spread each other. A spread inside its own
    fragment (a cycle, refused by validation) counts 0, a spread repeated beside itself once.
    """
    known: dict[str, int] = {}

    def walk(selections: SelectionSetNode, active: frozenset[str]) -> int:
        values = [0]
        spread: set[str] = set()  # GraphQL collects a fragment spread twice in one selection once
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                values.append(field(selection, lambda inner: walk(inner, active)))
            elif isinstance(selection, InlineFragmentNode):
                values.append(walk(selection.selection_set, active))
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in active | spread:
                name = selection.name.value
                spread.add(name)
                if name not in known:
                    fragment = fragment_of(name)
                    known[name] = walk(fragment.selection_set, active | {name}) if fragment else 0
                values.append(known[name])
        return combine(values)

    return walk(selection_set, frozenset())
