"""The benchmark's queries: the GraphQL documents (ours and datasette-graphql's), the variables that
rotate through them, and how an answer is reduced to what must agree across servers.

Variables come from the database under test, picked by a seeded shuffle, so runs are repeatable
and no response cache can answer a rotating query from an earlier request.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from gql.arguments import EVENT_CURSOR
from gql.cursors import encode

Vars = dict[str, Any]
MAX_LINES = 20_000  # distinct requests per rotating query: more than our response cache holds
OUR_CACHE_ENTRIES = 4096  # gql.limits.RESPONSE_CACHE_ENTRIES: an LRU of this many answers

Q1 = "query Q1($path: String!) { event(path: $path) { path date title body category sources { name url domain } contexts { name } } }"  # noqa: E501
Q2 = "query Q2 { events(first: 50) { edges { node { path date title sources { name url } } } } }"
Q3 = "query Q3($path: String!) { event(path: $path) { title related { path title event { title date sources { name url } } } } }"  # noqa: E501
SEARCH = "query Search($q: String!) { search(query: $q, first: 10) { edges { rank snippet node { title date } } } }"
# datasette-graphql's answer: the first matches by primary key (datasette does not rank), for the
# same FTS5 expression (datasette leaves quoted words as they are)
SEARCH_DATE = ("query SearchDate($q: String!) { search(query: $q, first: 10, advanced: true, orderBy: OLDEST_FIRST)"
               " { edges { node { title date } } } }")
TIMELINE = "query Timeline { timeline(interval: MONTH) { bucket count } }"
TIMELINE_CTX = "query TimelineCtx($ctx: [String!]) { timeline(interval: MONTH, filter: {contextsAny: $ctx}) { bucket count } }"  # noqa: E501
#: The query surface's rows (issue 12): a search narrowed by a filter, an `or` of two contexts, a
#: context's facets over all its events
SEARCH_FILTERED = ("query SearchFiltered($q: String!, $from: Date, $to: Date) { search(query: $q, first: 10, filter:"
                   " {dateFrom: $from, dateTo: $to}) { totalCount edges { rank snippet node { title date } } } }")
OR_CTX = ("query OrCtx($a: [String!], $b: [String!]) { events(first: 20, filter: {or: [{contextsAny: $a},"
          " {contextsAny: $b}]}) { totalCount edges { node { path date title } } } }")
FACETS_CTX = ("query FacetsCtx($ctx: [String!]) { events(first: 0, filter: {contextsAny: $ctx}) { totalCount facets {"
              " contexts { context { name } count } publishers { value count } domains { value count }"
              " categories { value count } years { bucket count } } } }")
#: A page of an event's backlinks, and a page of events read backward from a cursor
BACKLINKS = ("query Backlinks($path: String!) { event(path: $path) { linkedFrom(first: 10) { totalCount"
             " edges { node { title event { path date title } } } } } }")
BACKWARD = ("query Backward($before: String) { events(last: 20, before: $before) { pageInfo { hasPreviousPage"
            " startCursor } edges { node { path date title } } } }")
DEPTH3 = "query Depth3($path: String!) { event(path: $path) { related { event { related { event { related { event { title } } } } } } } }"  # noqa: E501

# datasette-graphql 2.2: a table per field, filters, sort, `*_list` for reverse foreign keys and
# the foreign-key column itself for forward nesting (`target_id { title }`).
_DS_SOURCES = "sources_list(sort: position, first: 100) { nodes { name url } }"
DS_Q1 = (
    "query Q1($path: String!) { events(filter: [{path: {eq: $path}}]) { nodes { path date title body category"
    " sources_list(sort: position, first: 100) { nodes { name url domain } }"
    " event_contexts_list(first: 100) { nodes { context_id { name } } } } } }"
)
DS_Q2 = f"query Q2 {{ events(first: 50, sort_desc: id) {{ nodes {{ path date title {_DS_SOURCES} }} }} }}"
DS_Q3 = (
    "query Q3($path: String!) { events(filter: [{path: {eq: $path}}]) { nodes { title"
    " related_by_event_id_list(sort: position, first: 100) { nodes { target_path title"
    f" target_id {{ title date {_DS_SOURCES} }} }} }} }} }} }}"
)
DS_SEARCH = "query Search($q: String!) { events(search: $q, first: 10) { nodes { title date } } }"
DS_SEARCH_DATE = DS_SEARCH.replace("query Search(", "query SearchDate(")
_DS_REL = "related_by_event_id_list(sort: position, first: 100) { nodes { target_id { %s } } }"
DS_DEPTH3 = (
    "query Depth3($path: String!) { events(filter: [{path: {eq: $path}}]) { nodes { "
    + _DS_REL % (_DS_REL % (_DS_REL % "title")) + " } } }"
)


@dataclass(frozen=True)
class Spec:
    """One row of the results table."""

    key: str
    label: str
    document: str
    limit: str  # limit_app route name
    pool: str  # which variables rotate: "none", "one" (a fixed path), "nonce", "path", "related", "search",
    #  "search_fts" (the same words, each quoted: an FTS5 expression), "ctx", "search_window" (the
    #  same words and the days around their event that hold 1,000 events), "context" and "ctx_pair" (one or two
    #  contexts of 2 to 1,000 events: a size class both N have, so a row costs the same at both),
    #  "cited" (paths of events some link points at), "before" (a cursor of each event path)
    #  "nonce": the same document with a variable it does not declare (GraphQL ignores it), so the
    #  answer is identical but no response cache keyed on the request can serve it
    datasette: str | None = None
    method: str = "POST"
    same_as: str | None = None  # servers without a cache answer it like this row (not re-measured)
    #: how a request carries its values: "variables"; "renamed" (the document renamed per request,
    #: `query Q2_17 {...}`, from the nonce); "inlined" (the values written into the document)
    written: str = "variables"
    #: datasette-graphql's answer is the same one (True), or another kind of answer to the same words
    #: (False: it cannot rank, so ranked search is set against its unranked search, not compared)
    like_for_like: bool = True

    @property
    def operation(self) -> str:
        return self.document.split()[1].split("(")[0]

    @property
    def repeats(self) -> bool:
        """Every request identical: a cache may answer, so the limit includes its cached form."""
        return self.pool in ("none", "one")


SPECS: tuple[Spec, ...] = (
    Spec("Q1", "event by path + sources + contexts", Q1, "q1", "path", DS_Q1),
    Spec("Q1lit", "Q1 with the path written into the query", Q1, "q1", "path", DS_Q1, same_as="Q1",
         written="inlined"),
    Spec("Q2", "50 newest events + sources", Q2, "q2", "none", DS_Q2),
    Spec("Q2n", "Q2 + undeclared nonce variable", Q2, "q2", "nonce", DS_Q2, same_as="Q2"),
    Spec("Q2op", "Q2 with an operation name of its own per request", Q2, "q2", "nonce", DS_Q2, same_as="Q2",
         written="renamed"),
    Spec("Q3", "event + 10 related + their sources", Q3, "q3", "related", DS_Q3),
    Spec("Q3lit", "Q3 with the path written into the query", Q3, "q3", "related", DS_Q3, same_as="Q3",
         written="inlined"),
    Spec("search", "search, 2 rotating words, first 10 by rank", SEARCH, "search", "search", DS_SEARCH,
         like_for_like=False),
    Spec("search_date", "search, same words, first 10 by date", SEARCH_DATE, "search_date", "search_fts",
         DS_SEARCH_DATE),
    Spec("timeline", "timeline by month (identical)", TIMELINE, "timeline", "none"),
    Spec("timeline_n", "timeline + undeclared nonce", TIMELINE, "timeline", "nonce", same_as="timeline"),
    Spec("timeline_ctx", "timeline, contextsAny of 2", TIMELINE_CTX, "timeline_ctx", "ctx"),
    Spec("depth3", "related x3 recursion", DEPTH3, "depth3", "related", DS_DEPTH3),
    Spec("search_filtered", "search's words within a month around their event, first 10 by rank",
         SEARCH_FILTERED, "search_filtered", "search_window"),
    Spec("or_ctx", "20 newest events of either of two contexts (`or`)", OR_CTX, "or_ctx", "ctx_pair"),
    Spec("facets_ctx", "facets (5 lists) of a context's events", FACETS_CTX, "facets_ctx", "context"),
    Spec("backlinks", "the 10 newest links pointing at an event, with their citing events", BACKLINKS, "backlinks",
         "cited"),
    Spec("backward", "the 20 events before a cursor (`last`/`before`), newest first", BACKWARD, "backward",
         "before"),
    Spec("Q1get", "Q1 as identical GET (warm cache)", Q1, "q1", "one", DS_Q1, method="GET"),
)


# -- variables ------------------------------------------------------------------------------------


def _shuffled(conn: sqlite3.Connection, columns: str, where: str, limit: int) -> list[Any]:
    """Columns of events in a deterministic pseudo-random order (a multiplicative hash of the id)."""
    return [row if len(row) > 1 else row[0] for row in conn.execute(
        f"SELECT {columns} FROM events WHERE {where} ORDER BY (id * 2654435761) % 4294967296 LIMIT ?", (limit,))]


_WORDY = re.compile(r"[A-Za-z]{5,}")
_STOP = {"about", "after", "against", "amid", "before", "during", "despite", "following", "their", "there"}


#: Events in the window a filtered search narrows to: the same at every N, so is the work.
WINDOW_EVENTS = 1000


def _window(conn: sqlite3.Connection, events: int) -> Callable[[str], tuple[str, str]]:
    """The days around a day (as many before as after) that hold at least ``events`` events."""
    days = conn.execute("SELECT date, event_count FROM days ORDER BY date").fetchall()
    place = {date: index for index, (date, _) in enumerate(days)}
    totals = [0]
    for _, count in days:
        totals.append(totals[-1] + count)

    def around(date: str) -> tuple[str, str]:
        index = place[date]
        for reach in range(len(days)):
            low, high = max(0, index - reach), min(len(days) - 1, index + reach)
            if totals[high + 1] - totals[low] >= events or (low == 0 and high == len(days) - 1):
                return days[low][0], days[high][0]
        return days[0][0], days[-1][0]

    return around


def variable_pools(db: str, limit: int = MAX_LINES) -> dict[str, list[Vars]]:
    """Variables for every pool, read from the database under test."""
    conn = sqlite3.connect(f"file:{quote(db)}?mode=ro&immutable=1", uri=True)
    try:
        paths = [{"path": p} for p in _shuffled(conn, "path", "1", limit)]
        # events with 8-10 links first; at small N, also those with fewer, so that there are
        # more distinct requests than our response cache holds
        linked = "EXISTS (SELECT 1 FROM related r WHERE r.event_id = events.id AND r.target_id IS NOT NULL)"
        related = [{"path": p} for p in _shuffled(conn, "path", f"related_count >= 8 AND {linked}", limit)]
        if len(related) < limit:
            related += [{"path": p} for p in _shuffled(
                conn, "path", f"related_count < 8 AND {linked}", limit - len(related))]
        # search: a topic word (Zipf-popular, like a place name) and a headline word, as people
        # search; a pair already taken gets a third word. ctx: the first context of two events in
        # a row ("events about A or B"). Small corpora would otherwise repeat requests.
        search: list[Vars] = []
        search_window: list[Vars] = []
        around = _window(conn, WINDOW_EVENTS)
        taken: set[str] = set()
        for index, (title, names, date) in enumerate(_shuffled(conn, "title, context_names, date",
                                                               "context_names IS NOT NULL", limit)):
            topic = max(_WORDY.findall(names.split("; ")[0]) or [""], key=len)
            found = [w for w in _WORDY.findall(title) if w.lower() not in _STOP and w != topic]
            if not topic or not found:
                continue
            words = [topic, found[index * 7 % len(found)]]
            if " ".join(words) in taken and len(found) > 1:
                words.append(found[(index * 7 + 1) % len(found)])
            taken.add(" ".join(words))
            search.append({"q": " ".join(words)})
            first_day, last_day = around(date)
            search_window.append({"q": " ".join(words), "from": first_day, "to": last_day})
        ctx: list[Vars] = []
        previous = ""
        for names in _shuffled(conn, "context_names", "context_names IS NOT NULL", limit):
            first = names.split("; ")[0]
            if previous and previous != first:
                ctx.append({"ctx": [first, previous]})
            previous = first
        cited = [{"path": p} for p in _shuffled(conn, "path", "id IN (SELECT target_id FROM related)", limit)]
        sized = [row[0] for row in conn.execute(
            "SELECT name FROM contexts WHERE event_count BETWEEN 2 AND 1000"
            " ORDER BY (id * 2654435761) % 4294967296 LIMIT ?", (limit,))]
    finally:
        conn.close()
    pools: dict[str, list[Vars]] = {
        "none": [{}], "one": (related or paths)[:1], "nonce": [{"nonce": i} for i in range(limit)], "path": paths,
        "related": related or paths, "search": search, "ctx": ctx,
        "search_fts": [{"q": " ".join(f'"{word}"' for word in v["q"].split())} for v in search],
        "search_window": search_window, "cited": cited,
        "before": [{"before": encode(EVENT_CURSOR, v["path"])} for v in paths],
        "context": [{"ctx": [name]} for name in sized],
        # every context paired with others further down the list: more pairs than the response cache holds
        "ctx_pair": [{"a": [sized[i]], "b": [sized[(i + step) % len(sized)]]} for step in range(1, 10)
                     for i in range(len(sized)) if len(sized) > step][:limit],
    }
    return {name: _distinct(pool) for name, pool in pools.items()}


def _distinct(pool: list[Vars]) -> list[Vars]:
    """Each variable set once, first occurrence kept: the count of lines is the count of distinct requests."""
    return list({orjson.dumps(v, option=orjson.OPT_SORT_KEYS): v for v in pool}.values())


# -- request lines for wrk ------------------------------------------------------------------------


def body(document: str, operation: str, variables: Vars) -> bytes:
    payload: dict[str, Any] = {"query": document, "operationName": operation}
    if variables:
        payload["variables"] = variables
    return orjson.dumps(payload)


def renamed(document: str, operation: str, name: str) -> tuple[str, str]:
    """(document, operation name) with the operation renamed: a new document text for a server."""
    return document.replace(f"query {operation}", f"query {name}", 1), name


def inlined(document: str, variables: Vars) -> str:
    """The document with its variables written in as literals (and their declarations dropped)."""
    document = re.sub(r"\(\$[^)]*\)", "", document, count=1)
    for name, value in variables.items():
        document = document.replace(f"${name}", orjson.dumps(value).decode())
    return document


def get_target(path: str, document: str, operation: str, variables: Vars) -> str:
    target = f"{path}?query={quote(document)}&operationName={operation}"
    if variables:
        target += f"&variables={quote(orjson.dumps(variables).decode())}"
    return target


# -- answers reduced to what must agree ------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Deep equality, floats within 1e-5 relative: SQLite's JSON prints 15 digits, orjson 17, and
    a server may round (bm25 ranks)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-5,
                                                                                          abs_tol=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _ds_node(data: Any) -> Any:
    nodes = data["events"]["nodes"]
    return nodes[0] if nodes else None


def _ds_sources(node: Any, *fields: str) -> list[tuple[Any, ...]]:
    return [tuple(s[f] for f in fields) for s in node["sources_list"]["nodes"]]


def _ours_q1(d: Any) -> Any:
    e = d["event"]
    return e and (e["title"], e["date"], e["body"], e["category"],
                  [(s["name"], s["url"], s["domain"]) for s in e["sources"]], sorted(c["name"] for c in e["contexts"]))


def _ds_q1(d: Any) -> Any:
    e = _ds_node(d)
    return e and (e["title"], e["date"], e["body"], e["category"], _ds_sources(e, "name", "url", "domain"),
                  sorted(c["context_id"]["name"] for c in e["event_contexts_list"]["nodes"]))


def _ours_q2(d: Any) -> Any:
    return [(n["path"], n["title"], [(s["name"], s["url"]) for s in n["sources"]])
            for n in (edge["node"] for edge in d["events"]["edges"])]


def _ds_q2(d: Any) -> Any:
    return [(n["path"], n["title"], _ds_sources(n, "name", "url")) for n in d["events"]["nodes"]]


def _ours_q3(d: Any) -> Any:
    e = d["event"]
    return e and (e["title"], [
        (r["path"], r["title"], r["event"] and (r["event"]["title"], r["event"]["date"],
                                                [(s["name"], s["url"]) for s in r["event"]["sources"]]))
        for r in e["related"]])


def _ds_q3(d: Any) -> Any:
    e = _ds_node(d)
    return e and (e["title"], [
        (r["target_path"], r["title"], r["target_id"] and (
            r["target_id"]["title"], r["target_id"]["date"], _ds_sources(r["target_id"], "name", "url")))
        for r in e["related_by_event_id_list"]["nodes"]])


def _leaves(node: Any, ours: bool) -> list[Any]:
    """Titles at depth 3, in order, None for dangling links."""
    if node is None:
        return [None]
    if "title" in node:
        return [node["title"]]
    links = node["related"] if ours else node["related_by_event_id_list"]["nodes"]
    out: list[Any] = []
    for link in links:
        out += _leaves(link["event"] if ours else link["target_id"], ours)
    return out


#: (reduce ours, reduce datasette): datasette has no rank or snippet and does not rank, so ranked
#: search agrees on the number of hits only; search in date order gives the same hits in order.
CHECKS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "Q1": (_ours_q1, _ds_q1),
    "Q1get": (_ours_q1, _ds_q1),
    "Q2": (_ours_q2, _ds_q2),
    "Q3": (_ours_q3, _ds_q3),
    "search": (lambda d: len(d["search"]["edges"]), lambda d: len(d["events"]["nodes"])),
    "search_date": (lambda d: [(e["node"]["title"], e["node"]["date"]) for e in d["search"]["edges"]],
                    lambda d: [(n["title"], n["date"]) for n in d["events"]["nodes"]]),
    "depth3": (lambda d: _leaves(d["event"], True), lambda d: _leaves(_ds_node(d), False)),
}
