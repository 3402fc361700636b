"""The build's target and its temporary files: never written in place, replaced only when complete.

A build writes ``.news.db.<pid>.tmp`` beside ``news.db`` (its workers ``.news.db.<pid>.shard<n>.tmp``,
SQLite ``.news.db.<pid>.tmp-wal`` and ``-shm`` during part of it)
and renames it over the target once it is complete and on disk; a killed build's leftovers are
removed by the next build of the same target, once their process is gone. ``check`` refuses,
before anything is written, a target that is not a database file to replace: a directory, a
device, a FIFO (a symlink to a regular file is fine: the build resolves it), a read-only file
unless forced, a path whose directory is missing.
"""

from __future__ import annotations

import errno
import glob
import os
import re
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

from .errors import BuildFailed

_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket"}


def check(target: Path, force: bool = False) -> None:
    """Raise BuildFailed, naming ``target`` and what is wrong, if the build must not replace it.

    Only a regular file is replaced, and a read-only one only with ``force`` (the new file then
    keeps its permission bits, see ``replace``); its directory must exist and be writable.

    >>> check(Path("/dev/null"))
    Traceback (most recent call last):
    db.errors.BuildFailed: will not replace /dev/null: it is a character device, not a database file
    """
    directory = target.parent
    try:
        if not stat.S_ISDIR(directory.stat().st_mode):
            raise BuildFailed(f"cannot write {target}: {directory} is not a directory")
        found = target.stat()  # follows a symlink, as the build does
    except FileNotFoundError:
        if not directory.exists():
            raise BuildFailed(f"cannot write {target}: the directory {directory} does not exist") from None
        found = None
    except OSError as exc:
        raise BuildFailed(f"cannot write {target}: {exc.strerror or exc}") from exc
    if found is not None and not stat.S_ISREG(found.st_mode):
        kind = _KINDS.get(stat.S_IFMT(found.st_mode), "not a regular file")
        raise BuildFailed(f"will not replace {target}: it is {kind}, not a database file")
    # read-only: no write bit for anyone, or none for us (root may write anything, so the bits count too)
    if found is not None and not force and (not found.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise BuildFailed(f"will not replace {target}: it is read-only (--force replaces it)")
    if not os.access(directory, os.W_OK):
        raise BuildFailed(f"cannot write {target}: the directory {directory} is not writable")


def temporary(target: Path) -> Path:
    """The file this process builds ``target`` in; stale ones of killed builds are removed first."""
    _remove_stale_temporaries(target)
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def replace(tmp: Path, target: Path) -> None:
    """Put the finished ``tmp`` in place of ``target`` atomically, durably on disk.

    The new file keeps the permission bits of the one it replaces (a 0444 or 0640 database stays
    so) and, where this process may give it, its owner and group (a ``root:newsgql 0640`` file
    rebuilt by root stays readable by the server).
    """
    with suppress(FileNotFoundError):  # nothing to replace: the new file has the umask's bits
        old = target.stat()
        os.chmod(tmp, stat.S_IMODE(old.st_mode))
        with suppress(PermissionError):
            os.chown(tmp, old.st_uid, old.st_gid)
    sync(tmp)
    os.replace(tmp, target)
    sync(target.parent)


#: Parts of a file copied at once: measured on a 3.7 GB database (ext4, 2 cores), one
#: ``copy_file_range`` took 5.5-6.1 s, two running side by side 1.3-1.4 s, four no better.
COPY_THREADS = 2
_COPY_STEP = 1 << 30


def copy(source: Path, destination: Path) -> None:
    """Copy ``source`` to a new file ``destination`` in the kernel (a reflink where the file system
    makes one), in ``COPY_THREADS`` parts side by side; ``shutil.copyfile`` where that is refused."""
    size = source.stat().st_size
    reader = os.open(source, os.O_RDONLY)
    try:
        writer = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.ftruncate(writer, size)
            part = -(-size // COPY_THREADS)
            with ThreadPoolExecutor(COPY_THREADS) as pool:
                list(pool.map(lambda start: _copy_range(reader, writer, start, min(size, start + part)),
                              range(0, size, part or 1)))
        finally:
            os.close(writer)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
            raise
        shutil.copyfile(source, destination)  # another file system, or a kernel without copy_file_range
    finally:
        os.close(reader)


def _copy_range(reader: int, writer: int, start: int, end: int) -> None:
    while start < end:
        copied = os.copy_file_range(reader, writer, min(end - start, _COPY_STEP), start, start)
        if copied == 0:
            raise OSError(errno.EIO, "the file being copied was cut short")
        start += copied


def discard(tmp: Path) -> None:
    """Remove ``tmp``, its WAL files and its shards, if any are left."""
    for leftover in (tmp, *wal_files(tmp), *shards(tmp)):
        if leftover.exists():
            leftover.unlink()


def wal_files(path: Path) -> tuple[Path, Path]:
    """The files SQLite keeps beside ``path`` while it is in WAL mode (part of a full build is: ``db.beside``)."""
    return path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")


def shards(tmp: Path) -> list[Path]:
    """The shard files of the build writing ``tmp`` (``.news.db.<pid>.shard<n>.tmp``)."""
    return list(tmp.parent.glob(f"{glob.escape(tmp.name[:-4])}.shard*.tmp"))


def sync(path: Path) -> None:
    """Write a file's pages to disk now (``replace`` does before it renames)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Delete leftovers of killed builds for this target (their process is gone): files, WAL files and shards.

    Names are matched whole: ``.news.db.5.<pid>.tmp`` belongs to a build of ``news.db.5``.
    """
    own = re.compile(rf"\.{re.escape(target.name)}\.(\d+)(?:\.shard\d+)?\.tmp(?:-wal|-shm)?")
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp*"):
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
