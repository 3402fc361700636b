"""The compiled statement's parameters: each ``?N`` and how a request's values fill it.

A value comes from a literal of the document, a variable (or its default), or a string the
document's shape cut out (``gql.compiled.shape``). Each passes a converter at bind time; the
converters check values with ``gql.arguments``, as the resolvers do, and raise Unsupported
where the resolvers must answer: an error to give, or a value that would change the SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)

from db.errors import PathError
from db.filters import Filter
from db.paths import canonical_path

from .. import arguments
from ..errors import Unsupported, UserError
from ..limits import DEFAULT_PAGE, FACET_PAGE

Binder = Callable[[dict[str, Any]], Any]
Convert = Callable[[Any], Any]

_LITERALS = (StringValueNode, IntValueNode, NullValueNode, EnumValueNode, BooleanValueNode)


class Parameters:
    """The binders of one statement, in ``?N`` order."""

    def __init__(self, variable_defaults: dict[str, Any], slots: dict[int, str]) -> None:
        self.variable_defaults = variable_defaults
        self.slots = slots  # id() of a string argument -> the name its value is bound under
        self.binders: list[Binder] = []

    def _add(self, binder: Binder) -> str:
        self.binders.append(binder)
        return f"?{len(self.binders)}"

    def constant(self, value: Any) -> str:
        """What is the same in every request (a response key, a type name, the file's event count):
        a GraphQL name or an integer is written into the SQL (``literal``); anything else is bound."""
        return literal(value) or self._add(lambda _values: value)

    def argument(self, node: ValueNode | None, convert: Convert) -> str:
        """A parameter filled from a literal or a variable, through ``convert`` at bind time."""
        if node is None:
            return self._add(lambda _values: convert(None))
        if isinstance(node, VariableNode):
            name, default = node.name.value, self.variable_defaults.get(node.name.value)
            return self._add(lambda values: convert(values.get(name, default)))
        if isinstance(node, StringValueNode) and id(node) in self.slots:  # this request's string
            slot = self.slots[id(node)]
            return self._add(lambda values: convert(values[slot]))
        if isinstance(node, ListValueNode) and node.values and all(id(v) in self.slots for v in node.values):
            slots = [self.slots[id(v)] for v in node.values]
            return self._add(lambda values: convert([values[slot] for slot in slots]))
        if isinstance(node, _LITERALS) or (
                isinstance(node, ListValueNode) and all(isinstance(v, StringValueNode) for v in node.values)):
            literal = node.value if isinstance(node, EnumValueNode) else value_from_ast_untyped(node)
            return self._add(lambda _values: convert(literal))
        raise Unsupported("argument shape")


#: A GraphQL name (the lexer's ``Name``): what response keys (aliases too) and type names are.
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def literal(value: Any) -> str | None:
    """``value`` as an SQL literal, if it is a GraphQL name (``'name'``: letters, digits and
    underscores, so no quote can enter, checked here again rather than trusted to the parser) or an
    integer; else None, and it is bound. A literal is a parameter SQLite need not be handed per
    request: the 12 keys of Q1 bound cost its statement ~2 µs of 23."""
    if isinstance(value, str) and _NAME.fullmatch(value):
        return f"'{value}'"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _declining(check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)``; a value it refuses is the resolvers' to refuse."""
    try:
        return check(*args)
    except UserError as exc:
        raise Unsupported(f"{exc.message}: the resolvers give the error") from None


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise Unsupported(f"{what} is not a string: the resolvers answer or give the error")
    return value


def first(value: Any) -> int:
    """``first``: a page size of 0..MAX_PAGE (0: no edges, and whether there are any)."""
    return _size(value, DEFAULT_PAGE)


def facet_first(value: Any) -> int:
    """``first`` of a facet list: 0..MAX_PAGE, ``FACET_PAGE`` when omitted, as the resolvers read it."""
    return _size(value, FACET_PAGE)


def _size(value: Any, default: int) -> int:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise Unsupported("first is not an Int")
    size: int = _declining(arguments.page_size, value, default)
    return size


def last(value: Any) -> int:
    """``last`` of a page read backward; null makes it a forward page, which is another statement."""
    if value is None:
        raise Unsupported("last: null")
    return first(value)


def after_event(value: Any) -> str | None:
    """The event path of a keyset cursor, None from the start."""
    return None if value is None else _declining(arguments.event_cursor, _string(value, "after"))


def after_rank(value: Any) -> int:
    """The offset of the first hit after a ranked-search cursor."""
    return 0 if value is None else _declining(arguments.rank_cursor, _string(value, "after")) + 1


def path(value: Any) -> str | None:
    """An event path in any spelling, canonical; None (no event) when it is not a path."""
    try:
        return canonical_path(_string(value, "path"))
    except PathError:
        return None


def search_text(advanced: bool) -> Convert:
    """``search(query:)`` as an FTS5 expression; no words (an empty page) is the resolvers' to give."""

    def convert(value: Any) -> str:
        match = _declining(arguments.search_match, _string(value, "query"), advanced)
        if not match:
            raise Unsupported("no words: the resolvers answer an empty page")
        return str(match)

    return convert


def filter_value(item: Filter) -> Convert:
    """One ``EventFilter`` field's value as bound; a null or an empty list would drop the condition,
    which changes the SQL: the resolvers answer those."""

    def convert(value: Any) -> Any:
        parameter = _declining(arguments.filter_parameter, item, value)
        if parameter is None:
            raise Unsupported(f"{item.name}: null or empty")
        return parameter

    return convert
