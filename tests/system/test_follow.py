"""A real ``newsgql serve`` under load while its file is renamed over five times: no request fails, and
every answer (titles of events and of their related events, and a GET's ETag) is whole from one file.
An idle server follows its file too: the old one is closed with no request to make it."""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from gql.web.follow import etag_prefix
from tests.support.launch import serve, threads_until, wait_for

CLIENTS = 16
SWAPS = "BCABC"  # the files renamed over the served one (A), in turn
QUERIES = (  # an identical one (response cache, replay) and ones no cache has seen, nested
    "{{ events(first: 3) {{ edges {{ node {{ title }} }} }} }}",
    "# request {n}\n{{ events(first: 5) {{ edges {{ node {{ title related {{ event {{ title }} }} }} }} }} }}",
    "# request {n}\n{{ search(query: \"refugees\", first: 3) {{ edges {{ node {{ title sources {{ name }} }} }} }} }}",
)
GQL = {"accept": "application/graphql-response+json"}


def titles(value: Any) -> Iterator[str]:
    """Every ``title`` anywhere in an answer."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "title" and isinstance(item, str):
                yield item
            else:
                yield from titles(item)
    elif isinstance(value, list):
        for item in value:
            yield from titles(item)


@contextmanager
def load(url: str, prefixes: dict[str, str]) -> Iterator[list[tuple[int, frozenset[str], str | None]]]:
    """``CLIENTS`` threads sending queries until the block ends; each outcome is (status: -1 for an answer
    with errors, 0 for none; the files its titles came from; the file its ETag names, None for POST)."""
    outcomes: list[tuple[int, frozenset[str], str | None]] = []
    finished = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            n = number
            while not finished.is_set():
                n += CLIENTS
                query = QUERIES[n % len(QUERIES)].format(n=n)
                try:
                    if n % 2:
                        response = http.get("/graphql", params={"query": query}, headers=GQL)
                    else:
                        response = http.post("/graphql", json={"query": query}, headers=GQL)
                except httpx.TransportError:
                    outcomes.append((0, frozenset(), None))
                    continue
                body = response.json() if response.status_code == 200 else {}
                found = frozenset(title[1] for title in titles(body.get("data")))
                etag = response.headers.get("etag")
                tagged = prefixes.get(etag.strip('"').rsplit("-", 1)[0], "?") if etag else None
                outcomes.append((response.status_code if "errors" not in body else -1, found, tagged))

    with threads_until(finished, [functools.partial(client, number) for number in range(CLIENTS)]):
        yield outcomes


@pytest.mark.parametrize("executor", ["--compile", "--no-compile"])
def test_swaps_under_load_answer_whole_from_one_file(tagged_dbs: dict[str, Path], tmp_path: Path,
                                                     executor: str) -> None:
    served = tmp_path / "news.db"
    shutil.copyfile(tagged_dbs["A"], served)
    metas = {}
    for tag, db in tagged_dbs.items():
        with sqlite3.connect(db) as conn:
            metas[tag] = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    prefixes = {etag_prefix(meta): tag for tag, meta in metas.items()}
    assert len(prefixes) == 3

    with serve(served, tmp_path / "serve.log", executor) as server, load(server.url, prefixes) as outcomes:
        wait_for(lambda: len(outcomes) >= 200)
        for tag in SWAPS:
            staged = tmp_path / f"{tag}.staged"
            shutil.copyfile(tagged_dbs[tag], staged)
            os.replace(staged, served)
            swapped = len(outcomes)
            # the server looks at the path on its own (no /healthz to make it); then some load on the new file
            wait_for(lambda tag=tag, swapped=swapped: sum(found == {tag} for _, found, _ in outcomes[swapped:]) >= 100)
        health = httpx.get(f"{server.url}/healthz").json()
    assert health["status"] == "ok" and health["meta"]["built_at"] == metas[SWAPS[-1]]["built_at"]

    statuses = Counter(status for status, _, _ in outcomes)
    assert statuses == {200: len(outcomes)}, statuses
    mixed = [found for _, found, _ in outcomes if len(found) != 1]
    assert mixed == [], f"{len(mixed)} answers not from one file, e.g. {mixed[:3]}"
    assert {tag for _, found, _ in outcomes for tag in found} == {"A", "B", "C"}
    tags_apart = [(found, tagged) for _, found, tagged in outcomes if tagged is not None and {tagged} != found]
    assert tags_apart == [], f"GET answers whose ETag names another file than their body: {tags_apart[:3]}"
    text = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in text, text


def open_files(pid: int) -> list[str]:
    """What process ``pid`` holds open, as /proc names it (a removed file ends `` (deleted)``)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.append(os.readlink(fd))
        except OSError:
            continue
    return found


def test_an_idle_server_lets_go_of_a_replaced_file(tagged_dbs: dict[str, Path], tmp_path: Path) -> None:
    served = tmp_path / "news.db"
    shutil.copyfile(tagged_dbs["A"], served)
    with serve(served, tmp_path / "serve.log") as server:
        assert str(served) in open_files(server.pid)
        staged = tmp_path / "B.staged"
        shutil.copyfile(tagged_dbs["B"], staged)
        os.replace(staged, served)
        wait_for(lambda: f"{served} (deleted)" not in open_files(server.pid) and str(served) in open_files(server.pid))
        answer = httpx.post(f"{server.url}/graphql", json={"query": QUERIES[0].format(n=0)}, headers=GQL)
    assert {title[:3] for title in titles(answer.json()["data"])} == {"[B]"}
