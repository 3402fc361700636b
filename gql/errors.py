"""Every error the GraphQL layer raises on purpose, and the ``extensions.code`` a client sees.

    GraphQLError (graphql-core)
     └── UserError        bad input from the client (a cursor, a page size, search text): BAD_USER_INPUT
          └── LimitExceeded   more than the server allows, given as a variable: BAD_USER_INPUT
    Exception
     ├── BadRequest       not a well-formed GraphQL-over-HTTP request (status 400, 405, 406, 413, 415)
     ├── DocumentError    a document sent by hash or id is unknown, or not trusted: PERSISTED_QUERY_NOT_FOUND,
     │                    TRUSTED_DOCUMENT_REQUIRED, BAD_REQUEST
     └── Unsupported      the compiled path declines a document; the resolvers answer it (never seen)
    ValueError
     └── ManifestError    a trusted-documents manifest cannot be read (``serve --documents``)

The database's own errors (``db.errors``: ``QueryTimeout`` -> TIMEOUT, ``SearchSyntaxError`` ->
BAD_USER_INPUT, ``DatabaseError`` at startup) are turned into these codes where they surface. A served
file written over in place is no exception: every request is answered 503, DATABASE_UNAVAILABLE,
until a new file is renamed over it (``web/follow.py``).
Any other exception in a resolver is masked as "Unexpected error." and logged.
"""

from __future__ import annotations

from graphql import GraphQLError

from db.errors import QueryTimeout

#: The ``extensions.code`` of each kind of error, as clients match on them.
BAD_USER_INPUT = "BAD_USER_INPUT"
LIMIT_EXCEEDED = "LIMIT_EXCEEDED"  # a document too deep, too wide or too costly (validation)
TIMEOUT = "TIMEOUT"
BAD_REQUEST = "BAD_REQUEST"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
ERRORS_TRUNCATED = "ERRORS_TRUNCATED"
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # Apollo's code: its link then sends the document
NOT_TRUSTED = "TRUSTED_DOCUMENT_REQUIRED"
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"  # the served file was written over in place (status 503)

TIMEOUT_MESSAGE = QueryTimeout.MESSAGE


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


class DocumentError(Exception):
    """The request's document cannot be found or may not run; ``request_error``: a 400 for
    ``application/graphql-response+json`` clients (PersistedQueryNotFound is not: Apollo's
    link turns persisted queries off after a 400)."""

    def __init__(self, message: str, code: str = BAD_REQUEST, request_error: bool = True) -> None:
        super().__init__(message)
        self.message, self.code, self.request_error = message, code, request_error


class ManifestError(ValueError):
    """A trusted-documents manifest is missing, not JSON, or not an object of id -> document."""


class Unsupported(Exception):
    """This document (or these variables) must go through the resolvers: the reason says why."""
