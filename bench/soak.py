"""A bounded soak: mixed queries against a real ``newsgql serve`` for N seconds, zero errors allowed.

Every response is checked (valid queries: 200 with ``data`` and no ``errors``; invalid ones: a
GraphQL error body, never a 5xx), and the server's resident memory is read from
``/proc/PID/status`` before, during and after, so a leak shows as growth under steady load.
Traffic goes to 127.0.0.1 only, and the run stops on its own: by time and by request count.

    python -m bench.soak --seconds 60 --concurrency 64
    python -m bench.soak --db news.db --seconds 10 --concurrency 16 --json soak.json
    python -m bench.soak --seconds 30 --serve-option=--no-response-cache   # memory without the cache

Exit status: 0 when there were no errors and memory stayed flat, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.launch import serve

GROWTH_FACTOR, GROWTH_SLACK_KB = 1.5, 30 * 1024  # "flat": end <= start * 1.5 + 30 MB




def rss_kb(pid: int, field: str = "VmRSS") -> int:
    """Resident set size of a process in KiB from /proc/PID/status (``VmHWM``: its peak so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def memory_flat(start_kb: int, end_kb: int) -> bool:
    return end_kb <= start_kb * GROWTH_FACTOR + GROWTH_SLACK_KB


# -- the query mix ----------------------------------------------------------------------------------

EVENT = """query Event($path: String!) { event(path: $path) { id path title date category story
  sources { name url domain } contexts { name eventCount } } }"""
PAGE = """query Page($first: Int, $after: String) { events(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { path title date } } } }"""
FILTERED = """query Filtered($ctx: [String!], $from: Date) {
  events(first: 10, filter: {contextsAny: $ctx, dateFrom: $from}) { totalCount edges { node { path } } } }"""
SEARCH = """query Search($q: String!, $adv: Boolean!) { search(query: $q, first: 10, advanced: $adv) {
  totalCount edges { rank snippet node { path title } } } }"""
TIMELINE = """query Timeline($i: Interval!, $ctx: [String!]) { timeline(interval: $i, filter: {contextsAny: $ctx}) {
  bucket count } }"""
RELATED3 = """query Related($path: String!) { event(path: $path) { title related { title event { title
  related { title event { title related { title path contexts { name } } } } } } } }"""
GRAPH = """query Graph($path: String!, $d: Int!) { event(path: $path) { relatedGraph(depth: $d, limit: 50) {
  nodes { depth event { path } } edges { source target title } } } }"""
CONTEXT = """query Context($name: String!) { context(name: $name) { name eventCount
  events(first: 5) { edges { node { title } } } coOccurring(first: 5) { count context { name } } } }"""
INVALID = [
    ("{ events(first: ) { totalCount } }", None),
    ("{ events(first: 1000) { totalCount } }", None),
    ("{ events { nope } }", None),
    ('{ events(after: "garbage") { totalCount } }', None),
    ('query($q: String!) { search(query: $q, advanced: true) { totalCount } }', {"q": '"unterminated'}),
    ("query($n: Int) { events(first: $n) { totalCount } }", {"n": "ten"}),
]


@dataclass
class Corpus:
    """What the mix draws from: real paths, context names and title words of the served file."""

    paths: list[str]
    contexts: list[str]
    words: list[str]
    cursors: list[str] = field(default_factory=list)

    @classmethod
    def from_db(cls, db: Path) -> Corpus:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            paths = [row[0] for row in conn.execute("SELECT path FROM events ORDER BY id")]
            contexts = [row[0] for row in conn.execute("SELECT name FROM contexts ORDER BY id")]
            titles = [row[0] for row in conn.execute("SELECT title FROM events ORDER BY id LIMIT 2000")]
        finally:
            conn.close()
        words = sorted({w.strip(".,;:'\"()").lower() for t in titles for w in t.split() if len(w) > 4})
        return cls(paths, contexts or ["none"], [w for w in words if w.isalpha()] or ["news"])


def unpadded(path: str) -> str:
    """The same event in the other spelling: ``/news/2015/09/01/x.md`` -> ``/news/2015/9/1/x.md``."""
    parts = path.split("/")
    if len(parts) >= 6:
        parts[3], parts[4] = str(int(parts[3])), str(int(parts[4]))
    return "/".join(parts)


def pick(rng: random.Random, corpus: Corpus) -> tuple[str, str, dict[str, Any] | None, bool]:
    """(kind, query, variables, valid) for one request."""
    roll = rng.random()
    path = rng.choice(corpus.paths)
    if roll < 0.25:
        return "event", EVENT, {"path": unpadded(path) if rng.random() < 0.3 else path}, True
    if roll < 0.40:
        after = rng.choice(corpus.cursors) if corpus.cursors and rng.random() < 0.5 else None
        return "page", PAGE, {"first": rng.randint(1, 50), "after": after}, True
    if roll < 0.45:
        return "filtered", FILTERED, {"ctx": [rng.choice(corpus.contexts)], "from": "2000-01-01"}, True
    if roll < 0.60:
        words = rng.sample(corpus.words, k=min(2, len(corpus.words)))
        advanced = rng.random() < 0.3
        return "search", SEARCH, {"q": " OR ".join(words) if advanced else " ".join(words), "adv": advanced}, True
    if roll < 0.70:
        ctx = [rng.choice(corpus.contexts)] if rng.random() < 0.5 else None
        return "timeline", TIMELINE, {"i": rng.choice(["DAY", "MONTH", "YEAR"]), "ctx": ctx}, True
    if roll < 0.80:
        return "related3", RELATED3, {"path": path}, True
    if roll < 0.90:
        return "graph", GRAPH, {"path": path, "d": rng.randint(1, 3)}, True
    if roll < 0.95:
        return "context", CONTEXT, {"name": rng.choice(corpus.contexts)}, True
    query, variables = rng.choice(INVALID)
    return "invalid", query, variables, False


# -- the load -----------------------------------------------------------------------------------------

@dataclass
class Report:
    seconds: float = 0.0
    concurrency: int = 0
    requests: int = 0
    errors: int = 0
    transport_errors: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    rss_kb: dict[str, int] = field(default_factory=dict)
    rss_samples_kb: list[int] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # the first few failures, for the log

    @property
    def memory_flat(self) -> bool:
        return memory_flat(self.rss_kb.get("start", 0), self.rss_kb.get("end", 0))

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.errors == 0 and self.transport_errors == 0 and self.memory_flat

    def summary(self) -> str:
        lat, rss = self.latency_ms, self.rss_kb
        return "\n".join([
            f"soak: {self.requests:,} requests in {self.seconds:.1f} s at concurrency {self.concurrency} "
            f"({self.requests / max(self.seconds, 1e-9):,.0f} req/s)",
            f"  errors {self.errors}  transport errors {self.transport_errors}  statuses {self.statuses}",
            f"  latency ms: p50 {lat.get('p50', 0):.1f}  p95 {lat.get('p95', 0):.1f}  p99 {lat.get('p99', 0):.1f}"
            f"  max {lat.get('max', 0):.1f}",
            f"  server RSS: idle {rss.get('idle', 0) / 1024:.1f} MB  start {rss.get('start', 0) / 1024:.1f} MB"
            f"  peak {rss.get('peak', 0) / 1024:.1f} MB"
            f"  end {rss.get('end', 0) / 1024:.1f} MB  -> {'flat' if self.memory_flat else 'GREW'}",
            f"  mix {self.kinds}",
            *(f"  failure: {sample}" for sample in self.samples),
        ])


def check(kind: str, valid: bool, response: httpx.Response) -> str | None:
    """None when the answer is right for the request, else why not."""
    if response.status_code >= 500:
        return f"{kind}: HTTP {response.status_code}"
    if "Unexpected error." in response.text:
        return f"{kind}: a resolver crashed: {response.text[:200]}"
    try:
        body = response.json()
    except ValueError:
        return f"{kind}: not JSON (HTTP {response.status_code}): {response.text[:200]}"
    if not isinstance(body, dict):
        return f"{kind}: not a JSON object"
    if valid:
        if response.status_code != 200 or body.get("errors") or not body.get("data"):
            return f"{kind}: HTTP {response.status_code} {response.text[:200]}"
    elif response.status_code not in (200, 400) or not body.get("errors"):
        return f"{kind}: expected a GraphQL error, got HTTP {response.status_code} {response.text[:200]}"
    return None


async def run_load(url: str, corpus: Corpus, *, seconds: float, concurrency: int, max_requests: int,
                   seed: int = 1, pid: int | None = None) -> Report:
    """Drive ``url`` with ``concurrency`` clients until ``seconds`` pass or ``max_requests`` are sent."""
    report = Report(concurrency=concurrency)
    kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    sent = 0
    started = time.monotonic()
    deadline = started + seconds
    if pid is not None:
        report.rss_kb["start"] = rss_kb(pid)

    def fail(message: str) -> None:
        report.errors += 1
        if len(report.samples) < 10:
            report.samples.append(message)

    async def client(number: int, http: httpx.AsyncClient) -> None:
        nonlocal sent
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            kind, query, variables, valid = pick(rng, corpus)
            use_get = kind == "event" and rng.random() < 0.2
            kinds[kind] += 1
            begin = time.perf_counter()
            try:
                if use_get:
                    params = {"query": query, "variables": json.dumps(variables)}
                    response = await http.get("/graphql", params=params)
                else:
                    response = await http.post("/graphql", json={"query": query, "variables": variables})
            except httpx.HTTPError as exc:
                report.transport_errors += 1
                if len(report.samples) < 10:
                    report.samples.append(f"{kind}: {type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - begin)
            statuses[str(response.status_code)] += 1
            problem = check(kind, valid, response)
            if problem:
                fail(problem)
            elif kind == "page" and len(corpus.cursors) < 500:
                end = response.json()["data"]["events"]["pageInfo"]["endCursor"]
                if end:
                    corpus.cursors.append(end)

    async def sample_memory() -> None:
        while pid is not None and time.monotonic() < deadline and sent < max_requests:
            report.rss_samples_kb.append(rss_kb(pid))
            await asyncio.sleep(1.0)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as http:
        await asyncio.gather(sample_memory(), *(client(n, http) for n in range(concurrency)))
    report.seconds = time.monotonic() - started
    report.requests = sum(kinds.values())
    report.kinds, report.statuses = dict(kinds), dict(statuses)
    if latencies:
        latencies.sort()
        report.latency_ms = {name: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
                             for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))}
    if pid is not None:
        report.rss_kb["end"] = rss_kb(pid)
        report.rss_kb["peak"] = max([*report.rss_samples_kb, report.rss_kb["end"]])
    return report


def soak(db: Path, *, seconds: float, concurrency: int, max_requests: int | None = None, seed: int = 1,
         log: Path | None = None, server_args: tuple[str, ...] = ()) -> Report:
    """Start a server on ``db`` (``serve`` options in ``server_args``), warm it, soak it, stop it."""
    corpus = Corpus.from_db(db)
    budget = max_requests if max_requests is not None else int(seconds * 5000)
    log = log or Path(tempfile.mkstemp(prefix="newsgql-serve-", suffix=".log")[1])
    with serve(db, log, *server_args) as server:
        idle = rss_kb(server.pid)
        warm = asyncio.run(run_load(server.url, corpus, seconds=seconds, concurrency=1,
                                    max_requests=50, seed=seed + 7))
        if warm.errors or warm.transport_errors:
            return warm
        report = asyncio.run(run_load(server.url, corpus, seconds=seconds, concurrency=concurrency,
                                      max_requests=budget, seed=seed, pid=server.pid))
        report.rss_kb["idle"] = idle
        return report


def sample_db(directory: Path) -> Path:
    """The bundled sample built into ``directory`` (the default target of the soak)."""
    from db.build import build
    from db.sample import SAMPLE_DIR

    target = directory / "sample.db"
    build(SAMPLE_DIR, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="database to serve [default: the bundled sample, built afresh]")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-requests", type=int, default=None, help="stop after this many [default: 5000/s]")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the report here as JSON")
    parser.add_argument("--serve-option", action="append", default=[], dest="server_args",
                        help="pass an option to `newsgql serve`, e.g. --serve-option=--no-response-cache")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsgql-soak-") as tmp:
        db = args.db or sample_db(Path(tmp))
        report = soak(db, seconds=args.seconds, concurrency=args.concurrency, max_requests=args.max_requests,
                      seed=args.seed, log=Path(tmp) / "serve.log", server_args=tuple(args.server_args))
        print(report.summary())
        if not report.ok and (Path(tmp) / "serve.log").exists():
            print((Path(tmp) / "serve.log").read_text()[-3000:], file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({**asdict(report), "ok": report.ok}, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
