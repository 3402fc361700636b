"""The Schema with its guards: depth, aliases and tokens limited; parsing and validation cached;
unexpected errors masked (logged on the server, a fixed message to the client)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)

from db.errors import QueryTimeout

from ..limits import PARSER_CACHE, VALIDATION_CACHE, Limits
from .query import Query
from .rules import ArgumentLimits, QueryCost, alias_limit, depth_limit
from .types import Context, Event

log = logging.getLogger("newsgql")


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | QueryTimeout):
        return False
    log.error("unexpected error in a resolver", exc_info=original)
    return True


class NewsSchema(strawberry.Schema):
    """Strawberry logs every error with a traceback; ours are expected, and ``_should_mask``
    already logs the unexpected ones."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None


def create_schema(limits: Limits | None = None, *, introspection: bool = True) -> strawberry.Schema:
    """Build the schema; every server and the SDL export use this one function.

    ``introspection=False`` refuses ``__schema`` and ``__type`` in validation (``__typename`` stays).
    """
    limits = limits or Limits()
    extensions: list[Any] = [  # factories: a fresh extension per request (caches are module-level)
        partial(ParserCache, maxsize=PARSER_CACHE),
        partial(AddValidationRules, [ArgumentLimits, QueryCost, depth_limit(limits.max_depth),
                                     alias_limit(limits.max_aliases)]),
        partial(ValidationCache, maxsize=VALIDATION_CACHE),
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(MaskErrors, should_mask_error=_should_mask, error_message="Unexpected error."),
    ]
    if not introspection:
        extensions.insert(1, DisableIntrospection)
    return NewsSchema(
        query=Query,
        types=[Event, Context],
        extensions=extensions,
    )


def export_sdl() -> str:
    """The SDL checked in as ``schema.graphql``."""
    return create_schema().as_str() + "\n"


#: The default schema, for tools that import one: ``strawberry export-schema gql.schema:schema``.
schema = create_schema()
