"""The README's examples run: every ```graphql block against the sample app, every ```sql block on
the sample file, so the documentation cannot rot. Also: its first lines are the two commands.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
HEAD = """# newsgql

```sh
make serve   # fresh clone -> GraphiQL on the bundled sample at http://127.0.0.1:8000/graphql
make test    # fresh clone -> lint, type-check and the whole test suite
```
"""


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.MULTILINE | re.DOTALL)


def empty(value: Any) -> bool:
    """Nothing was found: null, an empty list or object, or an object whose every value is empty."""
    if isinstance(value, dict):
        return not value or all(empty(v) for v in value.values())
    if isinstance(value, list):
        return not value
    return value is None


def test_readme_starts_with_the_two_commands() -> None:
    assert README.startswith(HEAD)


def test_readme_has_the_examples() -> None:
    assert len(blocks("graphql")) >= 6
    assert len(blocks("sql")) >= 2


@pytest.mark.parametrize("query", blocks("graphql"), ids=lambda q: " ".join(q.split())[:40])
async def test_graphql_example_answers(query: str, client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": query},
                                 headers={"accept": "application/graphql-response+json"})
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    for field, value in body["data"].items():
        assert not empty(value), f"{field} found nothing"


@pytest.mark.parametrize("sql", blocks("sql"), ids=lambda q: " ".join(q.split())[:40])
def test_sql_example_returns_rows(sql: str, sample_db: Path) -> None:
    with sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True) as conn:
        rows = conn.execute(sql).fetchall()
    assert rows
    assert all(value is not None for row in rows for value in row)


def test_readme_links_resolve() -> None:
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```$", "", README, flags=re.MULTILINE | re.DOTALL))
    targets = re.findall(r"\]\(((?!https?:|#)[^)]+)\)", prose)
    assert "docs/cli.md" in targets
    for target in targets:
        assert (ROOT / target).exists(), target
