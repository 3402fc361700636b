"""Corpus and database for one N, reused from ``bench/out`` when already made by the same code.

The corpus is keyed by (N, seed, generator version); the database also by a hash of ``db/*.py``,
so a change to the builder rebuilds it and a change to the server does not. Build figures (wall
time, CPU, peak RSS from ``wait4``) and the plain read time are measured in the same run when
the database is built, and so are two incremental updates of it (a day added, then removed
again); when it is reused, the figures saved with it are reported as such.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .corpus_gen import GENERATOR_VERSION, Generator
from .incremental import add_day, remove_day
from .servers import ROOT, VENV_BIN

#: events in the day that the incremental updates add after the last day, and then remove again
UPDATE_EVENTS = 20


class BuildTimeout(Exception):
    """The build ran past ``--build-timeout`` and was stopped."""


@dataclass
class Prepared:
    """What one N is served from, and the figures of its corpus and build."""

    n: int
    corpus: Path
    db: Path
    corpus_files: int = 0
    corpus_bytes: int = 0
    generate_seconds: float = 0.0
    corpus_reused: bool = False
    build_seconds: float = 0.0
    build_cpu_seconds: float = 0.0
    build_peak_rss_mb: float = 0.0
    read_seconds: float = 0.0  # os.walk + open/read of the bytes: the strictest baseline
    read_text_seconds: float = 0.0  # pathlib rglob + read_text: how a Python program reads markdown
    db_bytes: int = 0
    events: int = 0
    build_reused: bool = False
    build_output: str = ""
    #: the incremental updates after the build, "add" (a day of UPDATE_EVENTS events after the last day)
    #: then "remove" (that day again): each {seconds, cpu_seconds, peak_rss_mb, events, digest, output}
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""  # how a prebuilt database (``--db N=PATH``) was made, or why the build failed

    @property
    def events_per_second(self) -> float:
        return self.events / self.build_seconds if self.build_seconds else 0.0

    @property
    def build_read_ratio(self) -> float:
        return self.build_seconds / self.read_seconds if self.read_seconds else 0.0

    @property
    def build_read_text_ratio(self) -> float:
        return self.build_seconds / self.read_text_seconds if self.read_text_seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        data = asdict(self) | {"events_per_second": self.events_per_second, "build_read_ratio": self.build_read_ratio,
                               "build_read_text_ratio": self.build_read_text_ratio}
        return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}


def builder_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "db").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def read_all(root: Path) -> tuple[float, int, int]:
    """Seconds to read every file under ``root`` once (walk included); also file count and bytes."""
    started = time.perf_counter()
    files = size = 0
    for directory, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                size += len(handle.read())
            files += 1
    return time.perf_counter() - started, files, size


def read_all_text(root: Path) -> float:
    """Seconds to read every markdown file under ``root`` as text, the plain Python way."""
    started = time.perf_counter()
    for path in root.rglob("*.md"):
        path.read_text(encoding="utf-8", errors="replace")
    return time.perf_counter() - started


def generate(n: int, out: Path, *, seed: int = 1, regen: bool = False, workers: int = 2,
             log: Callable[[str], None] = print) -> tuple[Path, dict[str, Any], bool]:
    """(corpus directory, its figures, reused?): generated unless already there for this N and version."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"corpus-n{n}-g{GENERATOR_VERSION}-s{seed}"
    corpus, marker = out / name, out / f"{name}.json"
    reused = not regen and marker.exists()
    if not reused:
        shutil.rmtree(corpus, ignore_errors=True)
        marker.unlink(missing_ok=True)
        log(f"generating {n:,} events into {corpus}")
        started = time.perf_counter()
        stats = Generator(n, seed).write(corpus, workers=workers)
        stats.seconds = time.perf_counter() - started  # the first pass (context table) included
        marker.write_bytes(orjson.dumps(asdict(stats)))
    return corpus, orjson.loads(marker.read_bytes()), reused


def prepare(n: int, out: Path, *, seed: int = 1, regen: bool = False, rebuild: bool = False,
            workers: int = 2, build_timeout: float = 900.0, prebuilt: Path | None = None,
            log: Callable[[str], None] = print) -> Prepared:
    """Generate (or reuse) the corpus and build (or reuse) its database; raise BuildTimeout.

    With ``prebuilt``, serve that file instead; build figures come from ``PATH.json`` if present.
    """
    if prebuilt is not None:
        return _prebuilt(n, out, prebuilt, seed)
    corpus, made, corpus_reused = generate(n, out, seed=seed, regen=regen, workers=workers, log=log)
    figures_of = {"corpus": corpus, "corpus_files": made["files"], "corpus_bytes": made["bytes"],
                  "generate_seconds": made["seconds"], "corpus_reused": corpus_reused}
    db = out / f"news-n{n}-g{GENERATOR_VERSION}-s{seed}-db{builder_hash()}.db"
    figures = db.with_suffix(".json")
    build_reused = not rebuild and db.exists() and figures.exists()
    if not build_reused:
        read_all(corpus)  # warm the page cache: the build and the timed read both find it warm
        read_seconds, _, _ = read_all(corpus)
        read_text_seconds = read_all_text(corpus)
        for stale in out.glob(f"news-n{n}-g{GENERATOR_VERSION}-s{seed}-db*"):
            stale.unlink()  # built by older db/ code
        log(f"building {db.name} (read of all files: {read_seconds:.2f} s), then updating it incrementally")
        try:
            build = _build_and_update(corpus, db, build_timeout)
        except BuildTimeout as exc:
            raise BuildTimeout(Prepared(n=n, db=db, read_seconds=read_seconds, note=str(exc), **figures_of)) from None
        build["read_seconds"] = read_seconds
        build["read_text_seconds"] = read_text_seconds
        figures.write_bytes(orjson.dumps(build))
    build = orjson.loads(figures.read_bytes())
    return Prepared(
        n=n, db=db, **figures_of, build_seconds=build["seconds"], build_cpu_seconds=build["cpu_seconds"],
        build_peak_rss_mb=build["peak_rss_mb"], read_seconds=build["read_seconds"],
        read_text_seconds=build.get("read_text_seconds", 0.0), db_bytes=db.stat().st_size,
        events=build["events"], build_reused=build_reused, build_output=build["output"],
        updates=build.get("updates", {}),
    )


def _prebuilt(n: int, out: Path, db: Path, seed: int) -> Prepared:
    marker = out / f"corpus-n{n}-g{GENERATOR_VERSION}-s{seed}.json"
    made: dict[str, Any] = {"files": 0, "bytes": 0, "seconds": 0.0}
    if marker.exists():
        made = orjson.loads(marker.read_bytes())
    figures = db.with_suffix(".json")
    build: dict[str, Any] = orjson.loads(figures.read_bytes()) if figures.exists() else {}
    return Prepared(
        n=n, corpus=marker.with_suffix(""), db=db, corpus_files=made["files"], corpus_bytes=made["bytes"],
        generate_seconds=made["seconds"], corpus_reused=True, build_seconds=build.get("seconds", 0.0),
        build_cpu_seconds=build.get("cpu_seconds", 0.0), build_peak_rss_mb=build.get("peak_rss_mb", 0.0),
        read_seconds=build.get("read_seconds", 0.0), db_bytes=db.stat().st_size, events=build.get("events", 0),
        build_reused=True, build_output=build.get("output", ""), updates=build.get("updates", {}),
        note=build.get("note") or f"prebuilt database {db} (--db); build not measured in this run",
    )


_MEASURE = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
            "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
            "sys.exit(code)")


def _build_and_update(corpus: Path, db: Path, timeout: float) -> dict[str, Any]:
    """The full build, then two incremental updates of ``db`` (``updates``), each timed like the build:
    a day of UPDATE_EVENTS events added after the last day, and that day removed again, which must
    leave the events exactly as the full build made them (checked), so ``db`` serves the corpus.

    All three read a hard-linked copy of the corpus, removed afterwards: the database records the
    directory it was built from and ``newsgql build`` updates it only from that one, and the
    generated corpus is never changed (an added file is a new file; a removed one, a link).
    """
    copy = corpus.with_name(corpus.name + "-updates")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(corpus, copy, copy_function=os.link)
    try:
        build = _build(copy, db, timeout)
        day = add_day(copy, UPDATE_EVENTS)
        added = _update(copy, db, timeout, "add")
        remove_day(copy, day)
        removed = _update(copy, db, timeout, "remove")
        if added["events"] != build["events"] + UPDATE_EVENTS or removed["digest"] != build["digest"]:
            raise RuntimeError(f"the incremental updates of {db} did not add {UPDATE_EVENTS} events and remove "
                               f"them again: {build['events']:,} events, then {added['events']:,}, then "
                               f"{removed['events']:,} (the same as built: {removed['digest'] == build['digest']})")
    except BaseException:
        db.unlink(missing_ok=True)  # never left for a later run: no figures describe it
        raise
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return build | {"updates": {"add": added, "remove": removed}}


def _build(corpus: Path, db: Path, timeout: float) -> dict[str, Any]:
    """A full build of ``corpus`` into ``db``: written as ``db.part`` (a new file, so nothing is updated),
    then renamed."""
    tmp = db.with_name(db.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        figures = _measured(corpus, tmp, db.with_name(db.name + ".log"), timeout)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(db)
    return figures | _contents(db)


def _update(corpus: Path, db: Path, timeout: float, name: str) -> dict[str, Any]:
    """``newsgql build`` run again on ``db``, whose corpus changed; RuntimeError unless it updated
    only the changed days (its summary says ``incremental:``, or ``full build (why)``).

    Dirty pages of the previous build are written out first (``sync``, untimed): a daily update
    comes long after the last build, not while the kernel still flushes it.
    """
    os.sync()
    figures = _measured(corpus, db, db.with_name(f"{db.name}.{name}.log"), timeout)
    if not re.search(r"^\s*incremental: ", figures["output"], re.MULTILINE):
        raise RuntimeError(f"newsgql build did not update {db.name} incrementally ({name}):\n{figures['output']}")
    return figures | _contents(db)


def _contents(db: Path) -> dict[str, Any]:
    """The number of events in ``db`` and a digest of every row of its events table."""
    digest = hashlib.sha256()
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        for row in conn.execute("SELECT * FROM events ORDER BY id"):
            digest.update(repr(row).encode())
    return {"events": events, "digest": digest.hexdigest()}


def _measured(corpus: Path, output: Path, log_file: Path, timeout: float) -> dict[str, Any]:
    """``newsgql build CORPUS -o OUTPUT`` as a child process: wall time, CPU time and peak RSS of that
    build alone, and what it printed (also kept in ``log_file``); BuildTimeout after ``timeout`` s.

    A process forked from this harness starts with the harness's own pages counted in its RSS,
    and Linux keeps that high-water mark across exec: measured directly, the build "used" what
    the harness held. So a small wrapper runs the build as its own child and reports that child's
    ``ru_maxrss`` (the largest single process of the build, its parsing workers included).
    """
    peak_file = log_file.with_name(log_file.name + ".rss")
    started = time.perf_counter()
    with open(log_file, "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", _MEASURE, str(peak_file),
                                    str(VENV_BIN / "newsgql"), "build", str(corpus), "-o", str(output)],
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                raise BuildTimeout(f"newsgql build did not finish within {timeout:.0f} s and was stopped")
            time.sleep(0.01)  # the wall time ends when this poll sees the exit: an update takes about a second
    except BaseException:  # the timeout, or the harness being stopped: never leave a build running
        os.killpg(process.pid, signal.SIGKILL)
        os.wait4(process.pid, 0)
        raise
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log_file.read_text(errors="replace").strip()
    peak_kb = int(peak_file.read_text())
    peak_file.unlink()
    if process.returncode != 0:
        raise RuntimeError(f"newsgql build failed ({process.returncode}):\n{text}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": peak_kb / 1024,
            "output": text}
