"""``serve --workers``: a worker that cannot open the database stops the server in one line, no crash loop."""

from __future__ import annotations

import os
import shutil
import signal
import time
from contextlib import suppress
from pathlib import Path

from tests.support.launch import serve

# uvicorn's supervisor notices a dead worker at its next health check, which waits up to 5 s for a
# worker that stopped answering: once for the killed worker, once for its replacement, at worst.
STOP_WITHIN = 15.0


def workers_of(pid: int) -> list[int]:
    """The server processes uvicorn's supervisor ``pid`` spawned (not multiprocessing's resource tracker)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            found.append(int(child))
    return found


def has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` holds ``path`` open (a worker that built its app holds the database)."""
    with suppress(FileNotFoundError):
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    return False


def group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies left to init to reap do not count)."""
    for entry in Path("/proc").glob("[0-9]*/stat"):
        with suppress(FileNotFoundError, ProcessLookupError):
            state, _, group = entry.read_text().rpartition(")")[2].split()[:3]
            if int(group) == pgid and state != "Z":
                return True
    return False


def test_a_worker_that_cannot_open_the_database_stops_the_server(sample_db: Path, tmp_path: Path) -> None:
    db = (tmp_path / "news.db").resolve()
    shutil.copyfile(sample_db, db)
    log = tmp_path / "serve.log"
    with serve(db, log, "--workers", "2") as server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # both workers up: each has opened the file
            workers = workers_of(server.pid)
            if len(workers) == 2 and all(has_open(pid, db) for pid in workers):
                break
            time.sleep(0.1)
        assert len(workers) == 2 and all(has_open(pid, db) for pid in workers), log.read_text()
        db.unlink()
        os.kill(workers[0], signal.SIGKILL)  # its replacement cannot open the file
        killed = time.monotonic()
        while group_alive(server.pid) and time.monotonic() - killed < STOP_WITHIN:
            time.sleep(0.1)
        assert not group_alive(server.pid), f"still running {STOP_WITHIN:.0f} s later:\n{log.read_text()}"
        server.process.wait(timeout=5)
    text = log.read_text()
    assert "Traceback" not in text
    assert text.count(f"cannot start a server process: database not found: {db}\n") == 1, text
    assert server.process.returncode == 1, text
    assert text.endswith(f"Error: the server stopped: database not found: {db}\n"), text
