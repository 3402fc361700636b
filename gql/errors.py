"""Errors a client may see, with a stable ``extensions.code``; everything else is masked."""

from __future__ import annotations

from graphql import GraphQLError


class UserError(GraphQLError):
    """Bad input from the client: a cursor, a page size, a search expression, a limit."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class LimitExceeded(UserError):
    """A request asked for more than the server allows (page size, graph depth) in a variable.

    Its code stays ``BAD_USER_INPUT``: the same value written into the document is refused in
    validation with that code, and clients should not have to tell the two apart.
    """
