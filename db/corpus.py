"""Walk a corpus directory: every file once, in (date, slug) order, symlinks never followed.

Order matters: events get their ids in this order within their day's block (``db.ids``), so
``id`` order is date order and the API can page newest-first on the primary key alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import CorpusNotFound

#: A day folder: the date is read once per directory, not once per file.
_DAY_FOLDER = re.compile(r"(?:^|/)(\d{4})/(\d{1,2})/(\d{1,2})$")

Day = tuple[int, int, int]


class CorpusFile(NamedTuple):
    """A file found in the corpus: its path relative to the root, and why it cannot be read (if so).

    A tuple: a build makes one per file, twice at 10^6 files for an incremental one.
    """

    relative: str
    skip_reason: str | None = None
    day: str | None = None  # the ISO date of its day folder; None outside day folders


@dataclass
class Corpus:
    """A corpus directory, surveyed: its day folders in date order, and how many files it holds.

    The survey keeps day folders, not files: a day's files are listed again when its chunk is
    made (``chunks``), so memory holds one chunk of names, not the names of a whole archive.
    """

    root: Path
    days: list[tuple[Day, list[tuple[str, str]]]]  # date order; (directory, relative prefix) per folder
    undated: list[CorpusFile]  # files outside day folders (rare), by relative path
    files: int

    def chunks(self, size: int) -> Iterator[list[CorpusFile]]:
        """Runs of whole days of about ``size`` files, in build order; undated files last.

        A day's page, its events and two spellings of one event (``12/7`` and ``12/07``) sort
        next to each other within one day, so a chunk can be parsed alone and still see them all.
        """
        run: list[CorpusFile] = []
        for day, folders in self.days:
            date = iso_day(day)
            found: list[CorpusFile] = []
            for directory, prefix in folders:
                try:
                    _list(directory, prefix, found, [], date)
                except OSError as exc:  # gone or unreadable since the survey: said, not fatal
                    reason = f"folder unreadable: {exc.strerror or exc}"
                    found.append(CorpusFile(prefix.rstrip("/"), reason, date))
            run.extend(sorted(found, key=_in_day))
            if len(run) >= size:
                yield run
                run = []
        if run:
            yield run
        if self.undated:
            yield self.undated


#: Levels read breadth first (the root, ``news/``, the years) before the subtrees below them are
#: shared out between processes.
WALK_LEVELS = 3

Folder = tuple[str, str]  # (directory, its path relative to the root, ending in "/")


@dataclass
class Found:
    """What a walk of some directories found: day folders, files outside them, how many files."""

    days: dict[Day, list[Folder]] = field(default_factory=dict)
    undated: list[CorpusFile] = field(default_factory=list)
    files: int = 0
    markdown: int = 0

    def visit(self, directory: str, prefix: str, subdirectories: list[Folder]) -> None:
        """Take in one directory; its subdirectories go to ``subdirectories``."""
        day = _day_of(prefix[:-1])
        if day is None:
            found: list[CorpusFile] = []
            _list(directory, prefix, found, subdirectories)
            self.files += len(found)
            self.markdown += sum(1 for item in found if item.relative.endswith(".md"))
            self.undated.extend(found)
            return
        count, markdown = _count(directory, prefix, subdirectories)  # listed again when parsed
        self.files, self.markdown = self.files + count, self.markdown + markdown
        if count:
            self.days.setdefault(day, []).append((directory, prefix))

    def add(self, other: Found) -> None:
        for day, folders in other.days.items():
            self.days.setdefault(day, []).extend(folders)
        self.undated.extend(other.undated)
        self.files, self.markdown = self.files + other.files, self.markdown + other.markdown


def walk(root: Path, run: Callable[[Callable[[Folder], Found], Iterable[Folder]], Iterable[Found]] = map) -> Corpus:
    """Survey every file under ``root``; directories linked by symlink are skipped. ``run`` maps the
    subtrees below the first levels (a ``map`` over worker processes, for a large corpus).

    Build order is (date folder, ``index.md`` first, file name, relative path), then every file
    outside a date folder by relative path.
    """
    if not root.is_dir():
        raise CorpusNotFound(f"corpus directory not found: {root}")
    found = Found()
    level: list[Folder] = [(str(root), "")]
    for _ in range(WALK_LEVELS):
        below: list[Folder] = []
        for directory, prefix in level:
            found.visit(directory, prefix, below)
        level = below
    for part in run(walk_below, level):
        found.add(part)
    if not found.markdown:
        raise CorpusNotFound(f"no markdown files under {root}")
    found.undated.sort(key=lambda item: item.relative)
    return Corpus(root, sorted(found.days.items()), found.undated, found.files)


def walk_below(start: Folder) -> Found:
    """Everything ``walk`` finds in one directory and below it."""
    found = Found()
    pending = [start]
    while pending:
        found.visit(*pending.pop(), pending)
    return found


def _list(directory: str, prefix: str, found: list[CorpusFile], subdirectories: list[tuple[str, str]],
          day: str | None = None) -> None:
    """The files of one directory into ``found`` (of ``day``), its subdirectories (not hidden) into
    ``subdirectories``."""
    with os.scandir(directory) as entries:
        for entry in entries:
            relative = prefix + entry.name
            if not _is_utf8(relative):
                shown = os.fsencode(relative).decode("utf-8", "replace")
                found.append(CorpusFile(shown, "file name is not valid UTF-8", day))
            elif entry.is_symlink():
                reason = f"symbolic link (to {_link_kind(entry)}) not followed: a corpus holds real files only"
                found.append(CorpusFile(relative, reason, day))
            elif entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    subdirectories.append((entry.path, relative + "/"))
            elif entry.is_file(follow_symlinks=False):
                found.append(CorpusFile(relative, None, day))
            else:  # a FIFO, socket or device would block or mislead a read
                found.append(CorpusFile(relative, "not a regular file", day))


def _count(directory: str, prefix: str, subdirectories: list[tuple[str, str]]) -> tuple[int, int]:
    """How many files ``_list`` would find in a directory (all, markdown); its subdirectories as ``_list``."""
    files = markdown = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):  # False for a symlink: it is a file found, not followed
                if not entry.name.startswith("."):
                    subdirectories.append((entry.path, prefix + entry.name + "/"))
                continue
            files += 1
            markdown += entry.name.endswith(".md")
    return files, markdown


def iso_day(day: Day) -> str:
    """A day folder's date as ISO text (``2015-09-05``); an impossible one too (``2015-02-30``)."""
    return f"{day[0]:04d}-{day[1]:02d}-{day[2]:02d}"


def _day_of(directory: str) -> Day | None:
    match = _DAY_FOLDER.search(directory)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _in_day(item: CorpusFile) -> tuple[bool, str, str]:
    """``index.md`` first, then by file name, then by relative path (two spellings of one folder)."""
    name = item.relative.rpartition("/")[2]
    return (name != "index.md", name, item.relative)


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


READ_SIZE = 64 * 1024  # one read holds nearly every corpus file


def read_bytes(root: str, item: CorpusFile) -> bytes:
    """Read a file whole; OSError propagates for the caller to record.

    Plain ``os.read`` calls until end of file: half the cost of ``open().read()`` (no buffered
    file object), which matters at 10^5 files a build.
    """
    fd = os.open(f"{root}/{item.relative}", os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        parts = []
        while chunk := os.read(fd, READ_SIZE):
            parts.append(chunk)
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)
