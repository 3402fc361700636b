"""``python -m bench.facets DB``: p50 of the facets of the sets a client asks about, as the API answers them.

Each case is one ``events(first: 0, filter: ...) { totalCount facets { all five lists } }`` request
to the app in process (no HTTP server, no response cache), repeated; the sets are picked from the
file: its largest context, the category nearest a tenth of the events, a date range of about a
tenth of them with days at both edges, a context just below the rollup threshold (counted), a
word, and the whole archive. Prints one markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import time
from typing import Any

import httpx

from db.rollups import MIN_CONTEXT_EVENTS
from gql.web.app import create_app

QUERY = ("query($f: EventFilter) { events(first: 0, filter: $f) { totalCount facets { contexts { count } "
         "publishers { count } domains { count } categories { count } years { count } } } }")


def cases(db: str) -> dict[str, dict[str, Any]]:
    """The filters measured, read from the file (each with the share of events it holds)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    largest = conn.execute("SELECT name FROM contexts ORDER BY event_count DESC LIMIT 1").fetchone()[0]
    below = conn.execute("SELECT name FROM contexts WHERE event_count < ? ORDER BY event_count DESC LIMIT 1",
                         (MIN_CONTEXT_EVENTS,)).fetchone()[0]
    category = conn.execute("SELECT category FROM events WHERE category IS NOT NULL GROUP BY category"
                            " ORDER BY abs(count(*) - ?) LIMIT 1", (total // 10,)).fetchone()[0]
    # a range of about a tenth of the events, ending at the newest day, starting and ending mid-month
    days = conn.execute("SELECT date, event_count FROM days ORDER BY date DESC").fetchall()
    held, start = 0, days[0][0]
    for date, count in days[15:]:
        held += count
        start = date
        if held >= total // 10:
            break
    end = days[15][0]
    conn.close()
    return {
        "largest context": {"contextsAny": [largest]},
        "a category of ~10%": {"category": category},
        "a date range of ~10% (days at both edges)": {"dateFrom": start[:8] + "15", "dateTo": end},
        f"the largest context below {MIN_CONTEXT_EVENTS:,} events (counted)": {"contextsAny": [below]},
        "a word (text filter, counted)": {"text": "election"},
        "the whole archive": {},
    }


async def measure(db: str, runs: int) -> list[tuple[str, int, float, float]]:
    app = create_app(db, max_age=0, response_cache=False)
    out = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http:
        for label, filter_ in cases(db).items():
            times, count = [], 0
            for _ in range(runs + 1):
                started = time.perf_counter()
                body = (await http.post("/graphql", json={"query": QUERY, "variables": {"f": filter_}})).json()
                times.append((time.perf_counter() - started) * 1000)
                assert "errors" not in body, body
                count = body["data"]["events"]["totalCount"]
            times = times[1:]  # the first of each warms the file's pages
            out.append((label, count, statistics.median(times), max(times)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rows = asyncio.run(measure(args.db, args.runs))
    print("| set | events | p50 ms | max ms |\n|---|--:|--:|--:|")
    for label, count, p50, slowest in rows:
        print(f"| {label} | {count:,} | {p50:.1f} | {slowest:.1f} |")


if __name__ == "__main__":
    main()
