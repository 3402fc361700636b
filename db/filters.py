"""The event filters: one object per filter, as datasette's ``filters.py`` has, for GraphQL.

Each ``Filter`` is the whole of what a filter means: its ``EventFilter`` field name, the kind of
value it takes, its SQL condition and how the value binds to it. The GraphQL input type
(``gql.schema.inputs``), the resolvers (``Criteria.where``, through ``db.read``) and the compiled
path (``gql.compiled.roots``) all iterate ``FILTERS``: a new filter is one declaration here.

Both compose the filters given into one ``Condition``: its SQL and, when it is one list of event
ids (a filter declared as one, an ``or``), that list, which ``either`` unions and
``sql.count_events`` counts as it is; neither reads a list back out of the SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

# -- filters ----------------------------------------------------------------------------------


class Kind(Enum):
    """What a filter's value is, in GraphQL and when bound."""

    DATE = "date"  # a day; bound as ISO text
    TEXT = "text"  # one string
    NAMES = "names"  # a list of strings; bound as one JSON array
    WORDS = "words"  # search words, the plain syntax of `search`; bound as an FTS5 expression
    ID = "id"  # a row id (internal filters only)


#: Words of a plain search that are kept (each is a term FTS5 looks up).
MAX_SEARCH_WORDS = 32
_WORD = re.compile(r"\w+", re.UNICODE)


def plain_match(text: str) -> str | None:
    """What a search box sends -> an FTS5 expression that cannot be a syntax error: every word
    quoted, the last one a prefix (it may be typed in part). None when the text has no words."""
    words = _WORD.findall(text)[:MAX_SEARCH_WORDS]
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def domain_key(domain: str) -> str:
    """A domain as ``sources.domain`` stores it: lower case, no ``www.``."""
    return domain.lower().removeprefix("www.")


def _among(members: str) -> str:
    """The condition that an event ``e`` is among ``members`` (a SELECT of event ids)."""
    return f"e.id IN ({members})"


@dataclass(frozen=True)
class Condition:
    """A condition on events ``e`` as SQL, and, when it is one list of event ids (``e.id IN
    (<members>)``: contexts, sources, words, an ``or``), that list: what ``either`` unions and
    ``sql.count_events`` counts as it is, rather than looking each event up."""

    sql: str
    members: str | None = None

    def nested(self) -> Condition:
        """The condition in parentheses, to go inside another; the same list of ids."""
        return Condition(f"({self.sql})", self.members)


#: The condition every event holds.
EVERY = Condition("1")


@dataclass(frozen=True)
class Filter:
    """One way to narrow a list of events: datasette's one-object-per-filter, for GraphQL.

    ``name`` is its ``EventFilter`` field, ``condition`` a condition on events ``e`` with ``{p}``
    where the value goes (possibly more than once), ``normalize`` what a text value becomes. A
    filter that is a list of event ids declares the list instead (``members``, a SELECT of ids with
    ``{p}``), and its condition is ``e.id IN (<members>)``: the list is then known as one where the
    conditions compose (``either``, ``sql.count_events``), never read back from their text.
    """

    name: str
    kind: Kind
    condition: str = ""
    description: str | None = None
    normalize: Callable[[str], str] | None = None
    #: The same filter as a range of event ids, on ``{id}`` (an id begins with its day: ``db.ids``),
    #: where one is: what FTS5 can narrow its walk by, which it cannot by a column of ``events``.
    ids: str | None = None
    #: The events the filter holds for as a list of their ids, with ``{p}``, where it is one.
    members: str | None = None

    def __post_init__(self) -> None:
        if (self.members is None) == (not self.condition):
            raise ValueError(f"{self.name}: a condition or a list of members, one of them")
        if self.members is not None:
            object.__setattr__(self, "condition", _among(self.members))

    def clause(self, placeholder: str) -> str:
        """The condition with ``placeholder`` (``?``, ``?3``) where the value goes."""
        return self.condition.format(p=placeholder)

    def where(self, placeholder: str) -> Condition:
        """The condition with ``placeholder`` where the value goes, and its list of ids if it is one."""
        members = self.members.format(p=placeholder) if self.members is not None else None
        return Condition(self.clause(placeholder), members)

    def id_clause(self, column: str, placeholder: str) -> str | None:
        """The range of ids of the rowid ``column`` the filter holds for, if it is one."""
        return self.ids.format(id=column, p=placeholder) if self.ids else None

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
        if self.kind is Kind.WORDS:
            match = plain_match(value)
            if match is None:
                raise ValueError(f"{self.name}: no words to search for")
            return match
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

#: The ordinal (``date.toordinal()``) of the ISO day ``{p}``: the high bits of its events' ids.
_ORDINAL = "CAST(julianday({p}) - 1721424.5 AS INTEGER)"

#: The fields of ``EventFilter``, in the order the schema lists them; all given must hold (AND).
FILTERS: tuple[Filter, ...] = (
    Filter("text", Kind.WORDS, members="SELECT rowid FROM events_fts WHERE events_fts MATCH {p}",
           description="Has these words in its title, body or context names, read as `search` reads its query "
           "(the last word may be the start of one)."),
    Filter("dateFrom", Kind.DATE, "e.date >= {p}", "On or after this day.", ids=f"{{id}} >= ({_ORDINAL} << 32)"),
    Filter("dateTo", Kind.DATE, "e.date <= {p}", "On or before this day.", ids=f"{{id}} < (({_ORDINAL} + 1) << 32)"),
    Filter("contextsAny", Kind.NAMES, members=_NAMED, description="Has at least one."),
    Filter("contextsAll", Kind.NAMES, members=f"{_NAMED} GROUP BY ec.event_id"
           " HAVING count(*) = (SELECT count(DISTINCT value) FROM json_each({p}))", description="Has every one."),
    Filter("contextsNone", Kind.NAMES, f"e.id NOT IN ({_NAMED})", "Has none of these."),  # not a list: its complement
    Filter("category", Kind.TEXT, "e.category = {p}"),
    Filter("publisher", Kind.TEXT, members="SELECT s.event_id FROM sources s WHERE s.name = {p}",
           description="A source name, e.g. `BBC`."),
    Filter("domain", Kind.TEXT, members="SELECT s.event_id FROM sources s WHERE s.domain = {p}",
           description="A source host, e.g. `bbc.co.uk`.", normalize=domain_key),
    Filter("changedSince", Kind.TEXT, _CHANGED.format(known="b.fingerprint = {p}"),
           "Added or changed by a build after the last one with this corpus fingerprint (`builds`); "
           "every event when no build had it. What a mirror asks for to fetch only what is new."),
    Filter("changedAfter", Kind.TEXT, _CHANGED.format(known="b.built_at <= {p}"),
           "Added or changed by a build made after this ISO 8601 time (UTC unless it says); every event "
           "when no build is that old.", utc_time),
)
FILTERS_BY_NAME = {item.name: item for item in FILTERS}

#: The events of one context (``Context.events``, ``Context.timeline``): not an EventFilter field.
IN_CONTEXT = Filter("context", Kind.ID, members="SELECT event_id FROM event_contexts WHERE context_id = {p}")


def every(conditions: Sequence[Condition]) -> Condition:
    """Events holding all of ``conditions`` (none: every event); one condition is itself, its list
    of ids included."""
    if len(conditions) == 1:
        return conditions[0]
    return Condition(" AND ".join(item.sql for item in conditions) or EVERY.sql)


def either(conditions: Sequence[Condition]) -> Condition:
    """Events holding at least one of ``conditions`` (none: no event), as one list of ids: a page
    walks it in id order from the cursor, where SQLite's OR optimisation would gather every match
    of every branch and sort them. Parameters go in the order the conditions are given.

    A condition that is a list of ids already (``Condition.members``: contexts, sources, words)
    is that list in the union, not each of its events looked up to hold it (two contexts of ~900
    events each at 10^5: 6.5 -> 2.6 ms); ids no event has never pass the ``e.id IN`` around it."""
    if not conditions:
        return Condition("0")
    members = " UNION ".join(item.members or f"SELECT e.id FROM events e WHERE {item.sql}" for item in conditions)
    return Condition(_among(members), members)


def neither(condition: Condition) -> Condition:
    """Events ``condition`` does not hold for. NOT of an unknown (a NULL category compared) is
    unknown; an event the condition does not hold for is one this holds for."""
    return Condition(f"NOT coalesce({condition.sql}, 0)")


@dataclass(frozen=True)
class Criteria:
    """Which events a list holds: each filter given with its bound value, and the filters composed
    with it (``EventFilter``'s ``and``, ``or`` and ``not``). Everything given must hold.

    ``any_of`` is None when no ``or`` was given; an empty ``or`` holds for no event, as an
    empty ``and`` holds for every one (the identities of OR and AND).
    """

    bound: tuple[tuple[Filter, object], ...] = ()
    all_of: tuple[Criteria, ...] = ()
    any_of: tuple[Criteria, ...] | None = None
    none_of: Criteria | None = None

    def where(self) -> tuple[str, list[object]]:
        """The condition on ``e`` (``1`` when empty) and its parameters, for ``?`` placeholders."""
        condition, params = self.condition()
        return condition.sql, params

    def condition(self) -> tuple[Condition, list[object]]:
        """``where``'s condition as a ``Condition`` (with its list of ids, when it is one) and its parameters."""
        conditions = [item.where("?") for item, _ in self.bound]
        params: list[object] = [parameter for item, parameter in self.bound for _ in range(item.uses)]
        for part in self.all_of:
            conditions.append(part._nested(params))
        if self.any_of is not None:
            conditions.append(either([part._nested(params) for part in self.any_of]))
        if self.none_of is not None:
            conditions.append(neither(self.none_of._nested(params)))
        return every(conditions), params

    def id_range(self, column: str) -> tuple[str, list[object]]:
        """What of these criteria is a range of ids of the rowid ``column`` (``1``: none) and its
        parameters: the date filters given at the top or inside ``and``, which hold for every event
        the criteria hold for."""
        clauses: list[str] = []
        params: list[object] = []
        for item, parameter in self.bound:
            clause = item.id_clause(column, "?")
            if clause is not None:
                clauses.append(clause)
                params += [parameter] * item.ids.count("{p}")  # type: ignore[union-attr]
        for part in self.all_of:
            clause, own = part.id_range(column)
            if clause != "1":
                clauses.append(clause)
                params += own
        return " AND ".join(clauses) or "1", params

    def _nested(self, params: list[object]) -> Condition:
        condition, own = self.condition()
        params.extend(own)
        return condition.nested()

    def also(self, other: Criteria) -> Criteria:
        """These criteria and ``other`` both."""
        return other if self.empty else self if other.empty else Criteria(all_of=(self, other))

    @property
    def empty(self) -> bool:
        """Holds for every event whatever the file holds (nothing given, or only empty ``and``s)."""
        return (all(part.empty for part in self.all_of) and not self.bound and self.any_of is None
                and self.none_of is None)


#: The criteria of an unfiltered list.
EVERY_EVENT = Criteria()
