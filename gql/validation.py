"""A validation rule that rejects out-of-range literal arguments before anything executes.

``first: 1000000``, ``relatedGraph(depth: 1000)`` or a forged cursor written into the
document are request errors (HTTP 400 with ``application/graphql-response+json``), found once
per document thanks to the validation cache. The same values sent as variables are checked
by the resolvers (``limits.py``), since validation never sees variable values.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    IntValueNode,
    ListValueNode,
    ObjectFieldNode,
    StringValueNode,
    ValidationRule,
)

from . import cursors
from .errors import UserError
from .limits import MAX_FILTER_CONTEXTS, MAX_GRAPH_DEPTH, MAX_GRAPH_NODES, MAX_PAGE

INT_RANGES = {
    "first": (0, MAX_PAGE),
    "offset": (0, 100_000),
    "depth": (0, MAX_GRAPH_DEPTH),
    "limit": (1, MAX_GRAPH_NODES),
}
CURSOR_KINDS = {"search": ("s",)}  # every other `after` is an event cursor
MAX_SEARCH_CHARS = 500


class ArgumentLimits(ValidationRule):
    """Checks literal values of the arguments every client can abuse."""

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        name, value = node.name.value, node.value
        if name in INT_RANGES and isinstance(value, IntValueNode):
            low, high = INT_RANGES[name]
            number = int(value.value)
            if not low <= number <= high:
                self._error(f"{name} must be between {low} and {high}; got {number}", node)
        elif name == "after" and isinstance(value, StringValueNode):
            kinds = CURSOR_KINDS.get(self._field_name(), ("e",))
            try:
                cursors.decode(value.value, kinds)
            except UserError as exc:
                self._error(exc.message, node)
        elif name == "query" and isinstance(value, StringValueNode) and len(value.value) > MAX_SEARCH_CHARS:
            self._error(f"search query too long ({MAX_SEARCH_CHARS} characters at most)", node)

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        if (node.name.value in ("contextsAny", "contextsAll") and isinstance(node.value, ListValueNode)
                and len(node.value.values) > MAX_FILTER_CONTEXTS):
            self._error(f"at most {MAX_FILTER_CONTEXTS} contexts in a filter", node)

    def _field_name(self) -> str:
        parent, field = self.context.get_parent_type(), self.context.get_field_def()
        if parent is None or field is None:
            return ""
        return next((name for name, candidate in getattr(parent, "fields", {}).items() if candidate is field), "")

    def _error(self, message: str, node: ArgumentNode | ObjectFieldNode) -> None:
        self.report_error(GraphQLError(message, node, extensions={"code": "BAD_USER_INPUT"}))
