"""``/healthz`` reports the state of the file it serves (issue 14: it said ``ok`` after the file was
removed or written over in place), and its counts are JSON numbers. A file renamed over the path is
served from then on: ``tests/web/test_follow.py``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from db import SCHEMA_VERSION
from gql.web.app import create_app

CHANGED = ("{served} was changed in place: answers from it may be wrong, so none are given until a new file is "
           "renamed over it")


def _remove(served: Path, other: Path) -> None:
    served.unlink()


def _copy_over(served: Path, other: Path) -> None:
    shutil.copyfile(other, served)  # the same inode, other bytes: what `cp` does


def _touch(served: Path, other: Path) -> None:
    os.utime(served, ns=(1, 1))


@pytest.mark.parametrize(("change", "reason"), [
    (_remove, "the database file is gone: {served}"),
    (_copy_over, CHANGED),
    (_touch, CHANGED),
])
async def test_healthz_follows_the_file(sample_db: Path, tmp_path: Path,
                                        change: Callable[[Path, Path], None], reason: str) -> None:
    served, other = tmp_path / "news.db", tmp_path / "other.db"
    shutil.copyfile(sample_db, served)
    shutil.copyfile(sample_db, other)
    app = create_app(served)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        before = await client.get("/healthz")
        assert before.status_code == 200 and before.json()["status"] == "ok" and "reason" not in before.json()
        change(served, other)
        after = await client.get("/healthz")
    assert after.status_code == 503 and after.headers["cache-control"] == "no-store"
    assert after.json()["status"] == "error"
    assert after.json()["reason"] == reason.format(served=served)


async def test_healthz_counts_are_numbers(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/healthz")).json()["meta"]
    assert meta["events"] == 133 and meta["schema_version"] == SCHEMA_VERSION
    assert isinstance(meta["corpus_fingerprint"], str) and isinstance(meta["built_at"], str)
    texts = ("corpus_fingerprint", "built_at", "corpus_root")
    assert all(isinstance(value, int) for key, value in meta.items() if key not in texts)


async def test_a_copy_keeping_the_timestamps_is_seen(sample_db: Path, tmp_path: Path) -> None:
    served = tmp_path / "news.db"
    shutil.copyfile(sample_db, served)
    app = create_app(served)
    before = served.stat()
    shutil.copyfile(sample_db, served)  # the same bytes, even: what was opened is no longer what is there
    os.utime(served, ns=(before.st_atime_ns, before.st_mtime_ns))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        after = await client.get("/healthz")
    assert after.status_code == 503 and "changed in place" in after.json()["reason"]
