"""Real ``newsgql serve`` processes on 127.0.0.1 for tests that need a socket (browser, clients, nginx).

Each server runs in its own process group so it and its uvicorn workers are stopped together;
every wait is bounded. The log (uvicorn's stderr) goes to a file the test may read.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

START_TIMEOUT = 30.0


def newsgql_command() -> list[str]:
    """The installed ``newsgql`` entry point beside this interpreter, else ``python -m gql.cli``."""
    script = Path(sys.executable).with_name("newsgql")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gql.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL the whole process group: no graceful shutdown, as in a crash."""
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = START_TIMEOUT) -> None:
    """Poll ``url`` until it answers 200 (bounded); fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def serve(db: Path, log: Path, *args: str, port: int | None = None) -> Iterator[Server]:
    """``newsgql serve DB --port P *args`` until the block ends; yields once /healthz answers."""
    port = port or free_port()
    env = {**os.environ, "NO_COLOR": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*newsgql_command(), "serve", str(db), "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield Server(process, port, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the group, then SIGKILL it if it has not exited within 10 s."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=10)
    _signal_group(process, signal.SIGKILL)  # orphaned workers, if any


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
