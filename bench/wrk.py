"""Run wrk with ``bench/wrk.lua`` and read back its one-line JSON summary."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import orjson

LUA = Path(__file__).with_name("wrk.lua")


@dataclass
class WrkResult:
    """One load run; latencies in milliseconds."""

    requests: int
    seconds: float
    rps: float
    p50: float
    p90: float
    p99: float
    non2xx: int
    gql_errors: int
    socket_errors: int
    sample: str = ""

    @property
    def errors(self) -> int:
        return self.non2xx + self.gql_errors + self.socket_errors

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {"errors": self.errors}


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, lines: Path, *, method: str, seconds: float, threads: int = 2, connections: int = 8,
        timeout: float = 10.0) -> WrkResult:
    """Load ``url`` with the requests in ``lines`` for ``seconds``; raise RuntimeError if wrk fails."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"--timeout={int(timeout)}s",
        "-s", str(LUA), url, "--", method.lower(), str(lines), str(threads),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 30, check=False)
    summary = next((line for line in done.stdout.splitlines() if line.startswith("BENCHJSON ")), None)
    if done.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    data = orjson.loads(summary.removeprefix("BENCHJSON "))
    sample = next((line[9:] for line in done.stdout.splitlines() if line.startswith("BENCHBAD ")), "")
    elapsed = data["duration_us"] / 1e6
    return WrkResult(
        requests=data["requests"], seconds=elapsed, rps=data["requests"] / elapsed if elapsed else 0.0,
        p50=data["p50"] / 1000, p90=data["p90"] / 1000, p99=data["p99"] / 1000,
        non2xx=data["non2xx"], gql_errors=data["gql_errors"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"], sample=sample,
    )
