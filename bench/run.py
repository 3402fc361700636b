"""``python -m bench.run``: generate, build, serve and load; print the tables and write RESULTS.md.

    python -m bench.run                              # N = 10^4, 10^5, 10^6; all three servers
    python -m bench.run --sizes 10000,100000 --duration 8
    python -m bench.run --smoke                      # CI: N = 2000, 2 s per row, ours + limit, < 60 s

Exit status: 0; 1 when any measured server answered errors or non-2xx, or an answer check
failed (``--smoke`` and full runs alike); 2 on bad usage or when wrk is missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from . import check, queries, report, servers, wrk
from .limit_app import FORM_B_SQL
from .prepare import BuildTimeout, Prepared, prepare

OUT = Path(__file__).with_name("out")
RESULTS = Path(__file__).with_name("RESULTS.md")
WARM_LINES = 500


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="short CI variant: N=2000, 2 s per row, ours + limit")
    parser.add_argument("--sizes", help="comma-separated N [default: 10000,100000,1000000; smoke: 2000]")
    parser.add_argument("--duration", type=float, help="seconds of load per row and server [default: 6; smoke: 2]")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up load before each run [default: 1; smoke: 0]")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads [default: 2]")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections [default: 8]")
    parser.add_argument("--servers", help="comma-separated subset of ours,limit,datasette; also lever variants "
                        "of ours: ours-resolvers,ours-compiled,ours-workers2 (bench/README.md)")
    parser.add_argument("--with-datasette", action="store_true", help="smoke: also datasette (venv made if missing)")
    parser.add_argument("--queries", help="comma-separated subset of rows, e.g. Q1,Q3")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regen", action="store_true", help="regenerate the corpus even if present")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database even if present")
    parser.add_argument("--build-timeout", type=float, default=900.0,
                        help="stop a build after this many seconds and skip its N [default: 900]")
    parser.add_argument("--db", action="append", default=[], metavar="N=PATH",
                        help="serve this prebuilt database for size N instead of building one (repeatable)")
    parser.add_argument("--out", type=Path, default=OUT, help="work directory [default: bench/out]")
    parser.add_argument("--results", type=Path, help="markdown report [default: bench/RESULTS.md; smoke: OUT/]")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    args = parser.parse_args(argv)
    sizes = args.sizes or ("2000" if args.smoke else "10000,100000,1000000")
    args.sizes = [int(float(s)) for s in sizes.split(",")]
    args.duration = args.duration if args.duration is not None else (2.0 if args.smoke else 6.0)
    args.warmup = args.warmup if args.warmup is not None else (0.0 if args.smoke else 1.0)
    default_servers = "ours,limit" + (",datasette" if args.with_datasette or not args.smoke else "")
    args.servers = (args.servers or default_servers).split(",")
    try:
        args.prebuilt = {int(float(k)): Path(v) for k, v in (item.split("=", 1) for item in args.db)}
    except ValueError:
        parser.error("--db takes N=PATH, e.g. --db 1000000=bench/out/big.db")
    args.results = args.results or (args.out / "RESULTS-smoke.md" if args.smoke else RESULTS)
    return args


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def request_lines(spec: queries.Spec, pool: list[dict[str, Any]], server: str, path: str) -> list[str]:
    """What a row sends a server, one request per line: POST bodies, or GET targets under ``path``."""
    document = (spec.datasette or "") if server == "datasette" else spec.document
    if spec.method == "GET":
        return [queries.get_target(path, document, spec.operation, v) for v in pool]
    if spec.written == "renamed":  # new document text every time: an operation name of its own
        return [queries.body(*queries.renamed(document, spec.operation, f"{spec.operation}_{v['nonce']}"), {})
                .decode() for v in pool]
    if spec.written == "inlined":  # new document text every time: the values written into it
        return [queries.body(queries.inlined(document, v), spec.operation, {}).decode() for v in pool]
    return [queries.body(document, spec.operation, v).decode() for v in pool]


def _split(lines: list[str]) -> tuple[list[str], list[str]]:
    """(measured, warm-up): warm-up requests are never measured, so no cache holds a measured one."""
    if len(lines) > 2 * WARM_LINES:
        return lines[:-WARM_LINES], lines[-WARM_LINES:]
    return lines, lines


class SizeRun:
    """Every row for one database: servers one at a time, ours first (its answers are the reference)."""

    def __init__(self, args: argparse.Namespace, db: Path, work: Path) -> None:
        self.args, self.db, self.work = args, db, work
        self.pools = queries.variable_pools(str(db))
        self.specs = [s for s in queries.SPECS if not args.queries or s.key in args.queries.split(",")]
        self.rows: dict[str, dict[str, Any]] = {
            s.key: {"key": s.key, "label": s.label, "limit": {}} for s in self.specs
        }
        self.reference: dict[str, list[check.Answer]] = {}

    def run(self) -> list[dict[str, Any]]:
        variants = [name for name in servers.LEVERS if name != "ours"]  # ours first: its answers are the reference
        order = [name for name in ("ours", *variants, "limit", "datasette") if name in self.args.servers]
        for name in order:
            if name == "datasette" and not servers.ensure_datasette(self.work / "bench-venv.log"):
                log("datasette-graphql is not installed and .bench-venv could not be made; skipping it")
                continue
            log(f"starting {name}")
            with servers.serving(name, self.db, self.work) as server:
                for spec in self.specs:
                    self._row(spec, server)
        return [self.rows[s.key] for s in self.specs]

    def _targets(self, spec: queries.Spec, server: servers.Server) -> list[tuple[str, str]]:
        """(form, path) pairs to measure on this server for this row."""
        if server.name in servers.LEVERS:
            return [(server.name, server.endpoint)]
        if server.name == "datasette":
            return [("datasette", server.endpoint)] if spec.datasette else []
        forms = ["a", "b", "c"] if spec.repeats else ["a", "b"]
        if spec.limit not in FORM_B_SQL:  # the rows of the query surface have the API's SQL only
            forms.remove("b")
        return [(form, f"/{form}/{spec.limit}") for form in forms]

    def _row(self, spec: queries.Spec, server: servers.Server) -> None:
        row = self.rows[spec.key]
        pool = self.pools[spec.pool]
        for form, path in self._targets(spec, server):
            if spec.same_as and self._reuses(spec, server.name):
                source = self.rows.get(spec.same_as, {})
                found = source.get(server.name) if server.name != "limit" else source.get("limit", {}).get(form)
                if found:
                    self._store(row, server.name, form, found | {"same_as": spec.same_as})
                    continue
            lines = request_lines(spec, pool, server.name, path if spec.method == "GET" else "")
            measured, warm = _split(lines)
            result = self._measure(spec, server, form, path, measured, warm)
            self._store(row, server.name, form, result)

    @staticmethod
    def _reuses(spec: queries.Spec, server: str) -> bool:
        """A row measured like another on this server: no cache to tell a nonce apart, and the same text
        (our servers parse a renamed or inlined document anew; the others are not asked about that)."""
        if not spec.same_as or servers.caches(server):
            return False
        return server not in servers.LEVERS or spec.written == "variables"

    def _store(self, row: dict[str, Any], server: str, form: str, result: dict[str, Any]) -> None:
        if server == "limit":
            row["limit"][form] = result
        else:
            row[server] = result

    def _measure(self, spec: queries.Spec, server: servers.Server, form: str, path: str,
                 measured: list[str], warm: list[str]) -> dict[str, Any]:
        url = server.base + (path if spec.method == "POST" else "")
        label = f"{spec.key} {server.name}{'/' + form if server.name == 'limit' else ''}"
        answers = [check.fetch(url, line, spec.method) for line in measured[:3]]
        if server.name == "ours":
            self.reference[spec.key] = answers
            bad = next((a for a in answers if not a.ok), None)
            problem = None if bad is None else f"status {bad.status}, errors: {str(bad.errors)[:300]}"
        else:
            problem = check.compare(spec, server.name, self.reference.get(spec.key, []), answers)
        if problem and any(not a.ok for a in answers):
            log(f"{label}: check failed, not loading: {problem}")
            return {"skipped": "answers with errors in the check", "check": problem, "errors": 1}
        if problem:
            log(f"{label}: answers differ: {problem}")
        files = self.work / "lines"
        files.mkdir(exist_ok=True)
        main = files / f"{spec.key}-{server.name}-{form}.txt"
        warm_file = main.with_suffix(".warm")
        main.write_text("\n".join(measured) + "\n", encoding="utf-8")
        warm_file.write_text("\n".join(warm) + "\n", encoding="utf-8")
        load = {"threads": self.args.threads, "connections": self.args.connections}
        if self.args.warmup > 0:
            wrk.run(url, warm_file, method=spec.method, seconds=self.args.warmup, **load)
        seconds = self.args.duration
        if self.args.smoke and server.name == "limit":
            seconds = max(1.0, seconds / 2)  # two or three forms share the row's time in the smoke run
        result = wrk.run(url, main, method=spec.method, seconds=seconds, **load)
        log(f"{label}: {result.rps:,.0f} req/s, p50 {result.p50:.2f} ms, p99 {result.p99:.2f} ms"
            + (f", {result.errors} errors" if result.errors else ""))
        return result.as_dict() | {"check": problem, "lines": len(measured)}


def _stop_on_term(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so every server and build this run started is stopped."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    signal.signal(signal.SIGTERM, _stop_on_term)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:  # started in the background by a shell
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if not wrk.available():
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": report.machine(),
        "command": shlex.join(["python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)]),
        "servers": args.servers, "duration": args.duration, "warmup": args.warmup,
        "threads": args.threads, "connections": args.connections,
        "sizes": [],
    }
    for n in args.sizes:
        try:
            prepared = prepare(n, args.out, seed=args.seed, regen=args.regen, rebuild=args.rebuild, log=log,
                               build_timeout=args.build_timeout, prebuilt=args.prebuilt.get(n))
        except BuildTimeout as exc:
            stopped: Prepared = exc.args[0]
            log(f"N={n:,}: {stopped.note}; not served")
            results["sizes"].append({"n": n, "prepare": stopped.as_dict(), "rows": [], "build_timeout": True})
            continue
        log(f"N={n:,}: build {prepared.build_seconds:.1f} s ({prepared.events_per_second:,.0f} events/s), "
            f"read as text {prepared.read_text_seconds:.2f} s ({prepared.build_read_text_ratio:.1f}x), "
            f"as bytes {prepared.read_seconds:.2f} s ({prepared.build_read_ratio:.1f}x), "
            f"DB {prepared.db_bytes / 1e6:.1f} MB, peak RSS {prepared.build_peak_rss_mb:.0f} MB")
        if prepared.updates:
            add, remove = prepared.updates["add"], prepared.updates["remove"]
            log(f"N={n:,}: incremental update: a day added {add['seconds']:.2f} s, removed again "
                f"{remove['seconds']:.2f} s (peak RSS {add['peak_rss_mb']:.0f} / {remove['peak_rss_mb']:.0f} MB)")
        work = args.out / f"run-n{n}"
        work.mkdir(parents=True, exist_ok=True)
        rows = SizeRun(args, prepared.db, work).run()
        results["sizes"].append({"n": n, "prepare": prepared.as_dict(), "rows": rows})
    results["seconds"] = time.monotonic() - started
    text = report.markdown(results)
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text + "\n", encoding="utf-8")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    log(f"done in {results['seconds']:.0f} s; report in {args.results}")
    return 1 if _failed(results) else 0


def _failed(results: dict[str, Any]) -> bool:
    for size in results["sizes"]:
        for row in size["rows"]:
            measured = [row.get(name) for name in ("datasette", *servers.LEVERS)] + [*(row.get("limit") or {}).values()]
            if any(m and (m.get("errors") or m.get("check")) for m in measured):
                return True
    return False


if __name__ == "__main__":
    sys.exit(main())
