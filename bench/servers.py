"""The three servers under test, each one uvicorn process on 127.0.0.1, started and stopped here.

- ours: ``newsgql serve DB --port P`` (one worker);
- datasette: datasette-graphql 2.2 from ``.bench-venv`` (created on demand), same file, immutable;
- limit: ``bench.limit_app`` on uvicorn with uvloop and httptools.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BENCH_VENV = ROOT / ".bench-venv"
DATASETTE_PACKAGES = ("datasette", "datasette-graphql==2.2")
DATASETTE_CONFIG = Path(__file__).with_name("datasette.json")


@dataclass
class Server:
    name: str
    base: str  # http://127.0.0.1:P
    endpoint: str  # path wrk and the checks send requests to (limit: a prefix, /{form}/{name})
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    if name == "ours":
        return [str(VENV_BIN / "newsgql"), "serve", str(db), "--port", str(port)], {}, "/healthz", "/graphql"
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
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out,
                                   start_new_session=True)
    server = Server(name, f"http://127.0.0.1:{port}", endpoint, process, log)
    try:
        _wait(server, health, startup_timeout)
        yield server
    finally:
        stop(process)


def _wait(server: Server, health: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited ({server.process.returncode}); see {server.log}")
        try:
            with urllib.request.urlopen(server.base + health, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer {health} within {timeout:.0f} s; see {server.log}")


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the server's own process group, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass
