"""Every error the GraphQL layer raises on purpose, and the ``extensions.code`` a client sees.

    GraphQLError (graphql-core)
     └── UserError        bad input from the client (a cursor, a page size, search text): BAD_USER_INPUT
          └── LimitExceeded   more than the server allows, given as a variable: BAD_USER_INPUT
    Exception
     ├── BadRequest       not a well-formed GraphQL-over-HTTP request (status 400, 405, 406, 413, 415)
     └── Unsupported      the compiled path declines a document; the resolvers answer it (never seen)

The database's own errors (``db.errors``: ``QueryTimeout`` -> TIMEOUT, ``SearchSyntaxError`` ->
BAD_USER_INPUT, ``DatabaseError`` at startup) are turned into these codes where they surface.
Any other exception in a resolver is masked as "Unexpected error." and logged.
"""

from __future__ import annotations

from graphql import GraphQLError

#: The ``extensions.code`` of each kind of error, as clients match on them.
BAD_USER_INPUT = "BAD_USER_INPUT"
LIMIT_EXCEEDED = "LIMIT_EXCEEDED"  # a document too deep, too wide or too costly (validation)
TIMEOUT = "TIMEOUT"
BAD_REQUEST = "BAD_REQUEST"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
ERRORS_TRUNCATED = "ERRORS_TRUNCATED"

TIMEOUT_MESSAGE = "the query ran past its time limit and was stopped"


class UserError(GraphQLError):
    """Bad input from the client: a cursor, a page size, a search expression, a limit."""

    code = BAD_USER_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class LimitExceeded(UserError):
    """A request asked for more than the server allows (page size, graph depth) in a variable.

    Its code stays ``BAD_USER_INPUT``: the same value written into the document is refused in
    validation with that code, and clients should not have to tell the two apart.
    """


class BadRequest(Exception):
    """The HTTP request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = headers or {}


class Unsupported(Exception):
    """This document (or these variables) must go through the resolvers: the reason says why."""
