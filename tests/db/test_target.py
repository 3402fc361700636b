"""The build's target and its temporaries (``db.target``) on real files: the temporary's name and the
removal of a killed build's leftovers (only once its process is gone), ``replace`` keeping the
permission bits, ``discard``, and what ``check`` refuses before anything is written."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from db.errors import BuildFailed
from db.target import check, copy, discard, replace, shards, temporary


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen(["true"])
    process.wait()
    assert not Path(f"/proc/{process.pid}").exists()
    return process.pid


def names(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


# -- temporary ---------------------------------------------------------------------------------------

def test_the_temporary_is_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    assert temporary(target) == tmp_path / f".news.db.{os.getpid()}.tmp"
    assert names(tmp_path) == set()  # only named: nothing is created


def test_a_dead_builds_leftovers_are_removed(tmp_path: Path) -> None:
    target, dead = tmp_path / "news.db", dead_pid()
    stale = [f".news.db.{dead}.tmp", f".news.db.{dead}.shard0.tmp", f".news.db.{dead}.shard12.tmp",
             f".news.db.{dead}.tmp-wal", f".news.db.{dead}.tmp-shm"]
    for name in stale:
        (tmp_path / name).write_bytes(b"half a build")
    target.write_bytes(b"the database")
    temporary(target)
    assert names(tmp_path) == {"news.db"}
    assert target.read_bytes() == b"the database"


def test_a_live_builds_files_are_kept(tmp_path: Path) -> None:
    target, live = tmp_path / "news.db", os.getpid()
    kept = {f".news.db.{live}.tmp", f".news.db.{live}.shard0.tmp", ".news.db.1.tmp"}  # pid 1 is always alive
    for name in kept:
        (tmp_path / name).write_bytes(b"being built")
    temporary(target)
    assert names(tmp_path) == kept


def test_only_this_targets_leftovers_are_removed(tmp_path: Path) -> None:
    dead = dead_pid()
    others = {f".news.db.5.{dead}.tmp",  # a build of news.db.5
              f".news.db.5.{dead}.shard1.tmp",
              f".other.db.{dead}.tmp",
              f".news.db.{dead}.tmp.bak",
              f".news.db.{dead}.tmp-journal",
              f"news.db.{dead}.tmp",
              f".news.db.x{dead}.tmp"}
    for name in others | {f".news.db.{dead}.tmp"}:
        (tmp_path / name).write_bytes(b"")
    temporary(tmp_path / "news.db")
    assert names(tmp_path) == others


def test_a_target_name_with_glob_characters(tmp_path: Path) -> None:
    target, dead = tmp_path / "news[1].db", dead_pid()
    (tmp_path / f".news[1].db.{dead}.tmp").write_bytes(b"")
    (tmp_path / f".news[1].db.{dead}.shard0.tmp").write_bytes(b"")
    (tmp_path / f".news1.db.{dead}.tmp").write_bytes(b"")  # news1.db's: kept
    tmp = temporary(target)
    assert tmp == tmp_path / f".news[1].db.{os.getpid()}.tmp"
    assert names(tmp_path) == {f".news1.db.{dead}.tmp"}
    shard = tmp.with_name(f".news[1].db.{os.getpid()}.shard3.tmp")
    shard.write_bytes(b"")
    assert shards(tmp) == [shard]


# -- shards and discard -------------------------------------------------------------------------------

def test_shards_are_those_of_this_temporary(tmp_path: Path) -> None:
    tmp = temporary(tmp_path / "news.db")
    own = {tmp.with_name(f".news.db.{os.getpid()}.shard{n}.tmp") for n in (0, 1, 10)}
    other = tmp_path / f".news.db.{os.getpid()}1.shard0.tmp"  # another pid with ours as a prefix
    for path in (*own, other, tmp):
        path.write_bytes(b"")
    assert set(shards(tmp)) == own


def test_discard_removes_the_temporary_its_wal_files_and_its_shards(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"the database")
    tmp = temporary(target)
    tmp.write_bytes(b"half a build")
    for n in range(3):
        tmp.with_name(f".news.db.{os.getpid()}.shard{n}.tmp").write_bytes(b"a shard")
    for name in (f"{tmp.name}-wal", f"{tmp.name}-shm"):
        tmp.with_name(name).write_bytes(b"a WAL file")
    live_other = tmp_path / ".news.db.1.tmp"
    live_other.write_bytes(b"")
    discard(tmp)
    assert names(tmp_path) == {"news.db", ".news.db.1.tmp"}
    assert target.read_bytes() == b"the database"


def test_discard_of_nothing(tmp_path: Path) -> None:
    discard(temporary(tmp_path / "news.db"))
    assert names(tmp_path) == set()


def test_discard_of_shards_alone(tmp_path: Path) -> None:
    tmp = temporary(tmp_path / "news.db")
    tmp.with_name(f".news.db.{os.getpid()}.shard0.tmp").write_bytes(b"")
    discard(tmp)
    assert names(tmp_path) == set()


# -- replace -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o640, 0o444, 0o600])
def test_replace_keeps_the_permission_bits(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"old")
    target.chmod(mode)
    tmp = temporary(target)
    tmp.write_bytes(b"new")
    tmp.chmod(0o666)
    replace(tmp, target)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert names(tmp_path) == {"news.db"}


def test_replace_without_a_target(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    tmp = temporary(target)
    tmp.write_bytes(b"new")
    tmp.chmod(0o604)
    replace(tmp, target)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604  # the temporary's own bits
    assert names(tmp_path) == {"news.db"}


def test_replace_is_a_rename(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"old")
    tmp = temporary(target)
    tmp.write_bytes(b"new")
    inode = tmp.stat().st_ino
    replace(tmp, target)
    assert target.stat().st_ino == inode


# -- check ---------------------------------------------------------------------------------------------

def test_check_accepts_a_new_or_writable_target(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    check(target)
    target.write_bytes(b"")
    target.chmod(0o644)
    check(target)
    check(target, force=True)


def test_check_refuses_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    target.mkdir()
    for force in (False, True):
        with pytest.raises(BuildFailed) as raised:
            check(target, force)
        assert str(raised.value) == f"will not replace {target}: it is a directory, not a database file"


def test_check_refuses_a_fifo(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    os.mkfifo(target)
    for force in (False, True):
        with pytest.raises(BuildFailed) as raised:
            check(target, force)
        assert str(raised.value) == f"will not replace {target}: it is a FIFO, not a database file"


def test_check_refuses_a_character_device() -> None:
    with pytest.raises(BuildFailed) as raised:
        check(Path("/dev/null"), force=True)
    assert str(raised.value) == "will not replace /dev/null: it is a character device, not a database file"


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000])
def test_check_refuses_a_read_only_file_unless_forced(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"")
    target.chmod(mode)
    with pytest.raises(BuildFailed) as raised:
        check(target)
    assert str(raised.value) == f"will not replace {target}: it is read-only (--force replaces it)"
    check(target, force=True)


def test_check_accepts_a_symlink_to_a_regular_file(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    real.write_bytes(b"")
    link = tmp_path / "news.db"
    link.symlink_to(real)
    check(link)


def test_check_follows_a_symlink(tmp_path: Path) -> None:
    real, link = tmp_path / "real.db", tmp_path / "news.db"
    real.write_bytes(b"")
    real.chmod(0o444)
    link.symlink_to(real)
    with pytest.raises(BuildFailed) as raised:
        check(link)
    assert str(raised.value) == f"will not replace {link}: it is read-only (--force replaces it)"

    folder, folder_link = tmp_path / "folder", tmp_path / "folder.db"
    folder.mkdir()
    folder_link.symlink_to(folder)
    with pytest.raises(BuildFailed) as raised:
        check(folder_link, force=True)
    assert str(raised.value) == f"will not replace {folder_link}: it is a directory, not a database file"


def test_check_names_a_missing_directory(tmp_path: Path) -> None:
    for directory in (tmp_path / "missing", tmp_path / "missing" / "deeper"):
        target = directory / "news.db"
        with pytest.raises(BuildFailed) as raised:
            check(target)
        assert str(raised.value) == f"cannot write {target}: the directory {directory} does not exist"


def test_check_refuses_a_file_as_the_directory(tmp_path: Path) -> None:
    directory = tmp_path / "a-file"
    directory.write_bytes(b"")
    target = directory / "news.db"
    with pytest.raises(BuildFailed) as raised:
        check(target)
    assert str(raised.value) == f"cannot write {target}: {directory} is not a directory"


@pytest.mark.parametrize("size", [0, 1, 4095, 3 * 1024 * 1024 + 7])
def test_copy_is_byte_for_byte(tmp_path: Path, size: int) -> None:
    source, destination = tmp_path / "a.db", tmp_path / "b.db"
    source.write_bytes(os.urandom(size))
    destination.write_bytes(b"x" * (size + 100))  # longer: the copy must not keep its tail
    copy(source, destination)
    assert destination.read_bytes() == source.read_bytes()
