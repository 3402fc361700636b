"""The event filters: one object per filter, as datasette's ``filters.py`` has, for GraphQL.

Each ``Filter`` is the whole of what a filter means: its ``EventFilter`` field name, the kind of
value it takes, its SQL condition and how the value binds to it. The GraphQL input type
(``gql.schema.inputs``), the resolvers (``Criteria.where``, through ``db.read``) and the compiled
path (``gql.compiled.roots``) all iterate ``FILTERS``: a new filter is one declaration here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

# -- filters ----------------------------------------------------------------------------------


class Kind(Enum):
    """What a filter's value is, in GraphQL and when bound."""

    DATE = "date"  # a day; bound as ISO text
    TEXT = "text"  # one string
    NAMES = "names"  # a list of strings; bound as one JSON array
    ID = "id"  # a row id (internal filters only)


def domain_key(domain: str) -> str:
    """A domain as ``sources.domain`` stores it: lower case, no ``www.``."""
    return domain.lower().removeprefix("www.")


@dataclass(frozen=True)
class Filter:
    """One way to narrow a list of events: datasette's one-object-per-filter, for GraphQL.

    ``name`` is its ``EventFilter`` field, ``condition`` a condition on events ``e`` with ``{p}``
    where the value goes (possibly more than once), ``normalize`` what a text value becomes.
    """

    name: str
    kind: Kind
    condition: str
    description: str | None = None
    normalize: Callable[[str], str] | None = None

    def clause(self, placeholder: str) -> str:
        """The condition with ``placeholder`` (``?``, ``?3``) where the value goes."""
        return self.condition.format(p=placeholder)

    @property
    def uses(self) -> int:
        """How many times the value appears in the condition."""
        return self.condition.count("{p}")

    def parameter(self, value: object) -> object | None:
        """The value as bound; None when it narrows nothing (null, an empty list).

        Raises ValueError for a value of the wrong kind (a date that does not exist).
        """
        if value is None:
            return None
        if self.kind is Kind.DATE:
            if isinstance(value, dt.date):
                return value.isoformat()
            if not isinstance(value, str):
                raise ValueError(f"{self.name}: not a date")
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError as exc:
                raise ValueError(f"{self.name}: {exc}") from None
        if self.kind is Kind.NAMES:
            if not isinstance(value, Sequence) or isinstance(value, str) or not all(
                    isinstance(item, str) for item in value):
                raise ValueError(f"{self.name}: not a list of strings")
            return json.dumps(list(value)) if value else None
        if self.kind is Kind.ID:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{self.name}: not an id")
            return value
        if not isinstance(value, str):
            raise ValueError(f"{self.name}: not a string")
        return self.normalize(value) if self.normalize else value


#: Events that have any of a JSON array of context names (``{p}``). Contexts stay the outer loop
#: (CROSS JOIN), so links are found by context through an index, never by walking every link.
_NAMED = ("SELECT ec.event_id FROM contexts c CROSS JOIN event_contexts ec ON ec.context_id = c.id"
          " WHERE c.name IN (SELECT value FROM json_each({p}))")

def utc_time(value: str) -> str:
    """An ISO 8601 time as ``builds.built_at`` spells it (UTC, seconds); a time without a zone is UTC."""
    try:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    except (ValueError, OverflowError):  # 0001-01-01T00:00+05:00 is before the first UTC time there is
        raise ValueError("changedAfter: not an ISO 8601 time, e.g. 2026-12-05T10:00:00Z") from None


#: Events added or changed by the builds after the last one that is ``{known}`` (a condition on
#: ``builds b``); every event when no build is (the client's copy predates the history).
_CHANGED = ("(NOT EXISTS (SELECT 1 FROM builds b WHERE {known}) OR e.path IN (SELECT path FROM event_changes"
            " WHERE change != 'removed' AND build_id > (SELECT max(b.id) FROM builds b WHERE {known})))")

#: The fields of ``EventFilter``, in the order the schema lists them; all given must hold (AND).
FILTERS: tuple[Filter, ...] = (
    Filter("dateFrom", Kind.DATE, "e.date >= {p}", "On or after this day."),
    Filter("dateTo", Kind.DATE, "e.date <= {p}", "On or before this day."),
    Filter("contextsAny", Kind.NAMES, f"e.id IN ({_NAMED})", "Has at least one."),
    Filter("contextsAll", Kind.NAMES, f"e.id IN ({_NAMED} GROUP BY ec.event_id"
           " HAVING count(*) = (SELECT count(DISTINCT value) FROM json_each({p})))", "Has every one."),
    Filter("contextsNone", Kind.NAMES, f"e.id NOT IN ({_NAMED})", "Has none of these."),
    Filter("category", Kind.TEXT, "e.category = {p}"),
    Filter("publisher", Kind.TEXT, "e.id IN (SELECT s.event_id FROM sources s WHERE s.name = {p})",
           "A source name, e.g. `BBC`."),
    Filter("domain", Kind.TEXT, "e.id IN (SELECT s.event_id FROM sources s WHERE s.domain = {p})",
           "A source host, e.g. `bbc.co.uk`.", domain_key),
    Filter("changedSince", Kind.TEXT, _CHANGED.format(known="b.fingerprint = {p}"),
           "Added or changed by a build after the last one with this corpus fingerprint (`builds`); "
           "every event when no build had it. What a mirror asks for to fetch only what is new."),
    Filter("changedAfter", Kind.TEXT, _CHANGED.format(known="b.built_at <= {p}"),
           "Added or changed by a build made after this ISO 8601 time (UTC unless it says); every event "
           "when no build is that old.", utc_time),
)
FILTERS_BY_NAME = {item.name: item for item in FILTERS}

#: The events of one context (``Context.events``, ``Context.timeline``): not an EventFilter field.
IN_CONTEXT = Filter("context", Kind.ID, "e.id IN (SELECT event_id FROM event_contexts WHERE context_id = {p})")


@dataclass(frozen=True)
class Criteria:
    """Which events a list holds: each filter given with its bound value (None: no filter)."""

    bound: tuple[tuple[Filter, object], ...] = ()

    def where(self) -> tuple[str, list[object]]:
        """The condition on ``e`` (``1`` when empty) and its parameters, for ``?`` placeholders."""
        clauses = [item.clause("?") for item, _ in self.bound]
        params = [parameter for item, parameter in self.bound for _ in range(item.uses)]
        return (" AND ".join(clauses) or "1"), params

    @property
    def empty(self) -> bool:
        return not self.bound
