"""The three servers under test, each one uvicorn process on 127.0.0.1, started and stopped here.

- ours: ``newsgql serve DB --port P`` (one worker), and its lever variants (``LEVERS``);
- datasette: datasette-graphql 2.2 from ``.bench-venv`` (created on demand), same file, immutable;
- limit: ``bench.limit_app`` on uvicorn with uvloop and httptools.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.launch import free_port, launched

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BENCH_VENV = ROOT / ".bench-venv"
DATASETTE_PACKAGES = ("datasette", "datasette-graphql==2.2")
DATASETTE_CONFIG = Path(__file__).with_name("datasette.json")


#: newsgql with its levers added one at a time, from the reference resolvers to the default and then a
#: second process: (serve options, holds a response cache). ``ours`` is the default.
LEVERS: dict[str, tuple[tuple[str, ...], bool]] = {
    "ours-resolvers": (("--no-compile", "--no-response-cache"), False),  # DataLoaders: a statement per level
    "ours-compiled": (("--no-response-cache",), False),  # + one compiled statement per query shape
    "ours": ((), True),  # + the response cache (the default)
    "ours-workers2": (("--workers", "2"), True),  # the default in two processes
}


def caches(name: str) -> bool:
    """Whether this server keeps answers: then a repeated request measures its cache, not its work."""
    return LEVERS.get(name, ((), False))[1]


@dataclass
class Server:
    name: str
    base: str  # http://127.0.0.1:P
    endpoint: str  # path wrk and the checks send requests to (limit: a prefix, /{form}/{name})
    process: subprocess.Popen[bytes]
    log: Path


def datasette_ready() -> bool:
    return (BENCH_VENV / "bin" / "datasette").exists()


def ensure_datasette(log: Path) -> bool:
    """Create ``.bench-venv`` with datasette-graphql 2.2 if missing; False if that fails."""
    if datasette_ready():
        return True
    with open(log, "ab") as out:
        made = subprocess.run(["python3", "-m", "venv", str(BENCH_VENV)], stdout=out, stderr=out, check=False,
                              timeout=300)
        if made.returncode == 0:
            subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "-q", *DATASETTE_PACKAGES],
                           stdout=out, stderr=out, check=False, timeout=900)
    return datasette_ready()


def _command(name: str, db: Path, port: int) -> tuple[list[str], dict[str, str], str, str]:
    """(argv, extra environment, health path, endpoint path)."""
    if name in LEVERS:
        argv = [str(VENV_BIN / "newsgql"), "serve", str(db), "--port", str(port), *LEVERS[name][0]]
        return argv, {}, "/healthz", "/graphql"
    if name == "datasette":
        argv = [
            str(BENCH_VENV / "bin" / "datasette"), "serve", "-i", str(db), "-p", str(port), "-h", "127.0.0.1",
            "--setting", "sql_time_limit_ms", "10000", "--setting", "max_returned_rows", "1000",
            "-m", str(DATASETTE_CONFIG),
        ]
        return argv, {}, "/-/versions.json", "/graphql"
    argv = [
        str(VENV_BIN / "uvicorn"), "bench.limit_app:create_app", "--factory", "--loop", "uvloop", "--http",
        "httptools", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]
    return argv, {"BENCH_DB": str(db)}, "/healthz", ""


@contextmanager
def serving(name: str, db: Path, logs: Path, startup_timeout: float = 60.0) -> Iterator[Server]:
    """Start one server, wait until it answers, yield it, and always stop it."""
    port = free_port()
    argv, env, health, endpoint = _command(name, db, port)
    log = logs / f"{name}-{port}.log"
    base = f"http://127.0.0.1:{port}"
    with launched(argv, log, base + health, env=env, cwd=ROOT, timeout=startup_timeout) as process:
        yield Server(name, base, endpoint, process, log)
