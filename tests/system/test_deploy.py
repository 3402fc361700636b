"""Scale-out: ``--workers`` processes share the load; nginx (deploy/nginx.conf.template) balances
backends, caches GET answers by their Cache-Control, and retries on another backend what one could
not answer, so a rolling restart onto a new database file loses no request.

Everything runs on 127.0.0.1 with its files in a tmp dir; loads are bounded in count and time.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import orjson
import pytest

from db.build import build
from db.sample import SAMPLE_DIR
from tests.support.corpus_files import event_text, write
from tests.support.launch import Server, free_port, launched, serve, stop, threads_until, wait_for

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf.template"
NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
QUERY = "# request {n}\n{{ events(first: 20) {{ totalCount edges {{ node {{ title sources {{ name }} }} }} }} }}"
JSON = {"content-type": "application/json", "accept": "application/graphql-response+json"}
LOAD = 300

needs_nginx = pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx (apt-get install nginx; .ci/run does)")


# -- uvicorn workers ----------------------------------------------------------------------------


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def socket_owner(server_port: int, client_port: int, pids: set[int]) -> int | None:
    """The process holding the server side of the TCP connection 127.0.0.1:client_port -> server_port."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == server_port and int(fields[2].split(":")[1], 16) == client_port:
            inode = fields[9]
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        for fd in fds.iterdir() if fds.exists() else ():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def serving_pid(server: Server, pids: set[int], n: int) -> int | None:
    """Send one query on a new connection; return the pid of the process that answered it."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", "/graphql", orjson.dumps({"query": QUERY.format(n=n)}), JSON)
        response = connection.getresponse()
        assert response.status == 200
        assert b'"errors"' not in response.read()
        return socket_owner(server.port, connection.sock.getsockname()[1], pids)
    finally:
        connection.close()


def test_workers_answer_in_separate_processes(sample_db: Path, tmp_path: Path) -> None:
    with serve(sample_db, tmp_path / "serve.log", "--workers", "2", "--log-level", "info") as server:
        wait_for(lambda: server.log.read_text().count("Application startup complete") == 2)
        workers = {pid for pid in children(server.process.pid)
                   if b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()}
        assert len(workers) == 2
        seen: set[int | None] = set()
        with ThreadPoolExecutor(4) as pool:  # concurrent connections: the kernel hands them to idle workers
            for start in range(0, 200, 8):
                seen |= set(pool.map(lambda n: serving_pid(server, workers, n), range(start, start + 8)))
                if seen == workers:
                    break
        assert seen == workers


# -- nginx ---------------------------------------------------------------------------------------


def render(prefix: Path, port: int, backends: list[Server]) -> Path:
    """The template with test values: root (nginx is started as root here), one worker, files in prefix."""
    text = TEMPLATE.read_text()
    for name, value in {"USER": "root", "WORKERS": "1", "PREFIX": str(prefix), "LISTEN": f"127.0.0.1:{port}",
                        "BACKENDS": backend_lines(backends)}.items():
        text = text.replace("{{" + name + "}}", value)
    assert "{{" not in text
    (prefix / "tmp").mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


@contextmanager
def nginx(prefix: Path, backends: list[Server]) -> Iterator[str]:
    """nginx in the foreground on a free port, as root, every file under ``prefix``; yields its URL."""
    assert NGINX is not None
    port = free_port()
    conf = render(prefix, port, backends)
    command = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    with launched([*command, "-g", "daemon off;"], prefix / "stdout.log", f"http://127.0.0.1:{port}/healthz"):
        yield f"http://127.0.0.1:{port}"


def backend_lines(backends: list[Server]) -> str:
    # fail_timeout: how long nginx leaves a failed backend alone; short here so the tests stay short.
    return "\n        ".join(f"server 127.0.0.1:{b.port} max_fails=1 fail_timeout=1s;" for b in backends)


@pytest.fixture
def cluster(sample_db: Path, tmp_path: Path) -> Iterator[tuple[str, list[Server]]]:
    """Two backends (access logs on) behind nginx."""
    with ExitStack() as stack:
        backends = [stack.enter_context(serve(sample_db, tmp_path / f"backend{i}.log", "--log-level", "info"))
                    for i in (1, 2)]
        url = stack.enter_context(nginx(tmp_path / "nginx", backends))
        yield url, backends


def posts_served(backend: Server) -> int:
    return backend.log.read_text().count('"POST /graphql HTTP/1.1" 200')


@pytest.mark.nginx
@needs_nginx
def test_nginx_balances_and_caches(cluster: tuple[str, list[Server]]) -> None:
    url, backends = cluster
    with httpx.Client(base_url=url, timeout=10) as client:
        for _ in range(4):
            response = client.post("/graphql", json={"query": QUERY.format(n=0)}, headers=JSON)
            assert response.status_code == 200
            assert response.headers.get("x-cache-status") is None  # POST never goes through the cache
        assert [posts_served(b) for b in backends] == [2, 2]  # round robin

        params = {"query": "{ timeline(interval: YEAR) { bucket count } }"}
        first = client.get("/graphql", params=params, headers=JSON)
        again = client.get("/graphql", params=params, headers=JSON)
        assert first.status_code == again.status_code == 200
        assert first.headers["x-cache-status"] == "MISS"
        assert again.headers["x-cache-status"] == "HIT"
        assert again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        revalidated = client.get("/graphql", params=params, headers={**JSON, "if-none-match": first.headers["etag"]})
        assert revalidated.status_code == 304

        assert client.get("/healthz").headers["x-cache-status"] == "MISS"
        assert client.get("/healthz").headers["x-cache-status"] == "MISS"  # no-store: never cached


@pytest.mark.nginx
@needs_nginx
def test_nginx_caches_a_persisted_query_by_its_hash(cluster: tuple[str, list[Server]]) -> None:
    """A large query sent by hash over GET (Apollo's persisted queries) is a short URL nginx caches;
    "not found yet" is never cached, so the hash works once a backend has seen the document."""
    url, backends = cluster
    document = "{ timeline(interval: MONTH) { bucket count } " + " ".join(f"y{i}: days(first: {i + 1}) {{ date }}"
                                                                         for i in range(20)) + " }"
    digest = hashlib.sha256(document.encode()).hexdigest()
    by_hash = {"extensions": orjson.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}).decode()}
    with httpx.Client(base_url=url, timeout=10) as client:
        unknown = client.get("/graphql", params=by_hash, headers=JSON)
        assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        assert unknown.headers["x-cache-status"] == "MISS" and unknown.headers["cache-control"] == "no-store"
        for _ in backends:  # each backend learns the document once (round robin)
            registered = client.post("/graphql", json={"query": document, "extensions": {
                "persistedQuery": {"version": 1, "sha256Hash": digest}}}, headers=JSON)
            assert registered.json()["data"]["y19"]
        first = client.get("/graphql", params=by_hash, headers=JSON)
        again = client.get("/graphql", params=by_hash, headers=JSON)
    assert len(first.url.query) < len(document) / 2  # the URL holds the hash, not the document
    assert first.json() == registered.json()
    assert (first.headers["x-cache-status"], again.headers["x-cache-status"]) == ("MISS", "HIT")
    assert again.content == first.content


# -- load while backends go away -----------------------------------------------------------------


def request_once(client: httpx.Client, n: int) -> tuple[str, int]:
    """One query no cache has seen, GET or POST by turn: ("ok", totalCount), ("status", code) or a failure."""
    try:
        if n % 2:
            response = client.get("/graphql", params={"query": QUERY.format(n=n)}, headers=JSON)
        else:
            response = client.post("/graphql", json={"query": QUERY.format(n=n)}, headers=JSON)
    except httpx.RemoteProtocolError:
        return "cut", 0  # the answer had begun and stopped: its backend died while writing it
    except httpx.TransportError as exc:
        return f"transport error {exc!r}", 0
    if response.status_code != 200 or "errors" in response.json():
        return "status", response.status_code
    return "ok", response.json()["data"]["events"]["totalCount"]


@contextmanager
def load(url: str, threads: int = 8, limit: int = 3000) -> Iterator[list[tuple[str, int]]]:
    """Requests from ``threads`` clients until the block ends (at most ``limit``); yields the outcomes so far."""
    outcomes: list[tuple[str, int]] = []
    numbers = itertools.count()
    finished = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while not finished.is_set() and (n := next(numbers)) < limit:
                outcomes.append(request_once(http, n))

    with threads_until(finished, [client] * threads):
        yield outcomes


def retried(nginx_prefix: Path) -> int:
    """Requests nginx passed to a second backend after the first failed (its log lists both)."""
    return sum("upstream=127.0.0.1:" in line and ", 127.0.0.1:" in line
               for line in (nginx_prefix / "access.log").read_text().splitlines())


@pytest.mark.nginx
@needs_nginx
def test_killed_backend_loses_no_unanswered_request(cluster: tuple[str, list[Server]], tmp_path: Path) -> None:
    url, (victim, survivor) = cluster
    with load(url) as outcomes:
        wait_for(lambda: len(outcomes) >= LOAD // 3)
        served_before = posts_served(victim)
        victim.kill()
        killed_at = len(outcomes)
        wait_for(lambda: len(outcomes) >= killed_at + 2 * LOAD // 3)
    assert served_before > 0
    assert posts_served(survivor) > 0
    assert retried(tmp_path / "nginx") > 0
    kinds = Counter(kind for kind, _ in outcomes)
    # Nothing nginx had not begun to answer is lost. SIGKILL between a backend's header and body writes
    # cuts that one answer, and nginx cannot retry what it has begun to send: at most one per client.
    assert set(kinds) <= {"ok", "cut"}, kinds
    assert kinds["cut"] <= 8
    assert {total for kind, total in outcomes if kind == "ok"} == {133}


@pytest.mark.nginx
@needs_nginx
def test_rolling_restart_onto_a_new_file_loses_no_request(sample_db: Path, tmp_path: Path) -> None:
    """deploy/README.md's rollout: build, swap a symlink atomically, restart backends one at a time."""
    srv = tmp_path / "srv"
    srv.mkdir()
    shutil.copy(sample_db, srv / "news-1.db")
    (srv / "news.db").symlink_to("news-1.db")
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    write(corpus, "news/2016/12/15/a-new-event.md", event_text(date="2016-12-15", title="A new event."))
    build(corpus, srv / "news-2.db")

    with ExitStack() as stack:
        backends = [stack.enter_context(serve(srv / "news.db", tmp_path / f"b{i}.log", "--log-level", "info"))
                    for i in (1, 2)]
        url = stack.enter_context(nginx(tmp_path / "nginx", backends))
        with load(url) as outcomes:
            wait_for(lambda: len(outcomes) >= 100)
            (srv / "news.db.new").symlink_to("news-2.db")
            os.replace(srv / "news.db.new", srv / "news.db")  # atomic: readers see the old or the new file
            for i, old in enumerate(backends):
                stop(old.process)  # SIGTERM: uvicorn finishes what it is answering, then exits
                new = stack.enter_context(serve(srv / "news.db", tmp_path / f"b{i + 1}-new.log", "--log-level",
                                                "info", port=old.port))
                assert httpx.get(f"{new.url}/healthz").json()["meta"]["events"] == 134
                wait_for(lambda new=new: posts_served(new) > 0)  # nginx sends it traffic again
            before = len(outcomes)
            wait_for(lambda: len(outcomes) >= before + 100)
    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds == {"ok": len(outcomes)}, kinds
    totals = [total for _, total in outcomes]
    assert set(totals) == {133, 134}
    assert totals[-50:] == [134] * 50
