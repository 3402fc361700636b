"""One server process on 127.0.0.1: started in its own process group, awaited, always stopped.

Shared by the benchmark (``bench.servers``), the soak (``bench.soak``) and the tests that need a
real socket (browser, clients, nginx, hostile requests): ``launched`` runs any command, ``serve``
runs ``newsgql serve``. Every wait is bounded, and stopping signals the whole group, so uvicorn
workers never outlive a run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def launched(argv: list[str], log: Path, health: str, *, env: dict[str, str] | None = None,
             cwd: Path | None = None, timeout: float = START_TIMEOUT) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` (output to ``log``) until the block ends; yield once ``health`` answers 200."""
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, "NO_COLOR": "1", **(env or {})},
                                   stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        wait_until_up(health, process, timeout, log)
        yield process
    finally:
        stop(process)


def newsgql_command() -> list[str]:
    """The installed ``newsgql`` entry point beside this interpreter, else ``python -m gql.cli``."""
    script = Path(sys.executable).with_name("newsgql")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gql.cli"]


@dataclass
class Server:
    """A running ``newsgql serve``: its process (leader of its group), port and log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the whole process group: no graceful shutdown, as in a crash."""
        signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def serve(db: Path, log: Path, *args: str, port: int | None = None,
          env: dict[str, str] | None = None) -> Iterator[Server]:
    """``newsgql serve DB --port P *args`` until the block ends; yields once /healthz answers."""
    port = port or free_port()
    argv = [*newsgql_command(), "serve", str(db), "--host", "127.0.0.1", "--port", str(port), *args]
    with launched(argv, log, f"http://127.0.0.1:{port}/healthz", env=env) as process:
        yield Server(process, port, log)


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = START_TIMEOUT,
                  log: Path | None = None) -> None:
    """Poll ``url`` until it answers 200; fail early, with the log's tail, if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s{_tail(log)}")


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers, reap; stray children are killed too."""
    if process.poll() is None:
        signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.wait(timeout=grace)
    signal_group(process, signal.SIGKILL)  # orphaned workers, if any


def signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return "; log:\n" + log.read_text(errors="replace")[-2000:]


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@contextmanager
def threads_until(finished: threading.Event, targets: Iterable[Callable[[], None]]) -> Iterator[None]:
    """Each of ``targets`` in a thread of its own while the block runs; then ``finished`` is set and
    the threads are waited for (a load of clients beside a test's swaps, restarts or kills)."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        finished.set()
        for thread in threads:
            thread.join(timeout=60)
