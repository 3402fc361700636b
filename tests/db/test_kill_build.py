"""A build killed with SIGKILL at random points, or failing for lack of a place to write, leaves the
previous database byte for byte as it was, still serving; failures are one line and exit 1."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.build import build
from db.read import Reader
from db.sample import SAMPLE_DIR
from gql.schema import create_schema
from gql.schema.context import RequestContext
from tests.support.hostile import bulk_corpus, event_text, write

SEED = 20161214
SLOW = os.environ.get("NEWSGQL_SLOW") == "1"
KILLS = 20 if SLOW else 5
BULK_EVENTS = 12_000


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_command(corpus: Path, target: Path) -> list[str]:
    return [sys.executable, "-m", "gql.cli", "build", str(corpus), "-o", str(target), "--quiet", "--workers", "2"]


def temporaries(target: Path, pid: int | None = None) -> list[Path]:
    """Temp files of builds of ``target`` (of the build with process ``pid`` only, if given)."""
    return list(target.parent.glob(f".{target.name}.{pid if pid else '*'}.tmp"))


def answers(db: Path) -> str:
    """Open the database the way the server does and run a GraphQL query on it."""
    reader = Reader(db)
    try:
        result = asyncio.run(create_schema().execute(
            "{ events(first: 1) { totalCount edges { node { path title } } } }", context_value=RequestContext(reader)))
    finally:
        reader.close()
    assert result.errors is None, result.errors
    assert result.data is not None
    return str(result.data["events"]["edges"][0]["node"]["path"])


def group_gone(pgid: int, timeout: float = 10.0) -> bool:
    """True once no process of the group is left (the parser workers die with the parent)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bulk") / "corpus"
    bulk_corpus(root, BULK_EVENTS)
    return root


@pytest.mark.timeout(240)
def test_kill_9_at_random_points(bulk: Path, tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    build(SAMPLE_DIR, target)
    digest, newest = sha256(target), answers(target)
    # calibrate: how long a whole build takes here, from start and from the temp file's appearance
    started = time.monotonic()
    process = subprocess.Popen(build_command(bulk, tmp_path / "calibration.db"), start_new_session=True)
    appeared = None
    while process.poll() is None and time.monotonic() - started < 120:
        if appeared is None and temporaries(tmp_path / "calibration.db", process.pid):
            appeared = time.monotonic()
        time.sleep(0.005)
    assert process.wait(timeout=60) == 0 and appeared is not None
    writing = time.monotonic() - appeared
    whole = answers(tmp_path / "calibration.db")  # what a build of ``bulk`` that got to its rename serves
    rng = random.Random(SEED)
    outcomes: list[str] = []
    for kill in range(KILLS):
        process = subprocess.Popen(build_command(bulk, target), start_new_session=True)
        if kill == 0:  # before the interpreter has even imported the builder
            time.sleep(rng.uniform(0.0, 0.02))
        else:
            deadline = time.monotonic() + 60
            while not temporaries(target, process.pid) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            # stratified: kill k lands in the k-th slice of the writing time, at a random point of it
            time.sleep((kill - 1 + rng.random()) / (KILLS - 1) * 0.97 * writing)
        leftovers = temporaries(target, process.pid)
        if process.poll() is not None:  # the build won the race: nothing was killed; put the old file back
            outcomes.append("finished before the kill")
            build(SAMPLE_DIR, target)
            digest = sha256(target)
            continue
        size = sum(p.stat().st_size for p in leftovers if p.exists())
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
        assert group_gone(process.pid)
        if sha256(target) != digest:  # killed while exiting, after its rename: the new database, whole
            assert not leftovers and not temporaries(target, process.pid) and answers(target) == whole
            outcomes.append("killed after its rename")
            build(SAMPLE_DIR, target)
            digest = sha256(target)
            continue
        outcomes.append(f"killed with temp file of {size:,} bytes" if leftovers else "killed before the temp file")
        assert answers(target) == newest
    print(f"\n{len(outcomes)} kills (build writes for {writing:.2f} s): " + "; ".join(outcomes))
    assert outcomes[0] == "killed before the temp file"
    assert sum(o.startswith("killed with") for o in outcomes) >= KILLS // 2, outcomes
    # the next build clears what the killed ones left and succeeds
    summary = build(bulk, target)
    assert summary.events == BULK_EVENTS
    assert temporaries(target) == []


def one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gql.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL)


def test_unwritable_targets(tmp_path: Path) -> None:
    """A file where the directory should be, and /proc (read-only for root too)."""
    blocker = tmp_path / "somefile"
    blocker.write_text("not a directory")
    for target in (blocker / "news.db", Path("/proc/newsgql-test.db")):
        line = one_line_failure(cli("build", str(SAMPLE_DIR), "-o", str(target), "--quiet"))
        assert "cannot write" in line, line
    assert blocker.read_text() == "not a directory"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs (we are root in CI); skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount(8) here: cannot make a small disk honestly")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs ({done.stderr.strip()}): a full disk cannot be simulated honestly")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk(tiny_disk: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    write(small, "news/2016/12/14/only.md", event_text("2016-12-14", "Only one."))
    target = tiny_disk / "news.db"
    assert cli("build", str(small), "-o", str(target), "--quiet").returncode == 0
    digest = sha256(target)
    line = one_line_failure(cli("build", str(SAMPLE_DIR), "-o", str(target), "--quiet"))  # 700 KB: does not fit
    assert "full" in line or "No space" in line, line
    assert sha256(target) == digest
    assert answers(target) == "/news/2016/12/14/only.md"
    assert temporaries(target) == []


@pytest.mark.timeout(240)
def test_kill_9_during_an_incremental_build(bulk: Path, tmp_path: Path) -> None:
    """An incremental build writes a copy of the old file: killed at any point, the old file is byte for
    byte as it was and serves its answer; the next build still updates it incrementally."""
    corpus, target = tmp_path / "corpus", tmp_path / "news.db"
    shutil.copytree(bulk, corpus)
    build(corpus, target)
    write(corpus, "news/2030/01/01/a-new-day.md", event_text("2030-01-01", "A new day."))
    digest, newest = sha256(target), answers(target)
    shutil.copyfile(target, tmp_path / "old.db")
    started = time.monotonic()  # calibrate on a copy: how long the incremental build runs
    shutil.copyfile(target, tmp_path / "calibration.db")
    calibration = subprocess.run(build_command(corpus, tmp_path / "calibration.db"), capture_output=True)
    assert calibration.returncode == 0
    whole, seconds = answers(tmp_path / "calibration.db"), time.monotonic() - started
    assert whole == "/news/2030/01/01/a-new-day.md" != newest
    rng = random.Random(SEED)
    killed = 0
    for kill in range(KILLS):
        process = subprocess.Popen(build_command(corpus, target), start_new_session=True)
        time.sleep((kill + rng.random()) / KILLS * seconds)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert group_gone(process.pid)
        if sha256(target) != digest:  # it finished, or was killed after its rename: the new file, whole
            assert answers(target) == whole
            shutil.copyfile(tmp_path / "old.db", target)  # the old file again, for the next kill
            continue
        killed += 1
        assert answers(target) == newest
    assert killed >= KILLS // 2
    summary = build(corpus, target)
    assert summary.incremental and answers(target) == whole and temporaries(target) == []
