"""The benchmark's smoke variant end to end: generate, build and update, serve ours and the limit,
load with wrk.

No timing is asserted (the machine is shared): only that every row was measured, our server
answered every request without errors or non-2xx, the limit's answers matched ours, and the two
incremental updates after the build were incremental and left the database as a full build.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus_gen import Generator
from bench.limit_app import FORM_B_SQL
from db.build import build
from tests.support.corpus_files import digest
from tests.support.dump import dump

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (Debian: apt-get install wrk)")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def report(out: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--sizes", "300", "--duration", "1",
         "--out", str(out), "--json", str(out / "report.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (out / "RESULTS-smoke.md").exists()
    data: dict[str, object] = json.loads((out / "report.json").read_text())
    return data


def _rows(report: dict[str, object]) -> list[dict[str, object]]:
    sizes = report["sizes"]
    assert isinstance(sizes, list) and len(sizes) == 1
    assert sizes[0]["n"] == 300
    rows: list[dict[str, object]] = sizes[0]["rows"]
    return rows


def test_every_row_measured_on_ours_without_errors(report: dict[str, object]) -> None:
    rows = _rows(report)
    assert {row["key"] for row in rows} >= {"Q1", "Q2", "Q3", "search", "timeline_ctx", "depth3", "Q1get"}
    for row in rows:
        ours = row["ours"]
        assert isinstance(ours, dict), row
        assert ours["rps"] > 0, row
        assert ours["errors"] == 0 and ours["non2xx"] == 0, row
        assert ours["check"] is None, row


def test_limit_agrees_with_ours_and_answers_cleanly(report: dict[str, object]) -> None:
    for row in _rows(report):
        forms = row["limit"]
        # form b (one statement written by hand) exists for the original rows; every row has form a
        assert isinstance(forms, dict) and set(forms) >= ({"a", "b"} if row["key"] in FORM_B_SQL else {"a"}), row
        for form in forms.values():
            assert form["rps"] > 0 and form["errors"] == 0, row
            assert form["check"] is None, row


def test_markdown_report_has_the_table(report: dict[str, object], out: Path) -> None:
    assert report["servers"] == ["ours", "limit"]
    text = (out / "RESULTS-smoke.md").read_text(encoding="utf-8")
    assert "## N = 300" in text and "| Q1 |" in text and "ours/limit" in text


def test_the_build_is_updated_incrementally_and_back(report: dict[str, object], out: Path, tmp_path: Path) -> None:
    """A day of 20 events added after the build, then removed: two incremental ``newsgql build``s,
    after which the file served holds what a full build of the corpus holds; the corpus is untouched."""
    sizes = report["sizes"]
    assert isinstance(sizes, list)
    prepared = sizes[0]["prepare"]
    add, remove = prepared["updates"]["add"], prepared["updates"]["remove"]
    assert "incremental: 20 file(s) parsed again; events added 20, changed 0, removed 0" in add["output"]
    assert "incremental: 0 file(s) parsed again; events added 0, changed 0, removed 20" in remove["output"]
    assert add["events"] == 320 and remove["events"] == prepared["events"] == 300
    for update in (add, remove):
        assert update["seconds"] > 0 and update["cpu_seconds"] > 0 and update["peak_rss_mb"] > 0, update
    corpus, served = Path(prepared["corpus"]), Path(prepared["db"])
    build(corpus, tmp_path / "full.db")
    tables, full = dump(served), dump(tmp_path / "full.db")
    for found in (tables, full):  # built from the hard-linked copy the updates changed; here from the corpus
        found["meta"] = [row for row in found["meta"] if row[0] != "corpus_root"]
    history = {"builds", "event_changes"}  # what each build added or removed
    assert tables.keys() == full.keys() and {"events", "related", "contexts", "meta"} <= tables.keys() - history
    for table in tables.keys() - history:
        assert tables[table] == full[table], table
    Generator(300, seed=1).write(tmp_path / "corpus")
    assert digest(corpus) == digest(tmp_path / "corpus")
    assert not corpus.with_name(corpus.name + "-updates").exists()
    text = (out / "RESULTS-smoke.md").read_text(encoding="utf-8")
    assert "- incremental update: a day of 20 events added " in text
    assert "| N | full build s | day added s | / full | day removed s | / full |" in text and "\n| 300 | " in text


def test_lever_variants_answer_like_ours_and_are_tabled(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--sizes", "300", "--duration", "1", "--out", str(tmp_path),
         "--servers", "ours,ours-resolvers,ours-compiled", "--queries", "Q1,Q2op,depth3",
         "--json", str(tmp_path / "report.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = _rows(json.loads((tmp_path / "report.json").read_text()))
    assert [row["key"] for row in rows] == ["Q1", "Q2op", "depth3"]
    for row in rows:
        for variant in ("ours-resolvers", "ours-compiled"):
            measured = row[variant]
            assert measured["rps"] > 0 and measured["errors"] == 0, row
            assert measured["check"] is None, row  # the same data as ours
    text = (tmp_path / "RESULTS-smoke.md").read_text(encoding="utf-8")
    assert "| query | resolvers (DataLoaders) | + compiled SQL | + response cache (default) |" in text


async def test_pipeline_measures_the_app_in_process(sample_db: Path) -> None:
    """``bench.pipeline`` drives the real app with the rows' own bodies and refuses any non-200."""
    from bench.pipeline import measure

    found = await measure(str(sample_db), ["Q1", "Q3lit", "backward"], repeat=1)
    assert set(found) == {"Q1", "Q3lit", "backward"}
    assert all(0 < seconds < 1 for seconds in found.values()), found
