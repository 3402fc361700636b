"""Real ``newsgql serve`` processes on 127.0.0.1 for tests that need a socket (browser, clients, nginx).

Started, awaited and stopped by ``bench.launch`` (own process group, bounded waits). The log
(uvicorn's stderr) goes to a file the test may read.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.launch import free_port, launched, signal_group, stop, wait_until_up

__all__ = ["Server", "free_port", "newsgql_command", "serve", "stop", "wait_until_up"]


def newsgql_command() -> list[str]:
    """The installed ``newsgql`` entry point beside this interpreter, else ``python -m gql.cli``."""
    script = Path(sys.executable).with_name("newsgql")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gql.cli"]


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
        signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def serve(db: Path, log: Path, *args: str, port: int | None = None) -> Iterator[Server]:
    """``newsgql serve DB --port P *args`` until the block ends; yields once /healthz answers."""
    port = port or free_port()
    argv = [*newsgql_command(), "serve", str(db), "--host", "127.0.0.1", "--port", str(port), *args]
    with launched(argv, log, f"http://127.0.0.1:{port}/healthz") as process:
        yield Server(process, port, log)
