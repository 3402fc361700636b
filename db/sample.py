"""The bundled sample corpus (132 real events + one seed file) and its cached database."""

from __future__ import annotations

import hashlib
import os
from importlib.resources import files
from pathlib import Path

from . import SCHEMA_VERSION
from .build import build

SAMPLE_DIR = Path(str(files("db") / "sample"))


def cache_dir() -> Path:
    """``$NEWSGQL_CACHE``, else ``$XDG_CACHE_HOME/newsgql``, else ``~/.cache/newsgql``."""
    if os.environ.get("NEWSGQL_CACHE"):
        return Path(os.environ["NEWSGQL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsgql"


def sample_database() -> Path:
    """Path of the sample's database, built on first use (and again when the sample changes)."""
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    for path in sorted(SAMPLE_DIR.rglob("*.md")):
        digest.update(path.relative_to(SAMPLE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    target = cache_dir() / f"sample-{digest.hexdigest()[:16]}.db"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        build(SAMPLE_DIR, target)
    return target
