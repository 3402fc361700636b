"""The newsgql command: build, query and schema print what they promise and fail in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from db.sample import SAMPLE_DIR
from tests.support.corpus_files import write


def newsgql(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gql.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def test_build_prints_a_summary(tmp_path: Path) -> None:
    result = newsgql("build", str(SAMPLE_DIR), "-o", str(tmp_path / "news.db"))
    assert result.returncode == 0, result.stderr
    assert "events 133" in result.stdout and "sources 185" in result.stdout and "resolved" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_build_strict_exits_1_with_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "news/2016/12/14/empty.md", b"")
    result = newsgql("build", str(corpus), "-o", str(tmp_path / "news.db"), "--strict")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: --strict")
    assert not (tmp_path / "news.db").exists()


def test_query_prints_json(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    newsgql("build", str(SAMPLE_DIR), "-o", str(db), "-q")
    result = newsgql("query", '{ events(first: 1) { totalCount edges { node { date } } } }', "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"data": {"events": {"totalCount": 133, "edges": [
        {"node": {"date": "2016-12-14"}}]}}}
    bad = newsgql("query", "{ nope }", "--db", str(db))
    assert bad.returncode == 1 and "Cannot query field" in json.loads(bad.stdout)["errors"][0]["message"]
    missing = newsgql("query", "{ __typename }", "--db", str(tmp_path / "missing.db"))
    assert missing.returncode == 1 and "database not found" in missing.stderr


def test_schema_prints_the_sdl() -> None:
    result = newsgql("schema")
    assert result.returncode == 0
    assert result.stdout == (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()


def test_query_without_database_uses_the_cached_sample(tmp_path: Path) -> None:
    result = newsgql("query", "{ events(first: 0) { totalCount } }", env={"NEWSGQL_CACHE": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"]["events"]["totalCount"] == 133
    assert len(list(tmp_path.glob("sample-*.db"))) == 1
