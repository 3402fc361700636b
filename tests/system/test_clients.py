"""Real clients against a real server: Node with ``graphql-request`` and ``graphql`` (tests/node/).

The script does what applications and code generators do: a query with variables over POST,
the standard introspection query turned into a client schema, a GET with variables revalidated
by its ETag, and an invalid query surfacing as a client error. Its output is checked here
against the database itself.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.launch import Server, serve

NODE_DIR = Path(__file__).resolve().parents[1] / "node"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                       reason="needs node and npm (apt-get install nodejs npm)"),
]


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """``npm ci`` from the committed lock file, once, if tests/node/node_modules is missing."""
    modules = NODE_DIR / "node_modules"
    if not all((modules / name).is_dir() for name in ("graphql-request", "graphql", "@apollo/client", "rxjs",
                                                                  "graphql-http")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR,
                       check=True, timeout=300)
    return modules


@pytest.fixture(scope="module")
def server(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(sample_db, tmp_path_factory.mktemp("clients") / "serve.log") as live:
        yield live


@pytest.fixture(scope="module")
def output(node_modules: Path, server: Server) -> dict[str, Any]:
    done = subprocess.run(["node", "client.mjs", f"{server.url}/graphql"], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_post_with_variables(output: dict[str, Any], sample_db: Path) -> None:
    day = output["day"]
    titles = {title for (title,) in rows(sample_db, "SELECT title FROM events WHERE date = '2015-09-01'")}
    categories = {name for (name,) in rows(sample_db, "SELECT DISTINCT category FROM events WHERE date = '2015-09-01'")}
    assert day["date"] == "2015-09-01"
    assert day["eventCount"] == len(titles) > 0
    assert {group["name"] for group in day["categories"]} == categories
    assert {event["title"] for group in day["categories"] for event in group["events"]} == titles
    assert all(event["sources"] for group in day["categories"] for event in group["events"])


def test_introspection_builds_a_client_schema(output: dict[str, Any]) -> None:
    types = output["types"]
    assert {"title", "date", "sources", "contexts", "related", "relatedGraph"} <= set(types["Event"])
    assert {"name", "eventCount", "events", "timeline"} <= set(types["Context"])
    assert {"event", "events", "search", "timeline", "day", "context"} <= set(types["Query"])


def test_get_with_variables_and_etag(output: dict[str, Any], sample_db: Path) -> None:
    get = output["get"]
    newest = [title for (title,) in rows(sample_db, "SELECT title FROM events ORDER BY id DESC LIMIT 2")]
    [(total,)] = rows(sample_db, "SELECT count(*) FROM events")
    assert get["status"] == 200
    assert get["contentType"].startswith("application/graphql-response+json")
    assert get["cacheControl"].startswith("public, max-age=")
    assert get["etag"].startswith('"')
    assert get["data"]["events"]["totalCount"] == total
    assert [edge["node"]["title"] for edge in get["data"]["events"]["edges"]] == newest
    assert get["revalidatedStatus"] == 304
    assert [edge["node"]["title"] for edge in output["viaGet"]["events"]["edges"]] == newest[:1]


def test_invalid_query_is_a_client_error(output: dict[str, Any]) -> None:
    assert output["invalid"]["status"] == 400
    [message] = output["invalid"]["messages"]
    assert "nope" in message


def test_apollo_client_persisted_queries_over_get(node_modules: Path, server: Server, sample_db: Path) -> None:
    """Apollo Client's persisted-queries link with hashed queries over GET: the hash alone first
    (not known yet: PersistedQueryNotFound, a 200, so the link keeps persisted queries on), the
    document with its hash once, then the hash alone, a short cacheable GET."""
    done = subprocess.run(["node", "apollo.mjs", f"{server.url}/graphql"], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    sent = result["sent"]
    assert [(r["method"], r["withQuery"], r["status"]) for r in sent] == [
        ("GET", False, 200), ("POST", True, 200), ("GET", False, 200)]
    assert sent[0]["hash"] == sent[1]["hash"] == sent[2]["hash"] and len(sent[0]["hash"]) == 64
    assert sent[0]["cacheControl"] == "no-store" and sent[2]["etag"] and "public" in sent[2]["cacheControl"]
    titles = [title for (title,) in rows(sample_db, "SELECT title FROM events ORDER BY id DESC LIMIT 2")]
    for answer in (result["first"], result["second"]):
        assert answer["events"]["totalCount"] == rows(sample_db, "SELECT count(*) FROM events")[0][0]
        assert [edge["node"]["title"] for edge in answer["events"]["edges"]] == titles


def test_graphql_over_http_audits_all_pass(node_modules: Path, server: Server) -> None:
    """graphql-http's server audits (the spec's reference implementation): every one "ok", none
    a warning or a notice (the request's `extensions` not being an object was one)."""
    done = subprocess.run(["node", "audits.mjs", f"{server.url}/graphql"], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) > 50
    assert [r for r in results if r["status"] != "ok"] == []
