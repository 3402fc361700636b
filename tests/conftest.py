"""Shared fixtures: a real database built from the bundled sample, the real app over HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.build import build
from db.sample import SAMPLE_DIR
from gql.web.app import create_app
from tests.support.corpus_files import retitled

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TRUTH_FILE = Path(__file__).parent / "data" / "wcep-sample.truth.json"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample built once per test session into a real SQLite file."""
    target = tmp_path_factory.mktemp("db") / "sample.db"
    build(SAMPLE_DIR, target)
    return target


@pytest.fixture(scope="session")
def tagged_dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three builds of the sample whose titles say which file they are: "[A] ...", "[B] ...", "[C] ..."."""
    root = tmp_path_factory.mktemp("tagged")
    built = {}
    for tag in "ABC":
        built[tag] = root / f"{tag}.db"
        build(retitled(SAMPLE_DIR, root / f"corpus-{tag}", tag), built[tag])
    return built


@pytest.fixture(scope="session")
def truth() -> dict[str, Any]:
    return json.loads(TRUTH_FILE.read_text(encoding="utf-8"))


@pytest.fixture
async def client(sample_db: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(sample_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def gql_post(client: httpx.AsyncClient) -> Any:
    """POST a query, assert a clean answer, return ``data``."""

    async def run(query: str, variables: dict[str, Any] | None = None) -> Any:
        response = await client.post("/graphql", json={"query": query, "variables": variables},
                                     headers={"accept": "application/graphql-response+json"})
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]

    return run


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "corpus"
    root.mkdir()
    yield root
