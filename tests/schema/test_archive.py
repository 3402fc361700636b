"""What the file is (``archive``), backlinks (``linkedFromCount``), the related graph walked against
the links (``relatedGraph(direction:)``) and ``onThisDay``, asserted against the sample's own rows
(issue 12, items 4, 5 and 6, in part)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from db.read import ON_THIS_DAY, Reader
from gql import cursors

#: The sample's most cited event (it has links pointing at it, and links of its own).
CITED = "SELECT target_id FROM related WHERE target_id IS NOT NULL GROUP BY target_id ORDER BY count(*) DESC, 1"


def rows(db: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(query, params).fetchall()


async def test_the_archive_is_its_meta_and_its_days(gql_post: Any, sample_db: Path) -> None:
    data = await gql_post("{ archive { schemaVersion builtAt fingerprint files eventCount sourceCount contextCount"
                          " linkCount resolvedLinkCount resolvedShare skippedFiles warnings firstDate lastDate } }")
    meta = dict(rows(sample_db, "SELECT key, value FROM meta"))
    [(events, sources, contexts, links, resolved)] = rows(
        sample_db, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sources), (SELECT count(*) FROM"
        " contexts), (SELECT count(*) FROM related), (SELECT count(*) FROM related WHERE target_id IS NOT NULL)")
    assert data["archive"] == {
        "schemaVersion": int(meta["schema_version"]), "builtAt": meta["built_at"],
        "fingerprint": meta["corpus_fingerprint"], "files": int(meta["files"]), "eventCount": events,
        "sourceCount": sources, "contextCount": contexts, "linkCount": links, "resolvedLinkCount": resolved,
        "resolvedShare": resolved / links, "skippedFiles": int(meta["skipped_files"]),
        "warnings": int(meta["warnings"]), "firstDate": "2015-09-01", "lastDate": "2016-12-14",
    }
    assert events == 133 and 0 < resolved < links


async def test_linked_from_count_counts_the_links_pointing_at_an_event(gql_post: Any, sample_db: Path) -> None:
    ids = [row[0] for row in rows(sample_db, CITED)][:3]
    paths = {path: event_id for event_id, path in rows(
        sample_db, "SELECT id, path FROM events WHERE id IN (?, ?, ?)", *ids)}
    data = await gql_post("{ events(first: 100) { edges { node { path linkedFromCount } } } }")
    counts = {edge["node"]["path"]: edge["node"]["linkedFromCount"] for edge in data["events"]["edges"]}
    for path, event_id in paths.items():
        assert counts[path] == rows(sample_db, "SELECT count(*) FROM related WHERE target_id = ?", event_id)[0][0] > 1
    assert sum(counts.values()) == rows(sample_db, "SELECT count(*) FROM related WHERE target_id IN"
                                                   " (SELECT id FROM events ORDER BY id DESC LIMIT 100)")[0][0]


@pytest.mark.parametrize("direction", ["OUTGOING", "INCOMING", "BOTH"])
async def test_the_related_graph_one_hop_each_way(gql_post: Any, sample_db: Path, direction: str) -> None:
    start = rows(sample_db, CITED)[0][0]
    [(path,)] = rows(sample_db, "SELECT path FROM events WHERE id = ?", start)
    data = await gql_post("query($p: String!, $d: GraphDirection!) { event(path: $p) { relatedGraph(depth: 1,"
                          " direction: $d) { nodes { depth event { path } } edges { source target } } } }",
                          {"p": path, "d": direction})
    graph = data["event"]["relatedGraph"]
    reached = {node["event"]["path"] for node in graph["nodes"] if node["depth"] == 1}
    cited = {p for (p,) in rows(sample_db, "SELECT e.path FROM related r JOIN events e ON e.id = r.target_id"
                                           " WHERE r.event_id = ? AND e.id != ?", start, start)}
    citing = {p for (p,) in rows(sample_db, "SELECT e.path FROM related r JOIN events e ON e.id = r.event_id"
                                            " WHERE r.target_id = ? AND e.id != ?", start, start)}
    expected = {"OUTGOING": cited, "INCOMING": citing, "BOTH": cited | citing}[direction]
    assert reached == expected and citing - cited  # the sample's most cited event is cited by others
    assert graph["nodes"][0] == {"depth": 0, "event": {"path": path}}
    ids = {cursors.node_id("Event", p) for p in expected | {path}}
    assert all(edge["source"] in ids and edge["target"] in ids for edge in graph["edges"])


async def test_the_default_direction_is_outgoing(gql_post: Any, sample_db: Path) -> None:
    [(path,)] = rows(sample_db, "SELECT path FROM events WHERE id = (" + CITED + " LIMIT 1)")
    query = "query($p: String!) {{ event(path: $p) {{ relatedGraph{} {{ nodes {{ event {{ path }} }} }} }} }}"
    default = await gql_post(query.format(""), {"p": path})
    outgoing = await gql_post(query.format("(direction: OUTGOING)"), {"p": path})
    assert default == outgoing


async def test_on_this_day_in_every_year(gql_post: Any, sample_db: Path, tmp_path: Path) -> None:
    data = await gql_post("{ onThisDay(month: 9, day: 7, first: 100) { path date } none: onThisDay(month: 2,"
                          " day: 29) { path } }")
    expected = [(path, date) for path, date in rows(
        sample_db, "SELECT path, date FROM events WHERE substr(date, 6) = '09-07' ORDER BY id DESC")]
    assert [(event["path"], event["date"]) for event in data["onThisDay"]] == expected
    assert len(expected) > 5 and data["none"] == []


@pytest.mark.parametrize(("arguments", "message"), [
    ("month: 2, day: 30", "no year has a day 30 in month 2"),
    ("month: 13, day: 1", "month must be between 1 and 12; got 13"),
    ("month: 1, day: 0", "day must be between 1 and 31; got 0"),
])
async def test_on_this_day_refuses_a_day_no_year_has(client: Any, arguments: str, message: str) -> None:
    response = await client.post("/graphql", json={"query": f"{{ onThisDay({arguments}) {{ path }} }}"})
    [error] = response.json()["errors"]
    assert error["message"] == message and error["extensions"]["code"] == "BAD_USER_INPUT"


def test_on_this_day_reads_the_day_index(sample_db: Path) -> None:
    reader = Reader(sample_db)
    try:
        plan = " | ".join(reader.explain(ON_THIS_DAY.format(columns="e.id"), ("09-07", 10)))
    finally:
        reader.close()
    assert "SEARCH e USING" in plan and "idx_events_date" in plan and "SCAN e" not in plan, plan
