"""Compile a GraphQL operation into ONE SQL statement that builds the whole answer as JSON.

This is what Hasura and PostGraphile do: SQLite's ``json_object`` / ``json_group_array`` nest
the answer in the database, and Python only wraps the text in ``{"data": ...}``. It covers
the hot shapes (``roots``): ``event``, ``events`` (filtered or not), ``search`` (by rank or
date) and the ``timeline``, with everything nested under an event (sources, contexts, related
links, related events, recursively), fragments inlined and fields merged as GraphQL does
(``selection``). Anything else (directives, other fields, arguments that would be errors) is
not compiled: Unsupported says why, the Strawberry resolvers answer it, and the tests compare
both paths byte for byte.

No user text enters the SQL as written: field names are matched against fixed fragments,
argument values are bound parameters (``binding``), and response keys (aliases) are GraphQL names,
checked to be so again before they are written as string literals (``binding.literal``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode, OperationType, value_from_ast_untyped

from ..errors import Unsupported
from .binding import Parameters
from .ctes import Ctes
from .events import Builder
from .json_sql import Json
from .roots import root
from .selection import collect


@dataclass
class Plan:
    """A compiled operation: SQL with ``?N`` parameters, and how to fill them from a request's values."""

    sql: str
    binders: list[Callable[[dict[str, Any]], Any]]

    @functools.cached_property
    def used(self) -> int:
        """How many parameters SQLite is given: its count is the highest ``?N`` in the statement,
        and a parameter the statement does not read (``pageInfo`` not asked for) may come last."""
        return max(map(int, _PLACEHOLDER.findall(self.sql)), default=0)

    def bind(self, variables: dict[str, Any] | None) -> list[Any]:
        """Parameter values for one request; Unsupported when the resolvers must answer. Every
        binder runs, used or not: each checks its value as the resolvers would."""
        values = variables or {}
        return [binder(values) for binder in self.binders][:self.used]


#: A parameter in a statement: ours are ``?N``, and no literal written into one holds a ``?``.
_PLACEHOLDER = re.compile(r"\?(\d+)")


def compile_operation(document: DocumentNode, operation_name: str | None, counts: dict[str, int],
                      slots: dict[int, str] | None = None) -> Plan:
    """Compile the chosen query operation; raise Unsupported if any part needs the resolvers.

    ``slots`` names the string arguments whose values each request brings (``shape``); any
    other literal is part of the plan. ``counts`` holds what the file knows (its event count).
    """
    operation, fragments = _operation(document, operation_name)
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or () if definition.default_value is not None
    }
    parameters = Parameters(defaults, slots or {})
    builder = Builder(parameters, Ctes(), Json(parameters, fragments))
    parts: list[str] = []
    for selection in collect(operation, "Query", fragments):
        key = parameters.constant((selection.alias or selection.name).value)
        parts.append(f"{key}, {root(builder, selection, counts)}")
    # where a guard holds there is no row: the resolvers answer the request
    guarded = f" WHERE NOT ({' OR '.join(builder.guards)})" if builder.guards else ""
    # the whole response body, as bytes: no UTF-8 decoding into a str and encoding back per answer
    body = f"""CAST('{{"data":' || json_object({', '.join(parts)}) || '}}' AS BLOB)"""
    return Plan(sql=f"{builder.ctes.with_clause()}SELECT {body}{guarded}", binders=parameters.binders)


def _operation(document: DocumentNode, name: str | None) -> tuple[OperationDefinitionNode,
                                                                  dict[str, FragmentDefinitionNode]]:
    """The one query operation to run, and the document's fragments."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(operations) + len(fragments) != len(document.definitions):
        raise Unsupported("definitions")
    chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY or chosen[0].directives:
        raise Unsupported("operation")
    return chosen[0], fragments
