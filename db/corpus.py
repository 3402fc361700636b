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

#: A day folder: the date is read once per directory, not once per file.
_DAY_FOLDER = re.compile(r"(?:^|/)(\d{4})/(\d{1,2})/(\d{1,2})$")

Day = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """A file found in the corpus: its path relative to the root, and why it cannot be read (if so)."""

    relative: str
    skip_reason: str | None = None


def walk(root: Path) -> list[CorpusFile]:
    """List every file under ``root`` in build order; directories linked by symlink are skipped.

    Build order is (date folder, ``index.md`` first, file name, relative path), then every file
    outside a date folder by relative path. Files are grouped per day while walking, so only one
    day's files are sorted at a time and no sort key is kept per file.
    """
    if not root.is_dir():
        raise CorpusNotFound(f"corpus directory not found: {root}")
    days: dict[Day, list[CorpusFile]] = {}
    undated: list[CorpusFile] = []
    markdown = False
    pending = [(str(root), "")]
    while pending:
        directory, prefix = pending.pop()
        day = _day_of(prefix[:-1])
        found = undated if day is None else days.setdefault(day, [])
        with os.scandir(directory) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if not _is_utf8(relative):
                    shown = os.fsencode(relative).decode("utf-8", "replace")
                    found.append(CorpusFile(shown, "file name is not valid UTF-8"))
                elif entry.is_symlink():
                    reason = f"symbolic link (to {_link_kind(entry)}) not followed: a corpus holds real files only"
                    found.append(CorpusFile(relative, reason))
                elif entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("."):
                        pending.append((entry.path, relative + "/"))
                elif entry.is_file(follow_symlinks=False):
                    markdown = markdown or relative.endswith(".md")
                    found.append(CorpusFile(relative))
                else:  # a FIFO, socket or device would block or mislead a read
                    found.append(CorpusFile(relative, "not a regular file"))
    if not markdown and not any(item.relative.endswith(".md") for group in (undated, *days.values()) for item in group):
        raise CorpusNotFound(f"no markdown files under {root}")
    ordered: list[CorpusFile] = []
    for day in sorted(days):
        ordered.extend(sorted(days.pop(day), key=_in_day))
    undated.sort(key=lambda item: item.relative)
    ordered.extend(undated)
    return ordered


def _day_of(directory: str) -> Day | None:
    match = _DAY_FOLDER.search(directory)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _in_day(item: CorpusFile) -> tuple[bool, str, str]:
    """``index.md`` first, then by file name, then by relative path (two spellings of one folder)."""
    name = item.relative.rpartition("/")[2]
    return (name != "index.md", name, item.relative)


def day_of(item: CorpusFile) -> Day | None:
    """The date folder a file sits in, or None; a chunk of the build never splits a day."""
    return _day_of(item.relative.rpartition("/")[0])


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


def chunks(files: list[CorpusFile], size: int) -> Iterator[list[CorpusFile]]:
    """Consecutive runs of about ``size`` files, cut only where the date folder changes.

    A day's page, its events and two spellings of one event (``12/7`` and ``12/07``) sort next to
    each other within one day, so a chunk can be parsed alone and still see them all together.
    """
    start = 0
    while start < len(files):
        end = min(start + size, len(files))
        if end < len(files):
            day = day_of(files[end - 1])
            while end < len(files) and day is not None and day_of(files[end]) == day:
                end += 1
        yield files[start:end]
        start = end


def read_bytes(root: str, item: CorpusFile) -> bytes:
    """Read a file whole; OSError propagates for the caller to record."""
    with open(f"{root}/{item.relative}", "rb") as handle:
        return handle.read()
