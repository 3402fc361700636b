"""Answer known query shapes with one compiled SQL statement instead of the resolvers.

A document is compiled only after the resolvers have answered it once without a request
error: parsing, validation and every limit (depth, aliases, tokens) have then been applied by
Strawberry, so the fast path never answers a document the schema would reject. Arguments that
would be errors (``first: 1000``, a bad cursor, a wrong variable type) send the request back
to the resolvers, which produce the proper error.

Plans are keyed by the document's *shape* (``shape``): one plan serves a query sent under
any operation name and with any strings written into its arguments.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from graphql import DocumentNode

from db.read import Reader

from .. import cursors
from ..caching import digest
from ..errors import Unsupported
from ..limits import PLAN_CACHE
from .compile import Plan, compile_operation
from .shape import Shape, literal_name, string_arguments

log = logging.getLogger("newsgql")


class PlanCache:
    """Per-process cache of compiled plans (or "not compilable"), keyed by ``plan_for``: a
    document's shape, or its text and operation name. At most ``PLAN_CACHE``, oldest dropped."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        reader.conn.create_function("gql_id", 2, cursors.encode, deterministic=True)
        self.counts = {"events": int(reader.meta.get("events", 0))}
        self._plans: OrderedDict[Hashable, Plan | None] = OrderedDict()

    def knows(self, key: Hashable) -> bool:
        """Whether this shape was compiled already (or found not compilable)."""
        return key in self._plans

    def learn(self, key: Hashable, document: DocumentNode, operation: str | None, shaped: bool) -> None:
        """Compile a document the resolvers just answered without a request error (or remember it can't be).

        ``document`` is the request's document, parsed with locations; ``shaped``: the key is the
        document's shape, so its string arguments are bound per request.
        """
        plan: Plan | None
        try:
            slots = {id(node): literal_name(index) for index, node in enumerate(string_arguments(document))}
            plan = compile_operation(document, operation, self.counts, slots if shaped else None)
            # SQLite must accept it: very deep nesting overflows its parser
            self.reader.explain(plan.sql, [None] * plan.used)
        except (Unsupported, sqlite3.OperationalError):
            plan = None
        except Exception:
            log.exception("compiling a query failed; the resolvers will answer it")
            plan = None
        self._plans[key] = plan
        while len(self._plans) > PLAN_CACHE:
            self._plans.popitem(last=False)

    def answer(self, key: Hashable, variables: dict[str, Any] | None) -> bytes | None:
        """The full response body, or None when the resolvers must answer.

        QueryTimeout propagates: a statement that ran out of time must not be run again by the
        resolvers, which would only take longer.
        """
        plan = self._plans.get(key)
        if plan is None:
            return None
        try:
            values = plan.bind(variables)
            rows = self.reader.rows(plan.sql, values)
        except (Unsupported, sqlite3.Error):
            return None
        if not rows:  # a guard held (``Builder.guards``)
            return None
        body: bytes = rows[0][0]
        return body


def plan_for(query: str, operation: str | None, variables: dict[str, Any] | None, first_operation: str | None,
             shape: Shape | None) -> tuple[Hashable, dict[str, Any] | None, bool]:
    """(plan key, values to bind, keyed by shape?) for one request.

    A document of one operation is keyed by its shape, unless the request names another
    operation (the resolvers give that error); any other by its text and operation name.
    """
    if shape is not None and operation in (None, first_operation):
        return ("shape", shape.key_digest), shape.values(variables), True
    return ("text", digest(query.encode()), operation), variables, False

