"""``bench/incremental.py`` on a small generated corpus: every build it times succeeds, the updates
are incremental, and the generated corpus it was given is left as it was (it works on hard links)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.corpus_gen import Generator
from tests.support.corpus_files import digest


def test_the_incremental_bench_runs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    Generator(400, seed=1).write(corpus)
    before = digest(corpus)
    result = subprocess.run([sys.executable, "-m", "bench.incremental", "--corpus", str(corpus), "--db",
                             str(tmp_path / "news.db")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "incremental: 20 file(s) parsed again; events added 20, changed 0, removed 0" in lines[1]
    assert "incremental:" in lines[2] and "changed 1, removed 0" in lines[2]
    rows = [line for line in lines if line.startswith("| ") and "seconds" not in line]
    assert [row.split(" | ")[0] for row in rows] == [
        "| full build", "| add a day (20 events)", "| edit one old event", "| full build, same corpus (--full)"]
    assert digest(corpus) == before
    assert not (tmp_path / "corpus-incremental").exists()
