"""JSON assembly: a selection as ``json_object(key, value, ...)``, lists as ``json_group_array``.

Keys (response names, aliases included) are bound parameters, in the order GraphQL answers
them (``collect``); each value is SQL the caller builds for that field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import FieldNode, FragmentDefinitionNode

from ..errors import Unsupported
from .binding import Parameters
from .selection import collect

Build = Callable[[FieldNode], str]


class Json:
    """Builds the JSON objects of one statement."""

    def __init__(self, params: Parameters, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.params, self.fragments = params, fragments

    def fields(self, node: FieldNode, typename: str, values: Mapping[str, Build], nested: Build | None = None) -> str:
        """The selection on ``node``: argument-free fields built by ``values[name]``, any other by
        ``nested`` (which judges its arguments), ``__typename`` a constant."""
        parts: list[str] = []
        for selection in self.selected(node, typename):
            key = self.params.constant((selection.alias or selection.name).value)
            name = selection.name.value
            if name == "__typename":
                value = self.params.constant(typename)
            elif name in values and not selection.arguments:
                value = values[name](selection)
            elif nested is not None:
                value = nested(selection)
            else:
                raise Unsupported(f"field {typename}.{name}")
            parts.append(f"{key}, {value}")
        if not parts:
            raise Unsupported("empty selection")
        return f"json_object({', '.join(parts)})"

    def row(self, node: FieldNode, typename: str, scalars: Mapping[str, str], alias: str,
            nested: Build | None = None) -> str:
        """The selection on a row ``alias``: ``scalars`` are SQL over ``{e}`` (the row), any other
        field ``nested`` builds."""
        def column(sql: str) -> Build:
            return lambda _: sql.format(e=alias)

        return self.fields(node, typename, {name: column(sql) for name, sql in scalars.items()}, nested)

    def selected(self, node: FieldNode, typename: str) -> list[FieldNode]:
        return collect(node, typename, self.fragments)


def array(value: str, rows: str, alias: str) -> str:
    """The JSON array of ``value`` over the rows of ``rows`` (as ``alias``), in their order."""
    return f"json((SELECT json_group_array({value}) FROM ({rows}) {alias}))"


def flag(condition: str) -> str:
    """A JSON boolean from an SQL condition."""
    return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"
