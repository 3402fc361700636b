"""A hostile corpus (tests/hostile.py) built by the API and by the CLI: nothing lost, nothing crashes.

Every good event is kept, every bad file leaves its ``build_errors`` row and is counted in the
CLI summary, ``--strict`` fails with exit 1 and leaves the old database alone, and a rebuild
gives the same content. Exit codes: 0 ok, 1 the build failed, 2 bad usage.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from db.build import build
from tests.support.dump import assert_same
from tests.support.hostile import SKIPPED, WARNING, Corpus, event_text, make_corpus, write

pytestmark = pytest.mark.timeout(120)  # a build that hangs (a FIFO, a quadratic parse) fails, not stalls


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gql.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return make_corpus(tmp_path_factory.mktemp("hostile") / "corpus")


@pytest.fixture(scope="module")
def built(hostile: Corpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    target = tmp_path_factory.mktemp("hostile-db") / "news.db"
    return target, build(hostile.root, target)


def assert_reported(db: Path, corpus: Corpus) -> None:
    """build_errors holds exactly the expected (file, severity) pairs, each reason as expected.

    A file name that is not UTF-8 cannot be stored as it is; any spelling of it will do.
    """
    found = rows(db, "SELECT file, severity, reason FROM build_errors")
    assert {(_spelling(file, corpus), severity) for file, severity, _ in found} == set(corpus.errors)
    for file, severity, reason in found:
        assert re.search(corpus.errors[(_spelling(file, corpus), severity)], reason, re.I), (file, reason)


def _spelling(stored: str, corpus: Corpus) -> str:
    """The expected name for a stored one: itself, or the undecodable name expected in that folder."""
    if any(file == stored for file, _ in corpus.errors):
        return stored
    for file, _ in corpus.errors:
        undecodable = any("\udc80" <= char <= "\udcff" for char in file)
        if undecodable and stored.rsplit("/", 1)[0] == file.rsplit("/", 1)[0]:
            return file
    return stored


def test_every_good_event_is_kept(hostile: Corpus, built: tuple[Path, Any]) -> None:
    db, summary = built
    paths = [row[0] for row in rows(db, "SELECT path FROM events")]
    assert sorted(paths) == sorted(hostile.events)
    assert summary.events == len(hostile.events) > 133 + 60
    print(f"\nhostile corpus: {summary.files} files, {len(hostile.events)} good events kept, "
          f"{hostile.bad_files} bad files reported ({summary.skipped} skipped, {summary.warnings} warnings)")
    for note in hostile.notes:
        print(f"  {note}")


def test_every_bad_file_is_reported(hostile: Corpus, built: tuple[Path, Any]) -> None:
    db, summary = built
    assert_reported(db, hostile)
    skipped = rows(db, "SELECT count(*) FROM build_errors WHERE severity = ?", SKIPPED)[0][0]
    warnings = rows(db, "SELECT count(*) FROM build_errors WHERE severity = ?", WARNING)[0][0]
    assert (summary.skipped, summary.warnings) == (skipped, warnings)
    meta = dict(rows(db, "SELECT key, value FROM meta"))
    assert (meta["skipped_files"], meta["warnings"]) == (str(skipped), str(warnings))


def test_values_survive_the_traps(hostile: Corpus, built: tuple[Path, Any]) -> None:
    db, _ = built
    for path, expect in hostile.events.items():
        [(title, body)] = rows(db, "SELECT title, body FROM events WHERE path = ?", path)
        assert "\r" not in title + body and "\ufeff" not in title + body and "\x00" not in body, path
        if expect.title is not None:
            assert title == expect.title, path
        if "url" in expect.extra:
            assert expect.extra["url"] in [r[0] for r in rows(
                db, "SELECT url FROM sources s JOIN events e ON e.id = s.event_id WHERE e.path = ?", path)]
    [(size,)] = rows(db, "SELECT length(body) FROM events WHERE path = '/news/2014/01/10/five-megabytes.md'")
    assert size > 5_000_000
    # injected SQL in a title is only text: every table is still there
    tables = {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"events", "sources", "related", "contexts", "build_errors", "meta"} <= tables


def test_cli_build_reports_the_same(hostile: Corpus, built: tuple[Path, Any], tmp_path: Path) -> None:
    api_db, summary = built
    target = tmp_path / "cli.db"
    result = cli("build", str(hostile.root), "-o", str(target), "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert f"events {len(hostile.events):,}" in out
    assert f"skipped {summary.skipped:,}  warnings {summary.warnings:,}" in out
    listed = re.findall(r"^  (skipped|warning): (.+?)(?::\d+)?: (.*)$", out, re.M)
    more = re.search(r"^  \.\.\. ([\d,]+) more in the build_errors table$", out, re.M)
    assert len(listed) + (int(more[1].replace(",", "")) if more else 0) == summary.skipped + summary.warnings
    assert sum(severity == "skipped" for severity, _, _ in listed) == summary.skipped  # every one of them
    for severity, shown, reason in listed:
        file = _spelling(shown, hostile)
        assert (file, severity) in hostile.errors, (file, severity)
        assert re.search(hostile.errors[(file, severity)], reason, re.I)
    assert_reported(target, hostile)
    for table in ("events", "sources", "related", "contexts", "build_errors"):
        assert rows(target, f"SELECT * FROM {table} ORDER BY 1") == rows(api_db, f"SELECT * FROM {table} ORDER BY 1")


def test_strict_exits_1_and_keeps_the_previous_database(hostile: Corpus, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    write(clean, "news/2016/12/14/good.md", event_text("2016-12-14", "Good."))
    target = tmp_path / "news.db"
    assert cli("build", str(clean), "-o", str(target), "--strict", "-q").returncode == 0
    before = sha256(target)
    result = cli("build", str(hostile.root), "-o", str(target), "--strict")
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: --strict:") and "problem(s)" in line
    assert sha256(target) == before
    assert not list(tmp_path.glob(".news.db.*"))


def test_exit_codes(tmp_path: Path) -> None:
    """0 ok, 1 failure (one line, no traceback), 2 usage."""
    assert cli("build", "--help").returncode == 0
    for usage in (["build"], ["build", str(tmp_path), "--workers", "0"], ["build", str(tmp_path), "--nope"],
                  ["no-such-command"]):
        result = cli(*usage)
        assert result.returncode == 2, usage
        assert "Traceback" not in result.stderr
    for failure in (["build", str(tmp_path / "missing")], ["build", str(tmp_path)]):  # missing; no markdown
        result = cli(*failure)
        assert result.returncode == 1, failure
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")


def test_rebuild_gives_the_same_content(hostile: Corpus, tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build(hostile.root, first, workers=1)
    build(hostile.root, second, workers=2)
    assert_same(first, second)  # every table but what says when a file was built
    fingerprint = "SELECT value FROM meta WHERE key = 'corpus_fingerprint'"
    assert rows(first, fingerprint) == rows(second, fingerprint) != []
