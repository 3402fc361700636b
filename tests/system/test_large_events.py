"""An event body as large as the build accepts cannot stall the server (issue: one search stalled a
one-worker server for minutes). A real ``newsgql serve`` on a file holding a multi-megabyte body:
search with snippets answers within the time limit's reach, ``/healthz`` answers meanwhile, and
SIGTERM stops the server within seconds.
"""

from __future__ import annotations

import concurrent.futures
import signal
import time
from pathlib import Path

import httpx
import pytest

from db.build import build
from tests.support.corpus_files import event_text, write
from tests.support.launch import serve

BODY_WORDS = 2_000_000  # ~12 MB (the build takes up to 16 MiB): a search with snippets took minutes
SEARCH = '{ search(query: "refugee", first: 3) { totalCount edges { snippet node { date } } } }'


@pytest.fixture(scope="module")
def large_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("large")
    corpus = root / "corpus"
    body = " ".join("refugee crisis in the region" if i % 50 == 0 else "word" for i in range(BODY_WORDS))
    write(corpus, "news/2016/12/14/huge.md", event_text(title="A very long report.", body=body))
    write(corpus, "news/2016/12/13/small.md", event_text(date="2016-12-13", title="Refugee talks.",
                                                         body="Talks on the refugee crisis begin."))
    title = " ".join("refugee" if i % 50 == 0 else "words" for i in range(BODY_WORDS // 2))  # one 6 MB line
    write(corpus, "news/2016/12/12/title.md", event_text(date="2016-12-12", title=title, body="Short."))
    build(corpus, root / "large.db")
    return root / "large.db"


def test_search_with_snippets_stays_within_the_time_limit(large_db: Path, tmp_path: Path) -> None:
    with serve(large_db, tmp_path / "server.log", "--time-limit", "0.5", "--no-response-cache") as server:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            started = time.monotonic()
            searched = pool.submit(httpx.post, f"{server.url}/graphql", json={"query": SEARCH}, timeout=60)
            time.sleep(0.2)
            health = httpx.get(f"{server.url}/healthz", timeout=10)
            answer = searched.result()
        elapsed = time.monotonic() - started
        assert health.status_code == 200
        assert answer.status_code == 200
        assert elapsed < 5, f"search took {elapsed:.1f} s"
        assert "errors" not in answer.json(), answer.json()
        data = answer.json()["data"]["search"]
        assert data["totalCount"] == 3
        snippets = {edge["node"]["date"]: edge["snippet"] for edge in data["edges"]}
        assert "<mark>refugee</mark>" in snippets["2016-12-13"].lower()
        assert snippets["2016-12-14"] == "A very long report."  # from the title: no match there
        assert snippets["2016-12-12"] == ""  # a title too long to snippet either


def test_sigterm_stops_a_server_in_the_middle_of_a_search(large_db: Path, tmp_path: Path) -> None:
    with (serve(large_db, tmp_path / "server.log", "--no-response-cache") as server,
          concurrent.futures.ThreadPoolExecutor(1) as pool):
        pool.submit(httpx.post, f"{server.url}/graphql", json={"query": SEARCH}, timeout=60)
        time.sleep(0.3)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)
        assert time.monotonic() - started < 8
