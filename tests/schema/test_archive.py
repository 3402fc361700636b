"""What the file is (``archive``), backlinks (``linkedFromCount``) and the related graph walked against
the links (``relatedGraph(direction:)``), asserted against the sample's own rows (issue 12, items 4 and 6)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

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
