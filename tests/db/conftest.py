"""Fixtures of the db tests: the sample database opened read-only with plain sqlite3."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def conn(sample_db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)
    yield connection
    connection.close()
