"""No N+1: the number of SQL statements for a nested query does not grow with the items."""

from __future__ import annotations

from pathlib import Path

import httpx

from gql.web.app import create_app

NESTED = """query($n: Int) { events(first: $n) { edges { node { title
  sources { name } contexts { name eventCount }
  related { title contexts { name } event { title sources { url } contexts { name }
    related { event { title } } } } } } } }"""


async def count_statements(sample_db: Path, first: int) -> int:
    app = create_app(sample_db, max_age=0)
    statements: list[str] = []
    app.state.follower.archive.reader.conn.set_trace_callback(statements.append)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/graphql", json={"query": NESTED, "variables": {"n": first}})
    body = response.json()
    assert "errors" not in body and len(body["data"]["events"]["edges"]) == first
    return len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])


async def test_statement_count_is_flat(sample_db: Path) -> None:
    few, many = await count_statements(sample_db, 3), await count_statements(sample_db, 100)
    # one per level: events, then sources/contexts/related, related contexts, targets, ...
    assert few == many, (few, many)
    assert many <= 10
