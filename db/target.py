"""The build's target and its temporary files: never written in place, replaced only when complete.

A build writes ``.news.db.<pid>.tmp`` beside ``news.db`` (its workers ``.news.db.<pid>.shard<n>.tmp``)
and renames it over the target once it is complete and on disk; a killed build's leftovers are
removed by the next build of the same target, once their process is gone.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path


def temporary(target: Path) -> Path:
    """The file this process builds ``target`` in; stale ones of killed builds are removed first."""
    _remove_stale_temporaries(target)
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def replace(tmp: Path, target: Path) -> None:
    """Put the finished ``tmp`` in place of ``target`` atomically, durably on disk."""
    _fsync(tmp)
    os.replace(tmp, target)
    _fsync(target.parent)


def discard(tmp: Path) -> None:
    """Remove ``tmp`` and its shards, if any are left."""
    for leftover in (tmp, *shards(tmp)):
        if leftover.exists():
            leftover.unlink()


def shards(tmp: Path) -> list[Path]:
    """The shard files of the build writing ``tmp`` (``.news.db.<pid>.shard<n>.tmp``)."""
    return list(tmp.parent.glob(f"{glob.escape(tmp.name[:-4])}.shard*.tmp"))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Delete leftovers of killed builds for this target (their process is gone): files and shards.

    Names are matched whole: ``.news.db.5.<pid>.tmp`` belongs to a build of ``news.db.5``.
    """
    own = re.compile(rf"\.{re.escape(target.name)}\.(\d+)(?:\.shard\d+)?\.tmp")
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        found = own.fullmatch(leftover.name)
        if found and not _alive(int(found[1])):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
