""""The limit": the same JSON answers as the GraphQL API from a bare Starlette app, no GraphQL at all.

Run with ``BENCH_DB=x.db uvicorn bench.limit_app:create_app --factory --loop uvloop --http httptools``.
Routes ``/{form}/{name}`` take the same POST body as ``/graphql`` (``variables`` is read, the
document is ignored) or ``?variables=`` on GET, and answer ``{"data": ...}`` like our server:

- ``a``: the API's own SQL (``db.read.Reader``, statement for statement) + dicts + orjson;
- ``b``: the whole answer built by ONE SQL statement with json_object / json_group_array;
- ``c``: form ``a`` computed once per distinct request, then bytes from a dict (the ceiling for
  repeated identical requests, which our server answers from its response cache).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from db import filters
from db.filters import FILTERS_BY_NAME, Criteria
from db.read import Reader
from db.sql import BACKLINKS, NEWEST_FIRST, OLDEST_FIRST
from gql import cursors
from gql.arguments import EVENT_CURSOR
from gql.limits import FACET_PAGE, MAX_PAGE

Vars = dict[str, Any]
_JSON = "application/json"


def plain_match(text: str) -> str:
    """The API's own FTS5 expression of plain words (the bench's words always have some)."""
    match = filters.plain_match(text)
    assert match is not None, text
    return match


# -- form a: the API's statements, assembled in Python ----------------------------------------


def _event_q1(reader: Reader, v: Vars) -> Any:
    row = reader.event_by_path(v["path"])
    if row is None:
        return {"event": None}
    eid = row["id"]
    sources = reader.sources_for_events([eid]).get(eid, [])
    contexts = reader.contexts_for_events([eid]).get(eid, [])
    return {"event": {
        "path": row["path"], "date": row["date"], "title": row["title"], "body": row["body"],
        "category": row["category"],
        "sources": [{"name": s["name"], "url": s["url"], "domain": s["domain"]} for s in sources],
        "contexts": [{"name": c["name"]} for c in contexts],
    }}


def _events_q2(reader: Reader, v: Vars) -> Any:
    rows = reader.list_events(Criteria(), first=51, after=None, order=NEWEST_FIRST)[:50]
    sources = reader.sources_for_events([row["id"] for row in rows])
    return {"events": {"edges": [
        {"node": {"path": r["path"], "date": r["date"], "title": r["title"],
                  "sources": [{"name": s["name"], "url": s["url"]} for s in sources.get(r["id"], [])]}}
        for r in rows
    ]}}


def _related_q3(reader: Reader, v: Vars) -> Any:
    row = reader.event_by_path(v["path"])
    if row is None:
        return {"event": None}
    links = reader.related_for_events([row["id"]]).get(row["id"], [])
    targets = [link["target_id"] for link in links if link["target_id"] is not None]
    events = reader.events_by_ids(targets) if targets else {}
    sources = reader.sources_for_events(list(events)) if events else {}

    def target(tid: int | None) -> Any:
        found = events.get(tid) if tid is not None else None
        if tid is None or found is None:
            return None
        return {"title": found["title"], "date": found["date"],
                "sources": [{"name": s["name"], "url": s["url"]} for s in sources.get(tid, [])]}

    return {"event": {"title": row["title"], "related": [
        {"path": link["target_path"], "title": link["title"], "event": target(link["target_id"])} for link in links
    ]}}


def _search(reader: Reader, v: Vars) -> Any:
    rows = reader.search(plain_match(v["q"]), first=11, offset=0)[:10]
    return {"search": {"edges": [
        {"rank": r["rank"], "snippet": r["snippet"] or "", "node": {"title": r["title"], "date": r["date"]}}
        for r in rows
    ]}}


def _search_date(reader: Reader, v: Vars) -> Any:
    rows = reader.search_by_date(v["q"], first=11, after=None, order=OLDEST_FIRST)[:10]
    return {"search": {"edges": [{"node": {"title": r["title"], "date": r["date"]}} for r in rows]}}


def _timeline(reader: Reader, v: Vars) -> Any:
    query = Criteria(((FILTERS_BY_NAME["contextsAny"], json.dumps(v["ctx"])),)) if v.get("ctx") else Criteria()
    return {"timeline": [{"bucket": r["bucket"], "count": r["count"]} for r in reader.timeline(query, 7)]}


def _depth3(reader: Reader, v: Vars) -> Any:
    """event.related.event.related.event.related.event.title: one batch per level, like the loaders."""
    row = reader.event_by_path(v["path"])
    if row is None:
        return {"event": None}
    levels: list[dict[str, Any]] = []
    ids = [row["id"]]
    for _ in range(3):
        links = reader.related_for_events(ids)
        targets = sorted({link["target_id"] for rows in links.values() for link in rows if link["target_id"]})
        events = reader.events_by_ids(targets) if targets else {}
        levels.append({"links": links, "events": events})
        ids = list(events)

    def node(eid: int, level: int) -> Any:
        if level == 3:
            return {"title": levels[2]["events"][eid]["title"]}
        data = levels[level]
        return {"related": [
            {"event": node(link["target_id"], level + 1)
             if link["target_id"] is not None and link["target_id"] in data["events"] else None}
            for link in data["links"].get(eid, [])
        ]}

    return {"event": node(row["id"], 0)}


def _contexts(v: Vars, name: str = "ctx") -> Criteria:
    return Criteria(((FILTERS_BY_NAME["contextsAny"], json.dumps(v[name])),))


def _search_filtered(reader: Reader, v: Vars) -> Any:
    match = plain_match(v["q"])
    criteria = Criteria(((FILTERS_BY_NAME["dateFrom"], v["from"]), (FILTERS_BY_NAME["dateTo"], v["to"])))
    rows = reader.search(match, first=11, offset=0, criteria=criteria)[:10]
    return {"search": {"totalCount": reader.count_search(match, criteria), "edges": [
        {"rank": r["rank"], "snippet": r["snippet"], "node": {"title": r["title"], "date": r["date"]}} for r in rows
    ]}}


def _or_ctx(reader: Reader, v: Vars) -> Any:
    criteria = Criteria(any_of=(_contexts(v, "a"), _contexts(v, "b")))
    rows = reader.list_events(criteria, first=21, after=None, order=NEWEST_FIRST)[:20]
    return {"events": {"totalCount": reader.count_events(criteria), "edges": [
        {"node": {"path": r["path"], "date": r["date"], "title": r["title"]}} for r in rows]}}


def _facets_ctx(reader: Reader, v: Vars) -> Any:
    criteria = _contexts(v)
    found = reader.facets(criteria, ["contexts", "publishers", "domains", "categories", "years"], MAX_PAGE)

    def counts(name: str) -> list[Any]:
        return [{"value": r["value"], "count": r["count"]} for r in found[name][:FACET_PAGE]]

    return {"events": {"totalCount": reader.count_events(criteria), "facets": {
        "contexts": [{"context": {"name": r["name"]}, "count": r["count"]} for r in found["contexts"][:FACET_PAGE]],
        "publishers": counts("publishers"), "domains": counts("domains"), "categories": counts("categories"),
        "years": [{"bucket": r["value"], "count": r["count"]} for r in found["years"]],
    }}}


def _backlinks(reader: Reader, v: Vars) -> Any:
    row = reader.event_by_path(v["path"])
    if row is None:
        return {"event": None}
    links = reader.backlinks(row["id"], first=11, after=None, order=BACKLINKS)[:10]
    return {"event": {"linkedFrom": {"totalCount": reader.linked_from_counts([row["id"]]).get(row["id"], 0), "edges": [
        {"node": {"title": r["link_title"], "event": {"path": r["path"], "date": r["date"], "title": r["title"]}}}
        for r in links]}}}


def _backward(reader: Reader, v: Vars) -> Any:
    """A page read backward: the page after the cursor in the reversed order, turned round."""
    rows = reader.list_events(Criteria(), first=21, after=cursors.decode(v["before"], (EVENT_CURSOR,))[1],
                              order=NEWEST_FIRST.reversed)
    kept = rows[:20][::-1]
    return {"events": {"pageInfo": {"hasPreviousPage": len(rows) > 20,
                                    "startCursor": cursors.encode(EVENT_CURSOR, kept[0]["path"]) if kept else None},
                       "edges": [{"node": {"path": r["path"], "date": r["date"], "title": r["title"]}} for r in kept]}}


FORM_A: dict[str, Callable[[Reader, Vars], Any]] = {
    "q1": _event_q1, "q2": _events_q2, "q3": _related_q3, "search": _search, "search_date": _search_date,
    "timeline": _timeline,
    "depth3": _depth3,
    "search_filtered": _search_filtered, "or_ctx": _or_ctx, "facets_ctx": _facets_ctx, "backlinks": _backlinks,
    "backward": _backward,
}

# -- form b: one statement per answer ---------------------------------------------------------

_SOURCES_NU = (
    "json((SELECT json_group_array(json_object('name', name, 'url', url)) FROM"
    " (SELECT name, url FROM sources WHERE event_id = {eid} ORDER BY position)))"
)

FORM_B_SQL: dict[str, str] = {
    "q1": (
        "SELECT json_object('data', json_object('event', json((SELECT json_object("
        "'path', e.path, 'date', e.date, 'title', e.title, 'body', e.body, 'category', e.category,"
        " 'sources', json((SELECT json_group_array(json_object('name', name, 'url', url, 'domain', domain)) FROM"
        "  (SELECT name, url, domain FROM sources WHERE event_id = e.id ORDER BY position))),"
        " 'contexts', json((SELECT json_group_array(json_object('name', name)) FROM"
        "  (SELECT c.name FROM event_contexts ec JOIN contexts c ON c.id = ec.context_id"
        "   WHERE ec.event_id = e.id ORDER BY c.name))))"
        " FROM events e WHERE e.path = :path))))"
    ),
    "q2": (
        "SELECT json_object('data', json_object('events', json_object('edges', json((SELECT json_group_array("
        "json_object('node', json_object('path', e.path, 'date', e.date, 'title', e.title, 'sources', "
        + _SOURCES_NU.format(eid="e.id") +
        "))) FROM (SELECT id, path, date, title FROM events ORDER BY id DESC LIMIT 50) e)))))"
    ),
    "q3": (
        "SELECT json_object('data', json_object('event', json((SELECT json_object('title', e.title, 'related', "
        " json((SELECT json_group_array(json_object('path', r.target_path, 'title', r.title, 'event',"
        "  json((SELECT json_object('title', t.title, 'date', t.date, 'sources', "
        + _SOURCES_NU.format(eid="t.id") +
        ") FROM events t WHERE t.id = r.target_id))))"
        "  FROM (SELECT target_path, title, target_id FROM related WHERE event_id = e.id ORDER BY position) r)))"
        " FROM events e WHERE e.path = :path))))"
    ),
    "search": (
        "SELECT json_object('data', json_object('search', json_object('edges', json((SELECT json_group_array("
        "json_object('rank', rank, 'snippet', coalesce(snippet, ''),"
        " 'node', json_object('title', title, 'date', date)))"
        " FROM (SELECT f.rank AS rank, snippet(events_fts, -1, '<mark>', '</mark>', '…', 16) AS snippet,"
        "  e.title AS title, e.date AS date FROM events_fts f JOIN events e ON e.id = f.rowid"
        "  WHERE events_fts MATCH :match AND f.rank MATCH 'bm25(10.0, 1.0, 5.0)' ORDER BY f.rank LIMIT 10))))))"
    ),
    "search_date": (
        "SELECT json_object('data', json_object('search', json_object('edges', json((SELECT json_group_array("
        "json_object('node', json_object('title', title, 'date', date)))"
        " FROM (SELECT e.title AS title, e.date AS date FROM events_fts f JOIN events e ON e.id = f.rowid"
        "  WHERE events_fts MATCH :match ORDER BY f.rowid LIMIT 10))))))"
    ),
    "timeline": (
        "SELECT json_object('data', json_object('timeline', json((SELECT json_group_array("
        "json_object('bucket', bucket, 'count', n)) FROM (SELECT substr(date, 1, 7) AS bucket, count(*) AS n"
        " FROM events GROUP BY bucket ORDER BY bucket)))))"
    ),
    "timeline_ctx": (
        "SELECT json_object('data', json_object('timeline', json((SELECT json_group_array("
        "json_object('bucket', bucket, 'count', n)) FROM (SELECT substr(date, 1, 7) AS bucket, count(*) AS n"
        " FROM (SELECT e.date AS date FROM events e WHERE e.id IN (SELECT ec.event_id FROM event_contexts ec"
        "  JOIN contexts c ON c.id = ec.context_id WHERE c.name IN (SELECT value FROM json_each(:ctx))))"
        " GROUP BY bucket ORDER BY bucket)))))"
    ),
    # Nested scalar subqueries overflow SQLite's parser stack at this depth: one CTE per level
    # instead, each level's JSON built per parent and joined into the level above.
    "depth3": (
        "WITH"
        " l1 AS (SELECT event_id AS parent, position AS pos, target_id AS id FROM related"
        "  WHERE event_id = (SELECT id FROM events WHERE path = :path)),"
        " l2 AS (SELECT event_id AS parent, position AS pos, target_id AS id FROM related"
        "  WHERE event_id IN (SELECT id FROM l1)),"
        " l3 AS (SELECT event_id AS parent, position AS pos, target_id AS id FROM related"
        "  WHERE event_id IN (SELECT id FROM l2)),"
        " j3 AS (SELECT x.parent, json_group_array(json_object('event', json(CASE WHEN e.id IS NULL THEN NULL"
        "  ELSE json_object('title', e.title) END))) AS js"
        "  FROM (SELECT * FROM l3 ORDER BY parent, pos) x LEFT JOIN events e ON e.id = x.id GROUP BY x.parent),"
        " j2 AS (SELECT x.parent, json_group_array(json_object('event', json(CASE WHEN x.id IS NULL THEN NULL"
        "  ELSE json_object('related', json(coalesce(j3.js, '[]'))) END))) AS js"
        "  FROM (SELECT * FROM l2 ORDER BY parent, pos) x LEFT JOIN j3 ON j3.parent = x.id GROUP BY x.parent),"
        " j1 AS (SELECT x.parent, json_group_array(json_object('event', json(CASE WHEN x.id IS NULL THEN NULL"
        "  ELSE json_object('related', json(coalesce(j2.js, '[]'))) END))) AS js"
        "  FROM (SELECT * FROM l1 ORDER BY parent, pos) x LEFT JOIN j2 ON j2.parent = x.id GROUP BY x.parent)"
        " SELECT json_object('data', json_object('event', json((SELECT json_object('related',"
        "  json(coalesce((SELECT js FROM j1), '[]'))) FROM events WHERE path = :path))))"
    ),
}


def _form_b_params(name: str, v: Vars) -> dict[str, Any]:
    from db.paths import PathError, canonical_path

    if "path" in v:
        try:
            return {"path": canonical_path(v["path"])}
        except PathError:
            return {"path": ""}
    if name == "search":
        return {"match": plain_match(v["q"])}
    if name == "search_date":
        return {"match": v["q"]}
    if name == "timeline_ctx":
        return {"ctx": orjson.dumps(v.get("ctx") or []).decode()}
    return {}


def create_app(db_path: str | None = None) -> Starlette:
    """The limit app over ``db_path`` (default: ``$BENCH_DB``)."""
    reader = Reader(db_path or os.environ["BENCH_DB"])
    conn = reader.conn
    cache: dict[bytes, bytes] = {}

    def answer_a(name: str, v: Vars) -> bytes:
        fn = FORM_A["timeline" if name == "timeline_ctx" else name]
        return orjson.dumps({"data": fn(reader, v)})

    def answer_b(name: str, v: Vars) -> bytes:
        row = conn.execute(FORM_B_SQL[name], _form_b_params(name, v)).fetchone()
        return str(row[0]).encode()

    async def variables(request: Request) -> tuple[bytes, Vars]:
        if request.method == "POST":
            body = await request.body()
            return body, orjson.loads(body).get("variables") or {}
        raw = request.query_params.get("variables")
        return request.url.query.encode(), orjson.loads(raw) if raw else {}

    async def endpoint(request: Request) -> Response:
        form, name = request.path_params["form"], request.path_params["name"]
        key, v = await variables(request)
        if form == "a":
            body = answer_a(name, v)
        elif form == "b":
            body = answer_b(name, v)
        else:
            found = cache.get(key)
            if found is None:
                found = cache[key] = answer_a(name, v)
            body = found
        return Response(body, media_type=_JSON)

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type=_JSON)

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/{form:str}/{name:str}", endpoint, methods=["GET", "POST"]),
    ])
