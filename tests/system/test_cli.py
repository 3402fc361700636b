"""The newsgql command: build, query and schema print what they promise and fail in one line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import orjson

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


def test_build_refuses_a_target_it_must_not_replace(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    refused = newsgql("build", str(SAMPLE_DIR), "-o", str(fifo))
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == f"Error: will not replace {fifo.resolve()}: it is a FIFO, not a database file\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    missing = (tmp_path / "nope" / "news.db").resolve()
    refused = newsgql("build", str(SAMPLE_DIR), "-o", str(missing))
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == f"Error: cannot write {missing}: the directory {missing.parent} does not exist\n"


def test_build_force_replaces_a_read_only_target_and_keeps_it_read_only(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"old")
    target.chmod(0o444)
    refused = newsgql("build", str(SAMPLE_DIR), "-o", str(target))
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == f"Error: will not replace {target.resolve()}: it is read-only (--force replaces it)\n"
    assert target.read_bytes() == b"old"
    forced = newsgql("build", str(SAMPLE_DIR), "-o", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"Built {target}" in forced.stdout and "events 133" in forced.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    phases = next(line for line in forced.stdout.splitlines() if line.startswith("  phases: "))
    assert "parse and copy events" in phases and "| facet counts, rollups" in phases  # where the time went


def test_query_request_errors_are_json_and_bad_input_one_line(sample_db: Path) -> None:
    db = str(sample_db)
    unknown = newsgql("query", "{ __typename }", "--db", db, "--operation", "Nope")
    assert (unknown.returncode, unknown.stderr) == (1, "")
    assert json.loads(unknown.stdout) == {"errors": [
        {"message": "Unknown operation named 'Nope'.", "extensions": {"code": "BAD_REQUEST"}}]}
    two = "query A { __typename } query B { events(first: 0) { totalCount } }"
    several = newsgql("query", two, "--db", db)
    assert (several.returncode, several.stderr) == (1, "")
    assert json.loads(several.stdout)["errors"][0]["message"] == (
        "The document has several operations: give `operationName`.")
    chosen = newsgql("query", two, "--db", db, "--operation", "B")
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout) == {"data": {"events": {"totalCount": 133}}}
    for empty in ("", " \n\t"):
        done = newsgql("query", empty, "--db", db)
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == "Error: the document is empty: give a query, or - to read one from standard input\n"
    for variables in ("[1]", "3", '"n"'):
        done = newsgql("query", "{ __typename }", "--db", db, "--variables", variables)
        assert (done.returncode, done.stdout, done.stderr) == (1, "", "Error: --variables must be a JSON object\n")


def test_query_reads_the_document_from_standard_input(sample_db: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gql.cli", "query", "-", "--db", str(sample_db), "--variables", '{"n": 1}'],
        input="query Q($n: Int) {\n  events(first: $n) { totalCount edges { node { date } } }\n}\n",
        capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == orjson.dumps({"data": {"events": {"totalCount": 133, "edges": [
        {"node": {"date": "2016-12-14"}}]}}}, option=orjson.OPT_INDENT_2).decode() + "\n"


def test_a_bad_port_is_blamed_on_where_it_came_from() -> None:
    given = newsgql("serve", "--port", "99999")
    assert given.returncode == 2
    assert given.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--port': 99999 is not in the range 0<=x<=65535.")
    from_environment = newsgql("serve", env={"NEWSGQL_PORT": "99999"})
    assert from_environment.returncode == 2
    assert from_environment.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--port' (env var: 'NEWSGQL_PORT'): 99999 is not in the range 0<=x<=65535.")


def test_query_refuses_deeply_nested_variables_in_one_line(sample_db: Path) -> None:
    deep: object = 1
    for _ in range(300):
        deep = [deep]
    done = newsgql("query", "{ __typename }", "--db", str(sample_db), "--variables", json.dumps({"x": deep}))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "Error: --variables nested too deeply (32 levels at most)"


def test_serve_refuses_a_time_limit_that_is_no_limit(sample_db: Path) -> None:
    for value in ("nan", "inf", "0", "-1"):
        done = newsgql("serve", str(sample_db), "--time-limit", value)
        assert done.returncode == 2 and "--time-limit" in done.stderr and "Traceback" not in done.stderr, value
