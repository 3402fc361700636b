"""``python -m bench.pipeline DB [--query Q1 ...]``: what one cold request costs the app, in process.

The ASGI app is called directly, one request after another, with the bench's own rotating bodies
(``bench.queries``: more distinct requests than the response cache holds), so what is measured is
our request pipeline and its SQL, without uvicorn, sockets or wrk sharing the two cores. It is the
quiet way to weigh one lever of the pipeline at a time; wrk (``bench.run``) says what a client sees.
Prints µs per request, the best of ``--repeat`` passes.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from starlette.types import ASGIApp, Message

from gql.web.app import create_app

from . import queries
from .run import request_lines

HEADERS = [(b"host", b"bench"), (b"accept", b"application/graphql-response+json, application/json"),
           (b"content-type", b"application/json")]


async def one_pass(app: ASGIApp, bodies: list[bytes]) -> float:
    """Seconds per request over ``bodies``; every answer must be a 200."""
    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for body in bodies:
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive(messages: list[Message] = messages) -> Message:
            return messages.pop() if messages else {"type": "http.disconnect"}

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
                 "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
                 "headers": [*HEADERS, (b"content-length", str(len(body)).encode())]}
        await app(scope, receive, send)
    seconds = (time.perf_counter() - started) / len(bodies)
    assert set(statuses) == {200}, set(statuses)
    return seconds


async def measure(db: str, keys: list[str], repeat: int) -> dict[str, float]:
    app = create_app(db, max_age=0)
    pools = queries.variable_pools(db)
    found: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        for key in keys:
            spec = next(spec for spec in queries.SPECS if spec.key == key and spec.method == "POST")
            bodies = [line.encode() for line in request_lines(spec, pools[spec.pool], "ours", "")]
            await one_pass(app, bodies)  # plans learned, pages read
            found[key] = min([await one_pass(app, bodies) for _ in range(repeat)])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--query", action="append", help="a row of bench.queries (repeatable) [default: Q1, Q3]")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    found = asyncio.run(measure(args.db, args.query or ["Q1", "Q3"], args.repeat))
    print("| query | µs per request |\n|---|--:|")
    for key, seconds in found.items():
        print(f"| {key} | {seconds * 1e6:.1f} |")


if __name__ == "__main__":
    main()
