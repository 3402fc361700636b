"""Walk a corpus directory: every file once, in (date, slug) order, symlinks never followed.

Order matters: events get their ids in this order, so ``id`` order is date order and the API
can page newest-first on the primary key alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusNotFound

_DATED = re.compile(r"(?:^|/)(\d{4})/(\d{1,2})/(\d{1,2})/([^/]+)$")


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """A file found in the corpus: its path relative to the root, and whether it can be read."""

    relative: str
    absolute: str
    skip_reason: str | None = None


def walk(root: Path) -> list[CorpusFile]:
    """List every file under ``root`` in build order; directories linked by symlink are skipped."""
    if not root.is_dir():
        raise CorpusNotFound(f"corpus directory not found: {root}")
    found: list[CorpusFile] = []
    pending = [(str(root), "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if not _is_utf8(relative):
                    shown = os.fsencode(relative).decode("utf-8", "replace")
                    found.append(CorpusFile(shown, entry.path, "file name is not valid UTF-8"))
                elif entry.is_symlink():
                    reason = f"symbolic link (to {_link_kind(entry)}) not followed: a corpus holds real files only"
                    found.append(CorpusFile(relative, entry.path, reason))
                elif entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("."):
                        pending.append((entry.path, relative + "/"))
                elif entry.is_file(follow_symlinks=False):
                    found.append(CorpusFile(relative, entry.path))
                else:  # a FIFO, socket or device would block or mislead a read
                    found.append(CorpusFile(relative, entry.path, "not a regular file"))
    if not any(item.relative.endswith(".md") for item in found):
        raise CorpusNotFound(f"no markdown files under {root}")
    return sorted(found, key=_order)


def _is_utf8(name: str) -> bool:
    """os.scandir hands undecodable bytes over as surrogate escapes; SQLite cannot store those."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _link_kind(entry: os.DirEntry[str]) -> str:
    try:
        if entry.is_dir():
            return "a directory"
        return "a file" if os.path.exists(entry.path) else "nothing: dangling or a loop"
    except OSError:  # a loop (ELOOP) or a permission problem on the way
        return "a loop or an unreachable target"


def _order(item: CorpusFile) -> tuple[int, tuple[int, int, int], int, str]:
    """Dated files first by (date, index.md before events, slug); everything else after."""
    match = _DATED.search(item.relative)
    if not match:
        return (1, (0, 0, 0), 0, item.relative)
    day = (int(match[1]), int(match[2]), int(match[3]))
    return (0, day, 0 if match[4] == "index.md" else 1, match[4] + "\0" + item.relative)


def read_bytes(item: CorpusFile) -> bytes:
    """Read a file whole; OSError propagates for the caller to record."""
    with open(item.absolute, "rb") as handle:
        return handle.read()


def iter_names(files: list[CorpusFile]) -> Iterator[str]:
    """Relative names, for fingerprints and summaries."""
    return (item.relative for item in files)
