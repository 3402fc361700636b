"""EXPLAIN QUERY PLAN for every statement of the hot queries: indexes only, no table scans."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from bench.plans import trace
from tests.compiled import COMPILED_SELECT
from tests.support.rows import sample_cursor

HOT = {
    "Q1": ('query($p: String!) { event(path: $p) { path date title body category sources { name url domain } '
           'contexts { name } } }'),
    "Q2": "query Q2 { events(first: 50) { edges { node { path date title sources { name url } } } } }",
    "page": ('{ events(first: 5, after: "' + sample_cursor(100) + '") '
             "{ pageInfo { hasNextPage endCursor startCursor } edges { cursor node { title } } } }"),
    "Q3": ('query($p: String!) { event(path: $p) { title related { path title event { title date '
           'sources { name url } } } } }'),
    "deep": ('query($p: String!) { event(path: $p) { related { event { related { event { related { event '
             '{ title } } } } } } } }'),
    "graph": 'query($p: String!) { event(path: $p) { relatedGraph(depth: 3) { nodes { depth } edges { source } } } }',
    "context": '{ context(name: "Syria") { eventCount events(first: 10) { edges { node { title } } } } }',
    "filter": ('{ events(first: 10, filter: {contextsAll: ["Syria"], publisher: "BBC", domain: "bbc.co.uk"}) '
               '{ edges { node { title } } } }'),
    "search": '{ search(query: "migrant") { edges { node { title } } } }',
    "timeline_ctx": '{ timeline(filter: {contextsAny: ["Syria", "Syrian civil war"]}) { bucket count } }',
    "or": ('{ events(first: 10, filter: {or: [{contextsAny: ["Syria"]}, {contextsAny: ["Russia"]}]}) '
           '{ totalCount edges { node { title } } } }'),
    "text": '{ events(first: 10, filter: {text: "migrant", dateFrom: "2015-09-03"}) { edges { node { title } } } }',
    "search_filtered": ('{ search(query: "syria", filter: {contextsAny: ["Russia"]}) { totalCount '
                        "edges { node { title } } } }"),
    "backlinks": ('query($p: String!) { event(path: $p) { linkedFromCount linkedFrom(first: 5) { totalCount '
                  "pageInfo { hasNextPage endCursor } edges { cursor node { title contexts { name } event { title } } "
                  "} } } }"),
    "backward": ('{ events(last: 5, before: "' + sample_cursor(100) + '", filter: {contextsAny: ["Syria"]}) '
                 "{ pageInfo { hasPreviousPage hasNextPage startCursor } edges { node { title } } } }"),
    "search_dated": ('{ search(query: "syria", filter: {dateFrom: "2015-09-03", dateTo: "2015-09-20"}) { totalCount '
                     "edges { node { title } } } }"),
    "search_newest": ('{ search(query: "migrant", orderBy: NEWEST_FIRST, after: "' + sample_cursor(90) + '") '
                      "{ totalCount edges { node { title } } pageInfo { hasNextPage endCursor } } }"),
}
# A scan of a table-valued function or a CTE is a loop over the keys, not over a table.
ALLOWED = re.compile(r"^(SCAN (json_each|w|walk|CONSTANT ROW)|SCAN [a-z_]+ VIRTUAL TABLE|USE TEMP B-TREE|"
                     r"SEARCH|CORRELATED|LIST SUBQUERY|SCALAR SUBQUERY|REUSE SUBQUERY|COMPOUND|SETUP|RECURSIVE|"
                     r"MATERIALIZE|"
                     r"CO-ROUTINE|UNION|LEFT-MOST|BLOOM)")


@pytest.mark.parametrize("name", list(HOT))
async def test_hot_statements_use_indexes(sample_db: Path, name: str) -> None:
    path = sqlite3.connect(sample_db).execute(
        "SELECT path FROM events WHERE related_count > 5 AND id IN (SELECT event_id FROM related"
        " WHERE target_id IS NOT NULL) LIMIT 1").fetchone()[0]
    # the second answer comes from the compiled statement, where there is one
    requests = await trace(sample_db, HOT[name], {"p": path}, times=2)
    selects = [(s, plan) for request in requests for s, plan in zip(request.statements, request.plans, strict=True)]
    assert selects
    if name in ("Q1", "Q2", "Q3", "page", "deep", "search_newest", "filter", "timeline_ctx", "or", "text",
                "search_filtered", "backlinks", "backward", "search_dated"):
        assert any(COMPILED_SELECT in s for s, _ in selects)  # the compiled statement too
    schema = sqlite3.connect(sample_db)
    tables = {row[0] for row in schema.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for statement, plan in selects:
        table_aliases = {alias for table, alias in re.findall(r"FROM (\w+) (\w+)", statement) if table in tables}
        for detail in (line.strip() for line in plan):
            scanned = detail.split()[1] if detail.startswith("SCAN ") else ""
            if scanned and scanned not in tables | table_aliases and not detail.endswith("VIRTUAL TABLE"):
                continue  # a scan of a subquery's few rows (already fetched through an index)
            # walking the primary key backwards and stopping at LIMIT reads only the page
            keyset = detail == "SCAN e" and "WHERE 1 ORDER BY e.id" in statement and "LIMIT" in statement
            fts_internal = detail == "SCAN main.events_fts_config"  # FTS5 reads its one-row config
            assert ALLOWED.match(detail) or keyset or fts_internal, f"{name}: {detail!r} in {statement}"
            fts_scan = re.match(r"SCAN f VIRTUAL TABLE INDEX (\d+):", detail)
            if name == "search_dated" and fts_scan:  # FTS5 walks only the rowids of those days, or is asked each
                flags = detail.split(":", 1)[1]
                assert (">" in flags and "<" in flags) or "=" in flags, f"{name}: {detail!r} (every hit) in {statement}"
            if name == "search_newest" and fts_scan:  # FTS5 walks its index in rowid order; LIMIT stops it
                assert int(fts_scan[1]) & 64, f"{name}: {detail!r} (FTS5_BI_ORDER_ROWID unset) in {statement}"
