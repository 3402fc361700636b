"""Before any load: ask each server the first few requests of a row and compare with our answers.

Nobody is measured answering errors: a server whose answer has ``errors``, a non-2xx status or a
different result is marked, and the load run is skipped when it errs. The limit must agree on
the whole ``data``; datasette-graphql on the projection in ``queries.CHECKS``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import orjson

from .queries import CHECKS, Spec, same

HEADERS = {"Accept": "application/graphql-response+json, application/json"}


@dataclass
class Answer:
    status: int
    data: Any
    errors: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not self.errors


def fetch(base: str, line: str, method: str, timeout: float = 120.0) -> Answer:
    """Send one prepared request line (a JSON body, or a GET target) and decode the answer."""
    if method == "GET":
        request = urllib.request.Request(base + line, headers=HEADERS)
    else:
        request = urllib.request.Request(base, data=line.encode(), method="POST",
                                         headers=HEADERS | {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return Answer(status, None, f"not JSON: {raw[:200]!r}")
    if not isinstance(payload, dict):
        return Answer(status, None, f"not an object: {raw[:200]!r}")
    return Answer(status, payload.get("data"), payload.get("errors") or payload.get("error"))


def compare(spec: Spec, server: str, ours: list[Answer], theirs: list[Answer]) -> str | None:
    """None when equivalent; otherwise a one-line reason."""
    for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        if not other.ok:
            return f"request {index}: status {other.status}, errors: {str(other.errors)[:300]}"
        if server == "datasette":
            if spec.key not in CHECKS:
                return None
            reduce_ours, reduce_theirs = CHECKS[spec.key]
            try:
                a, b = reduce_ours(mine.data), reduce_theirs(other.data)
            except (KeyError, TypeError, IndexError) as exc:
                return f"request {index}: unexpected answer shape ({exc!r}): {str(other.data)[:300]}"
        else:
            a, b = mine.data, other.data
        if not same(a, b):
            return f"request {index}: answers differ:\n  ours:   {str(a)[:400]}\n  {server}: {str(b)[:400]}"
    return None
