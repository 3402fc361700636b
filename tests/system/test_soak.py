"""Sustained mixed load on a real ``newsgql serve`` (bench/soak.py): zero errors, memory flat.

The default run is short (10 s at concurrency 16); NEWSGQL_SLOW=1 adds the full one
(60 s at concurrency 64), which also checks that memory has levelled off by the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.soak import Report, soak

SLOW = os.environ.get("NEWSGQL_SLOW") == "1"


def assert_clean(report: Report) -> None:
    print("\n" + report.summary())
    assert report.transport_errors == 0, report.samples
    assert report.errors == 0, report.samples
    assert report.statuses.keys() <= {"200", "400"}
    assert set(report.kinds) >= {"event", "page", "search", "timeline", "related3", "graph", "invalid"}
    rss = report.rss_kb
    assert report.memory_flat, f"server RSS grew from {rss['start']} KiB to {rss['end']} KiB"


@pytest.mark.timeout(120)
def test_short_soak(sample_db: Path, tmp_path: Path) -> None:
    report = soak(sample_db, seconds=10, concurrency=16, max_requests=50_000, log=tmp_path / "serve.log")
    assert_clean(report)
    assert report.requests >= 200  # the load really ran


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not SLOW, reason="the 60 s soak runs with NEWSGQL_SLOW=1")
def test_full_soak(sample_db: Path, tmp_path: Path) -> None:
    report = soak(sample_db, seconds=60, concurrency=64, max_requests=1_000_000, log=tmp_path / "serve.log")
    assert_clean(report)
    samples = report.rss_samples_kb
    if len(samples) >= 30:  # the last third grows by at most 10 % + 10 MB: bounded caches, no leak
        third = samples[len(samples) * 2 // 3]
        assert samples[-1] <= third * 1.1 + 10 * 1024, samples
