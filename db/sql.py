"""The SQL vocabulary: what each field of the API means in SQL, written once for both executors.

The resolvers run these pieces as batched statements (``db.read.Reader``, behind the
DataLoaders); the compiled path (``gql.compiled``) nests the same pieces into one statement that
builds the whole answer as JSON. Declared here, rendered both ways:

- each **child list** (an event's sources, contexts and related links, a link's contexts):
  ``ChildList.batched()`` for many parents at once, ``ChildList.correlated(parent)`` for one;
- each **event filter**: in ``db.filters``, one object per filter (name, condition, value);
- the **keyset** of each date order (``Keyset``: after a cursor, before one, its mirror image), the
  **page** of events, the **backlinks** of an event, the **search** match, rank weights, rank
  rounding and snippet, and the **timeline**.

Values never enter this SQL: a condition has ``{p}`` where a bound parameter goes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .filters import Condition

# -- events -----------------------------------------------------------------------------------

EVENT_COLUMNS = ("id", "path", "date", "title", "story", "body", "category", "source_count", "related_count")


def event_columns(alias: str = "e") -> str:
    """The columns every Event is built from, of the events row ``alias``."""
    return ", ".join(f"{alias}.{column}" for column in EVENT_COLUMNS)


#: The event of one canonical path.
BY_PATH = "e.path = {p}"

# -- child lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildList:
    """Rows that hang off a parent row, in their order.

    ``source`` is the FROM clause (with aliases), ``key`` the column holding the parent's id,
    ``columns`` each output column and its SQL, ``order`` the order within one parent.
    """

    source: str
    key: str
    columns: tuple[tuple[str, str], ...]
    order: str

    def _select(self) -> str:
        return ", ".join(f"{sql} AS {name}" for name, sql in self.columns)

    def batched(self) -> str:
        """The rows of every parent whose id is in a JSON array (the one parameter), as column
        ``parent`` then the columns, grouped by parent: one statement for a DataLoader's batch."""
        return (f"SELECT {self.key} AS parent, {self._select()} FROM {self.source}"
                f" WHERE {self.key} IN (SELECT value FROM json_each(?)) ORDER BY {self.key}, {self.order}")

    def correlated(self, parent: str) -> str:
        """The rows of the one parent whose id is the SQL expression ``parent``, in order."""
        return f"SELECT {self._select()} FROM {self.source} WHERE {self.key} = {parent} ORDER BY {self.order}"


# The aliases inside a list are its own (``src``, ``link``, ``ctx``...): a caller names the list's rows.
_CONTEXT = (("id", "ctx.id"), ("name", "ctx.name"), ("event_count", "ctx.event_count"))

#: An event's sources, in the order the event cites them.
SOURCES = ChildList("sources src", "src.event_id",
                    (("name", "src.name"), ("url", "src.url"), ("domain", "src.domain")), "src.position")
#: An event's own contexts (the union of those on its links), by name.
EVENT_CONTEXTS = ChildList("event_contexts ec JOIN contexts ctx ON ctx.id = ec.context_id", "ec.event_id", _CONTEXT,
                           "ctx.name")
#: An event's related links, in the order the event lists them.
RELATED = ChildList("related link", "link.event_id",
                    (("id", "link.id"), ("target_path", "link.target_path"), ("target_id", "link.target_id"),
                     ("title", "link.title")), "link.position")
#: A related link's contexts, as the link lists them.
LINK_CONTEXTS = ChildList("related_contexts lc JOIN contexts ctx ON ctx.id = lc.context_id", "lc.related_id",
                          _CONTEXT, "lc.position")

def count_events(where: Condition) -> str:
    """How many events hold ``where``. A condition that is one list of event ids (``Condition.members``:
    contexts, sources, words, an ``or`` of them) is counted as that list, each id once, without
    looking each event up (two contexts of ~900 events each at 10^5: 2.1 -> 0.3 ms)."""
    if where.members is not None:
        return f"SELECT count(*) FROM (SELECT DISTINCT * FROM ({where.members}))"
    return f"SELECT count(*) FROM events e WHERE {where.sql}"


# -- orders and pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyset:
    """A date order over a rowid: event ids follow the canonical path, that is date then file name
    (and FTS rowids are event ids), so the page after a cursor is a rowid range, and a deep page
    costs what the first one costs.

    A cursor holds an event's path, never its id: ids are the build's, a path is the event's
    identity in every build. The path is turned into the id range by one lookup in the path
    index, and holds its place in the order even when its event is gone.
    """

    newest_first: bool

    @property
    def direction(self) -> str:
        return "DESC" if self.newest_first else "ASC"

    @property
    def reversed(self) -> Keyset:
        """The mirror-image order: a page before a cursor is the page after it in this order, reversed."""
        return Keyset(newest_first=not self.newest_first)

    def bound(self, cursor: str) -> tuple[str, str]:
        """(the id of the cursor's place, or of the nearest event past it; the comparison of rows after it)."""
        if self.newest_first:  # before the first event at or after the cursor's place
            return (f"coalesce((SELECT id FROM events WHERE path >= {cursor} ORDER BY path LIMIT 1),"
                    " 9223372036854775807)"), "<"
        return f"coalesce((SELECT id FROM events WHERE path <= {cursor} ORDER BY path DESC LIMIT 1), -1)", ">"

    def after(self, column: str, cursor: str) -> str:
        """Rows after the event path ``cursor`` (an SQL expression; NULL: from the start)."""
        bound, comparison = self.bound(cursor)
        return f"{column} {comparison} {bound}"

    def before(self, column: str, cursor: str) -> str:
        """Rows before the event path ``cursor`` (NULL: to the end): after it in the reversed order."""
        return self.reversed.after(column, cursor)

    def through(self, column: str, cursor: str) -> str:
        """Rows up to the event path ``cursor``, its event included (NULL: none): what ``after`` leaves out."""
        bound, comparison = self.bound(cursor)
        return f"{column} {'>=' if comparison == '<' else '<='} {bound}"

    def order(self, column: str) -> str:
        return f"{column} {self.direction}"


NEWEST_FIRST = Keyset(newest_first=True)
OLDEST_FIRST = Keyset(newest_first=False)
#: The keyset of each date order, by the name the GraphQL enums give it.
KEYSETS = {"NEWEST_FIRST": NEWEST_FIRST, "OLDEST_FIRST": OLDEST_FIRST}


def also(where: str) -> str:
    """`` AND where``, or nothing when ``where`` holds for every event (``1``)."""
    return "" if where == "1" else f" AND {where}"


def event_page(select: str, where: str, keyset: Keyset, cursor: str, limit: str, until: str | None = None) -> str:
    """A page of events ``e`` holding ``where``, after ``cursor`` (and before ``until``), in ``keyset`` order."""
    bounded = f" AND {keyset.before('e.id', until)}" if until is not None else ""
    return (f"SELECT {select} FROM events e WHERE {keyset.after('e.id', cursor)}{bounded}{also(where)}"
            f" ORDER BY {keyset.order('e.id')} LIMIT {limit}")


def events_through(where: str, keyset: Keyset, cursor: str) -> str:
    """Whether an event holding ``where`` is at or before ``cursor`` in ``keyset`` order (0 or 1): is
    there a page on the other side of a cursor."""
    return f"SELECT EXISTS (SELECT 1 FROM events e WHERE {keyset.through('e.id', cursor)}{also(where)})"


# -- backlinks --------------------------------------------------------------------------------

#: The order of an event's backlinks: newest citing event first, then each event's links in the order
#: it lists them (served by the index on ``related(target_id, event_id DESC, position)``).
BACKLINKS = NEWEST_FIRST
#: A place among backlinks, as SQL expressions: (the citing event's path, the link's position in it).
LinkPlace = tuple[str, str]


def _link_after(keyset: Keyset, place: LinkPlace) -> str:
    """Links ``r`` after ``place`` in ``keyset``'s order of citing events, positions the other way round.

    Only the events of the place's own path compare positions: one gone from the file holds its
    place in the order of events, with none of its links."""
    path, position = place
    bound, comparison = keyset.bound(path)
    positions = ">" if comparison == "<" else "<"
    return (f"r.event_id {comparison}= {bound} AND (r.event_id {comparison} {bound}"
            f" OR (r.event_id IS (SELECT id FROM events WHERE path = {path}) AND r.position {positions} {position}))")


def backlink_page(select: str, target: str, keyset: Keyset, cursor: LinkPlace | None, until: LinkPlace | None,
                  limit: str, citing: str = "e") -> str:
    """A page of the links ``r`` pointing at the event id ``target``, each joined to its citing event
    (as ``citing``: another name where ``target`` is a column of an outer ``e``): after ``cursor``
    (and before ``until``), citing events in ``keyset`` order."""
    bounds = "".join(f" AND {_link_after(order, place)}"
                     for order, place in ((keyset, cursor), (keyset.reversed, until)) if place is not None)
    return (f"SELECT {select} FROM related r CROSS JOIN events {citing} ON {citing}.id = r.event_id"
            f" WHERE r.target_id = {target}"
            f"{bounds} ORDER BY {keyset.order('r.event_id')}, r.position {keyset.reversed.direction} LIMIT {limit}")


def linked_from_count(target: str) -> str:
    """How many links point at the event id ``target`` (``linkedFromCount``, a backlink page's
    ``totalCount``); ``Reader.linked_from_counts`` counts a batch of events the same way."""
    return f"(SELECT count(*) FROM related WHERE target_id = {target})"


def backlinks_through(target: str, keyset: Keyset, place: LinkPlace) -> str:
    """Whether a link pointing at ``target`` is at or before ``place`` in ``keyset`` order (0 or 1)."""
    after = _link_after(keyset, place)
    return f"SELECT EXISTS (SELECT 1 FROM related r WHERE r.target_id = {target} AND NOT ({after}))"


# -- search -----------------------------------------------------------------------------------

#: The FTS5 match, scored by bm25 with the columns weighted title 10, body 1, context names 5.
SEARCH_MATCH = "events_fts MATCH {p} AND f.rank MATCH 'bm25(10.0, 1.0, 5.0)'"
def ranked(rank: str = "f.rank", rowid: str = "f.rowid") -> str:
    """The order of hits by relevance: best score first, ties in id order (over any columns)."""
    return f"{rank}, {rowid}"


RANKED = ranked()
#: An event whose indexed text (title, body and context names) is longer than this, in characters,
#: gets its snippet from the title alone, or none if the title itself is longer: FTS5 tokenizes a
#: whole text for a snippet, in time that grows faster than the text and that SQLite cannot
#: interrupt (a 3.5 MB body took 2.3 s, a 12 MB one minutes), and the build accepts 16 MiB files.
SNIPPET_TEXT_CHARS = 65_536
_MARKS = "'<mark>', '</mark>', '…', 16"
#: A hit's text around the matches, ``<mark>`` around each; never null. The lengths are looked up
#: by the hit's rowid, so the expression reads the same with or without the events joined.
SNIPPET = (f"coalesce((SELECT CASE WHEN length(title) + length(body) + coalesce(length(context_names), 0)"
           f" <= {SNIPPET_TEXT_CHARS} THEN snippet(events_fts, -1, {_MARKS})"
           f" WHEN length(title) <= {SNIPPET_TEXT_CHARS} THEN snippet(events_fts, 0, {_MARKS}) END"
           " FROM events WHERE id = f.rowid), '')")
RANK_DECIMALS = 6


def rounded_rank(rank: str) -> str:
    """A bm25 score as the API gives it: 6 decimals (the raw score orders, this one is shown)."""
    return f"round({rank}, {RANK_DECIMALS})"


def search_hits(select: str, match: str, *, with_events: bool, where: str = "1", ids: str = "1") -> str:
    """Hits ``f`` of the FTS5 expression ``match`` (a placeholder) whose events ``e`` hold ``where``
    (a filter), joined to their events if asked or filtered. ``ids`` is what of the filter is a range
    of ``f.rowid`` (``Criteria.id_range``): FTS5 then walks only that part of its index, where
    ``where`` alone would have it score every hit and drop those outside the range."""
    joined = " JOIN events e ON e.id = f.rowid" if with_events or where != "1" else ""
    return f"SELECT {select} FROM events_fts f{joined} WHERE {SEARCH_MATCH.format(p=match)}{also(where)}{also(ids)}"


def hits_by_date(hits: str, keyset: Keyset, cursor: str, until: str | None = None) -> str:
    """``hits`` (``search_hits``) after the event path ``cursor`` (and before ``until``), in ``keyset``
    order: FTS5 walks its index in rowid order and stops at the page's LIMIT."""
    bounded = f" AND {keyset.before('f.rowid', until)}" if until is not None else ""
    return f"{hits} AND {keyset.after('f.rowid', cursor)}{bounded} ORDER BY {keyset.order('f.rowid')}"


def hits_through(match: str, keyset: Keyset, cursor: str, where: str = "1", ids: str = "1") -> str:
    """Whether a hit of ``match`` among the events holding ``where`` is at or before ``cursor`` in
    ``keyset`` order (0 or 1)."""
    hits = search_hits("1", match, with_events=False, where=where, ids=ids)
    return f"SELECT EXISTS ({hits} AND {keyset.through('f.rowid', cursor)})"


def count_hits(match: str, where: str = "1", ids: str = "1") -> str:
    """How many hits ``match`` has among the events holding ``where``."""
    if where == "1":
        return f"SELECT count(*) FROM events_fts WHERE events_fts MATCH {match}"
    return f"SELECT count(*) FROM ({search_hits('1', match, with_events=True, where=where, ids=ids)})"


# -- timeline ---------------------------------------------------------------------------------

#: Characters of an ISO date that name a bucket of each width.
BUCKET_WIDTHS = {"DAY": 10, "MONTH": 7, "YEAR": 4}


def matched_ids(where: str) -> str:
    """The id of every event holding ``where``: a set the statistics (``db.facets``) count, gathered
    first (MATERIALIZED by the caller) through the filter's own indexes."""
    return f"SELECT e.id AS id FROM events e WHERE {where}"


def matched_dates(where: str) -> str:
    """The date of every event holding ``where``, gathered first (MATERIALIZED by the caller): the
    filter's own indexes find them. Grouped in one statement, SQLite may walk the whole date index
    to spare itself a sort."""
    return f"SELECT e.date AS date FROM events e WHERE {where}"


def timeline(width: int, matched: str | None) -> str:
    """Events per bucket, in bucket order: from the per-day table, or counted from ``matched``
    (a table of dates, see ``matched_dates``)."""
    bucket = f"substr(date, 1, {int(width)}) AS bucket"
    if matched is None:
        return f"SELECT {bucket}, sum(event_count) AS count FROM days GROUP BY bucket ORDER BY bucket"
    return f"SELECT {bucket}, count(*) AS count FROM {matched} GROUP BY bucket ORDER BY bucket"
