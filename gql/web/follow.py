"""The server follows its file: a new file renamed over the served path (or a symlink switched to
another) is opened and answers new requests; a file written over in place is refused.

    FollowFile  ASGI middleware, outermost: each request takes the ``State`` once, at its start,
     |          and answers from that state's ``ServedFile`` to its end: an answer is whole from one file
    Follower    the path and the state it is in; looks at the path's identity (``db.read.identity``:
     |          device, inode, size, times) every ``FOLLOW_INTERVAL`` (``watch``, from the app's
     |          lifespan, so an idle worker lets go of an old file too) and before a request if it is time
    ServedFile  one open file and everything made from it: its Reader, Executor (response cache,
                compiled plans), replayed answers and ETag prefix. Never changed: replaced whole,
                and closed once the last request that took it is done

What the path may come to hold, and what the server then does (``/healthz`` says it):

- the file opened, unchanged: answers from it (200);
- another file (``os.replace``, ``mv``, a symlink switched): opens it and answers new requests from
  it; a file that cannot be opened (not a newsgql database, another schema version) is logged and
  tried again when the path changes; meanwhile the old file answers and ``/healthz`` is 503;
- nothing: the old file answers, ``/healthz`` is 503; a file put there later is opened;
- the opened file, written over in place (``cp`` over it): SQLite reads it ``immutable`` and may then
  give wrong rows, so every GraphQL request and feed is refused (503) until another file is renamed
  over the path. ``touch`` and ``chmod`` change the file's change time too, and are refused alike.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from starlette.types import ASGIApp, Receive, Scope, Send

from db.errors import DatabaseError
from db.read import FileIdentity, Reader, identity

from ..execute import Executor
from ..limits import FOLLOW_INTERVAL, REPLAY_BYTES, REPLAY_ENTRIES
from .replay import ReplayCache, replay_cache

log = logging.getLogger("uvicorn.error")  # beside uvicorn's own lines, under its --log-level

#: Where ``FollowFile`` leaves the request's ``State`` in the ASGI scope.
SCOPE_KEY = "newsgql.state"


class ServedFile:
    """One open database file and everything made from it, for as long as requests use it."""

    def __init__(self, reader: Reader, executor: Executor, *, replays: bool = True) -> None:
        self.reader, self.executor = reader, executor
        self.replay: ReplayCache | None = replay_cache(REPLAY_ENTRIES, REPLAY_BYTES) if replays else None
        self.etag_prefix = etag_prefix(reader.meta)
        self.meta = {key: int(value) if value.isdigit() else value for key, value in reader.meta.items()}
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()

    def take(self) -> None:
        """Hold the file open for one more user (a request: its statements, then its answer sent)
        until it calls ``done``."""
        with self._lock:
            self._users += 1

    def done(self) -> None:
        """One user fewer; the last to leave a retired archive closes its file."""
        with self._lock:
            self._users -= 1
            last = self._retired and self._users == 0
        if last:
            self.reader.close()

    def retire(self) -> None:
        """No new request takes it; its file is closed now, or when the last one using it is done."""
        with self._lock:
            self._retired = True
            done = self._users == 0
        if done:
            self.reader.close()


def etag_prefix(meta: dict[str, str]) -> str:
    """What starts every ETag answered from a file: its corpus fingerprint and when it was built
    (two builds of one corpus share the fingerprint), e.g. ``3fa9c2d41b07e6a8-20260105T101500``."""
    built = re.sub("[^0-9T]", "", meta.get("built_at", ""))[:15]
    return f"{meta.get('corpus_fingerprint', '')[:16] or 'nofingerprint'}-{built or 'unknown'}"


@dataclass(frozen=True)
class State:
    """What a request answers from: ``archive``, unless ``refused`` (then only ``/healthz`` reads its
    meta); ``problem``: why ``/healthz`` is 503 (None: the path holds ``archive``'s file, unchanged)."""

    archive: ServedFile
    problem: str | None = None
    refused: bool = False


class Follower:
    """The served path and the state it is in, looked at again at most every ``interval`` seconds."""

    def __init__(self, path: Path | str, open_archive: Callable[[Path], ServedFile], *,
                 interval: float = FOLLOW_INTERVAL) -> None:
        self.path, self.interval = Path(path), interval
        self._open = open_archive
        self._state = State(open_archive(self.path))  # DatabaseError: the server cannot start
        self._checked = time.monotonic()
        self._failed: tuple[FileIdentity, str] | None = None  # a file that could not be opened, and why
        self._lock = threading.Lock()

    @property
    def archive(self) -> ServedFile:
        """The archive new requests answer from (or, refused, the one opened last)."""
        return self._state.archive

    def state(self, *, now: bool = False) -> State:
        """The current state; the path is looked at first if ``interval`` has passed, or ``now``."""
        clock = time.monotonic()
        if (now or clock - self._checked >= self.interval) and self._lock.acquire(blocking=False):
            try:
                self._checked = clock
                self._state = self._follow(self._state)
            finally:
                self._lock.release()
        return self._state

    async def watch(self) -> None:
        """Look at the path every ``interval`` until cancelled (requests look too, when it is time)."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.state()
            except Exception:  # an unforeseen error must not stop the looking; the next request sees it too
                log.exception("looking at %s failed", self.path)

    def close(self) -> None:
        self._state.archive.retire()

    def _follow(self, state: State) -> State:
        opened = state.archive.reader.opened
        try:
            found = identity(self.path)
        except OSError:
            return State(state.archive, f"the database file is gone: {self.path}", state.refused)
        if found == opened:  # back to the file opened (after a "gone"), or never away
            return state if state.problem is None or state.refused else State(state.archive)
        if found[:2] == opened[:2]:  # the same file, other bytes or times
            if not state.refused:
                log.error("%s was changed in place: refusing to answer until a new file is renamed over it",
                          self.path)
            return State(state.archive, f"{self.path} was changed in place: answers from it may be wrong, so "
                                        "none are given until a new file is renamed over it", refused=True)
        if self._failed is not None and self._failed[0] == found:
            return State(state.archive, self._failed[1], state.refused)
        try:
            archive = self._open(self.path)
        except DatabaseError as exc:
            still = ("answering from none until another file is renamed over it" if state.refused
                     else "still answering from the one opened before")
            problem = f"{self.path} now holds a file that cannot be served ({exc}); {still}"
            log.warning("%s", problem)
            self._failed = (found, problem)
            return State(state.archive, problem, state.refused)
        self._failed = None
        state.archive.retire()
        log.info("%s: now answering from the file built %s (corpus %s)", self.path,
                 archive.meta.get("built_at"), archive.meta.get("corpus_fingerprint"))
        return State(archive)


class FollowFile:
    """ASGI middleware: give each HTTP request the follower's state, its archive held open throughout."""

    def __init__(self, app: ASGIApp, *, follower: Follower) -> None:
        self.app, self.follower = app, follower

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.follower.state()
        scope[SCOPE_KEY] = state
        archive = state.archive
        archive.take()  # before any await: no swap can close it first
        try:
            await self.app(scope, receive, send)
        finally:
            archive.done()


def state_of(scope: Scope) -> State:
    """The state ``FollowFile`` gave this request."""
    return cast(State, scope[SCOPE_KEY])
