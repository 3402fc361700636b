"""The database file stands alone: datasette, Python's sqlite3 and the sqlite3 shell read it as is.

Nothing of newsgql is imported here besides the build fixture: what these tools see comes
from the file's own declarations (foreign keys, the sqlite-utils style FTS5 table).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from datasette.app import Datasette

TABLES = {"events", "sources", "contexts", "event_contexts", "related", "related_contexts", "meta", "build_errors"}
JOIN = """
    SELECT e.title, s.name AS source, c.name AS context
    FROM events e
    JOIN sources s ON s.event_id = e.id
    JOIN event_contexts ec ON ec.event_id = e.id
    JOIN contexts c ON c.id = ec.context_id
    WHERE e.id = (SELECT min(id) FROM events)
    ORDER BY s.position, c.name
"""
MATCH = ("SELECT e.id, e.title FROM events_fts JOIN events e ON e.id = events_fts.rowid"
         " WHERE events_fts MATCH ? ORDER BY rank")
LIKE = "SELECT id FROM events WHERE title LIKE ?1 OR body LIKE ?1 OR context_names LIKE ?1"


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
async def datasette(sample_db: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = Datasette(immutables=[str(sample_db)]).app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as http:
        yield http


async def get_json(http: httpx.AsyncClient, url: str) -> Any:
    response = await http.get(url)
    assert response.status_code == 200, response.text
    return response.json()


async def test_datasette_lists_every_table(datasette: httpx.AsyncClient, sample_db: Path) -> None:
    body = await get_json(datasette, "/sample.json")
    tables = {table["name"]: table for table in body["tables"]}
    assert set(tables) >= TABLES
    for name in TABLES:
        assert tables[name]["count"] == rows(sample_db, f"SELECT count(*) FROM {name}")[0][0]
    assert tables["events"]["fts_table"] == "events_fts"
    assert {fk["other_table"] for fk in tables["events"]["foreign_keys"]["incoming"]} == {
        "sources", "event_contexts", "related"}
    [database] = await get_json(datasette, "/-/databases.json")
    assert database["is_mutable"] is False


async def test_datasette_follows_foreign_keys(datasette: httpx.AsyncClient, sample_db: Path) -> None:
    body = await get_json(datasette, "/sample/related.json?_labels=on&target_id__notblank=1&_size=5")
    assert len(body["rows"]) == 5
    for row in body["rows"]:
        [(title,)] = rows(sample_db, "SELECT title FROM events WHERE id = ?", row["event_id"]["value"])
        [(target,)] = rows(sample_db, "SELECT title FROM events WHERE id = ?", row["target_id"]["value"])
        assert row["event_id"]["label"] == title
        assert row["target_id"]["label"] == target

    [(first,)] = rows(sample_db, "SELECT min(id) FROM events")
    event = await get_json(datasette, f"/sample/events/{first}.json?_extras=foreign_key_tables")
    links = {link["other_table"]: link["count"] for link in event["foreign_key_tables"]}
    [(sources, contexts)] = rows(sample_db, "SELECT source_count, (SELECT count(*) FROM event_contexts"
                                 " WHERE event_id = ?1) FROM events WHERE id = ?1", first)
    assert links["sources"] == sources > 0
    assert links["event_contexts"] == contexts > 0


async def test_datasette_full_text_search(datasette: httpx.AsyncClient, sample_db: Path) -> None:
    body = await get_json(datasette, "/sample/events.json?_search=Aleppo&_col=title&_shape=objects")
    found = {row["id"] for row in body["rows"]}
    assert found == {event_id for event_id, _ in rows(sample_db, MATCH, "Aleppo")}
    assert found and all("Aleppo" in row["title"] for row in body["rows"])


def test_python_sqlite3_join_and_match(sample_db: Path) -> None:
    joined = rows(sample_db, JOIN)
    [(event_id, title, source_count)] = rows(
        sample_db, "SELECT id, title, source_count FROM events ORDER BY id LIMIT 1")
    contexts = rows(sample_db, "SELECT count(*) FROM event_contexts WHERE event_id = ?", event_id)[0][0]
    assert len(joined) == source_count * contexts > 0
    assert {row[0] for row in joined} == {title}

    aleppo = {event_id for event_id, _ in rows(sample_db, MATCH, "Aleppo")}
    assert aleppo == {event_id for (event_id,) in rows(sample_db, LIKE, "%aleppo%")}
    killed = {event_id for (event_id,) in rows(sample_db, "SELECT id FROM events WHERE title LIKE '%killed%'")}
    assert killed < {event_id for event_id, _ in rows(sample_db, MATCH, "killing")}  # porter: kill*


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 shell (apt-get install sqlite3)")
def test_sqlite3_shell_join_and_match(sample_db: Path) -> None:
    def shell(sql: str) -> list[dict[str, Any]]:
        done = subprocess.run(["sqlite3", "-readonly", "-json", str(sample_db), sql], capture_output=True,
                              text=True, timeout=30, check=True)
        return json.loads(done.stdout or "[]")  # type: ignore[no-any-return]

    assert [tuple(row.values()) for row in shell(JOIN)] == rows(sample_db, JOIN)
    matched = shell("SELECT e.id, e.title FROM events_fts JOIN events e ON e.id = events_fts.rowid"
                    " WHERE events_fts MATCH 'Aleppo' ORDER BY rank")
    assert [tuple(row.values()) for row in matched] == rows(sample_db, MATCH, "Aleppo")
    assert matched
