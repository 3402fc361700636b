"""Corpus -> SQLite: the truth file matched, errors recorded, the old database never damaged."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import SCHEMA_VERSION
from db.build import build
from db.errors import BuildFailed, CorpusNotFound
from db.sample import SAMPLE_DIR
from tests.support.corpus_files import event_text, write


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def f1(expected: set[tuple[str, str]], found: set[tuple[str, str]]) -> float:
    tp = len(expected & found)
    precision, recall = tp / len(found), tp / len(expected)
    return 2 * precision * recall / (precision + recall)


def test_sample_matches_truth(sample_db: Path, truth: dict[str, Any]) -> None:
    assert rows(sample_db, "SELECT count(*) FROM events WHERE path IN (SELECT value FROM json_each(?))",
                __import__("json").dumps(list(truth)))[0][0] == len(truth)
    expected_contexts: set[tuple[str, str]] = set()
    found_contexts: set[tuple[str, str]] = set()
    for path, want in truth.items():
        [(event_id, date, title, body, category)] = rows(
            sample_db, "SELECT id, date, title, body, category FROM events WHERE path = ?", path)
        assert (date, title, body, category) == (want["date"], want["title"], want["body"], want["category"])
        sources = rows(sample_db, "SELECT name, url FROM sources WHERE event_id = ? ORDER BY position", event_id)
        assert [list(s) for s in sources] == want["sources"], path
        related = rows(sample_db, "SELECT id, target_path FROM related WHERE event_id = ? ORDER BY position",
                       event_id)
        assert [r[1] for r in related] == [r[0] for r in want["related"]], path
        for (related_id, _), (_, shared) in zip(related, want["related"], strict=True):
            names = rows(sample_db, "SELECT c.name FROM related_contexts rc JOIN contexts c ON c.id = rc.context_id"
                         " WHERE rc.related_id = ? ORDER BY rc.position", related_id)
            assert [n[0] for n in names] == shared
        expected_contexts |= {(path, name) for name in want["contexts"]}
        found_contexts |= {(path, n[0]) for n in rows(
            sample_db, "SELECT c.name FROM event_contexts ec JOIN contexts c ON c.id = ec.context_id"
            " WHERE ec.event_id = ?", event_id)}
    score = f1(expected_contexts, found_contexts)
    naive = {(path, name.strip()) for path, want in truth.items()
             for _, shared in want["related"] for joined in [", ".join(shared)] for name in joined.split(",")}
    print(f"\ncontext F1 = {score:.4f} (naive comma split: {f1(expected_contexts, naive):.4f})")
    assert score >= 0.998


def test_database_is_self_describing(sample_db: Path) -> None:
    db = sqlite_utils.Database(sample_db)
    assert db["events"].detect_fts() == "events_fts"  # type: ignore[union-attr]
    fks = {(fk.table, fk.column, fk.other_table) for t in db.tables for fk in t.foreign_keys}
    assert ("related", "target_id", "events") in fks
    assert ("sources", "event_id", "events") in fks
    assert ("event_contexts", "context_id", "contexts") in fks
    meta = dict(rows(sample_db, "SELECT key, value FROM meta"))
    assert meta["schema_version"] == str(SCHEMA_VERSION) and meta["events"] == "133"
    assert len(meta["corpus_fingerprint"]) == 64
    assert rows(sample_db, "PRAGMA foreign_key_check") == []
    assert rows(sample_db, "PRAGMA journal_mode")[0][0] == "delete"
    hits = rows(sample_db, "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'Aleppo'")[0][0]
    assert hits >= 1


def test_links_resolve_across_spellings(sample_db: Path) -> None:
    # the seed links to /news/2016/12/7/... (unpadded); none of its targets are in the sample
    unresolved = rows(sample_db, "SELECT count(*) FROM related WHERE target_id IS NULL")[0][0]
    resolved = rows(sample_db, "SELECT count(*) FROM related r JOIN events e ON e.id = r.target_id"
                    " WHERE e.path = r.target_path")[0][0]
    total = rows(sample_db, "SELECT count(*) FROM related")[0][0]
    assert resolved + unresolved == total and resolved > 200


def test_bad_files_are_recorded_and_good_ones_kept(corpus_dir: Path, tmp_path: Path) -> None:
    write(corpus_dir, "news/2016/12/14/good.md", event_text())
    # two files for one event: the canonical (padded) spelling is kept, the other reported
    write(corpus_dir, "news/2016/12/7/other.md", event_text(date="2016-12-07", title="Duplicate."))
    write(corpus_dir, "news/2016/12/07/other.md", event_text(date="2016-12-07", title="Other."))
    write(corpus_dir, "news/2016/12/15/empty.md", b"")
    write(corpus_dir, "news/2016/12/15/binary.md", b"\x00\x01\x02")
    write(corpus_dir, "news/2016/02/30/impossible.md", event_text())
    write(corpus_dir, "news/2016/12/16/latin1.md", event_text(date="2016-12-16", title="Caf\xe9.").encode("cp1252"))
    write(corpus_dir, "notes.txt", "stray")
    target = tmp_path / "out.db"
    summary = build(corpus_dir, target)
    titles = [r[0] for r in rows(target, "SELECT title FROM events ORDER BY id")]
    assert titles == ["Other.", "Story. Something happens.", "Café."]
    errors = {(f, severity): reason for f, severity, reason in rows(
        target, "SELECT file, severity, reason FROM build_errors")}
    assert "duplicate of news/2016/12/07/other.md" in errors[("news/2016/12/7/other.md", "skipped")]
    assert "empty" in errors[("news/2016/12/15/empty.md", "skipped")]
    assert "binary" in errors[("news/2016/12/15/binary.md", "skipped")]
    assert "impossible date" in errors[("news/2016/02/30/impossible.md", "skipped")]
    assert "not an event file" in errors[("notes.txt", "skipped")]
    assert "UTF-8" in errors[("news/2016/12/16/latin1.md", "warning")]
    assert summary.events == 3 and summary.skipped == 5 and summary.warnings == 1
    # the link from good.md to /news/2016/12/7/other.md resolves to the padded file's event
    assert rows(target, "SELECT DISTINCT e.title FROM related r JOIN events e ON e.id = r.target_id") == [("Other.",)]


def test_strict_fails_and_keeps_previous_database(corpus_dir: Path, tmp_path: Path) -> None:
    write(corpus_dir, "news/2016/12/14/good.md", event_text())
    target = tmp_path / "out.db"
    build(corpus_dir, target, strict=True)
    before = target.read_bytes()
    write(corpus_dir, "news/2016/12/15/empty.md", b"")
    with pytest.raises(BuildFailed, match="empty"):
        build(corpus_dir, target, strict=True)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".out.db.*"))


def test_missing_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFound):
        build(tmp_path / "nope", tmp_path / "x.db")
    with pytest.raises(CorpusNotFound):
        build(tmp_path, tmp_path / "x.db")


def test_rebuild_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build(SAMPLE_DIR, first, workers=2)
    build(SAMPLE_DIR, second, workers=1)
    dump = "SELECT * FROM {} ORDER BY 1, 2"
    for table in ["events", "sources", "contexts", "event_contexts", "related", "related_contexts"]:
        assert rows(first, dump.format(table)) == rows(second, dump.format(table)), table
    meta = "SELECT value FROM meta WHERE key = 'corpus_fingerprint'"
    assert rows(first, meta) == rows(second, meta)


def big_corpus(root: Path, copies: int) -> Path:
    """The sample's events repeated under other years: same shape, many more files."""
    for copy in range(copies):
        for source in (SAMPLE_DIR / "news" / "2015").rglob("*.md"):
            relative = source.relative_to(SAMPLE_DIR / "news" / "2015")
            destination = root / "news" / str(1900 + copy) / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    return root


def test_killed_build_leaves_previous_database_intact(tmp_path: Path) -> None:
    corpus = big_corpus(tmp_path / "corpus", 100)
    target = tmp_path / "news.db"
    build(SAMPLE_DIR, target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    for delay in (0.05, 0.5):
        process = subprocess.Popen(
            [sys.executable, "-m", "gql.cli", "build", str(corpus), "-o", str(target), "--quiet"],
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(".news.db.*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        assert process.poll() is None, "the build finished before it could be killed: use a larger corpus"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
        assert rows(target, "SELECT count(*) FROM events")[0][0] == 133
    # the next build cleans the leftovers of the killed ones and succeeds
    summary = build(corpus, target)
    assert summary.events == 100 * 132
    assert not list(tmp_path.glob(".news.db.*.tmp"))


def test_read_only_target_gives_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target_dir = Path("/proc/sys")  # not writable even for root
    else:
        target_dir = tmp_path / "ro"
        target_dir.mkdir()
        target_dir.chmod(0o500)
    with pytest.raises(BuildFailed, match="cannot write"):
        build(SAMPLE_DIR, target_dir / "news.db")


def test_categories_from_own_and_other_day_pages(corpus_dir: Path, tmp_path: Path) -> None:
    write(corpus_dir, "news/2016/12/14/a.md", event_text(title="A."))
    write(corpus_dir, "news/2016/12/14/b.md", event_text(title="B."))
    write(corpus_dir, "news/2016/12/15/c.md", event_text(date="2016-12-15", title="C."))
    write(corpus_dir, "news/2016/12/14/index.md",
          "# 2016-12-14\n\n## Sports\n\n1. [A](/news/2016/12/14/a.md)\n")
    # a later day's page lists an earlier day's event (read after that event was stored)
    write(corpus_dir, "news/2016/12/16/index.md",
          "# 2016-12-16\n\n## Science\n\n1. [B](/news/2016/12/14/b.md)\n2. [C](/news/2016/12/15/c.md)\n")
    target = tmp_path / "out.db"
    build(corpus_dir, target)
    assert rows(target, "SELECT title, category FROM events ORDER BY id") == [
        ("A.", "Sports"), ("B.", "Science"), ("C.", "Science")]


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = ["events", "sources", "related", "related_contexts", "event_contexts", "contexts", "days", "build_errors"]
    found = {table: rows(db, f"SELECT * FROM {table} ORDER BY 1, 2") for table in tables}
    found["meta"] = rows(db, "SELECT * FROM meta WHERE key != 'built_at' ORDER BY key")
    found["search"] = rows(db, "SELECT rowid FROM events_fts WHERE events_fts MATCH 'war OR fire' ORDER BY rowid")
    return found


def test_chunked_parallel_build_equals_one_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shards cut at day boundaries, parsed by two workers and merged, give the very rows of one pass:
    same ids, same categories from other days' pages, same duplicates and errors, same fingerprint."""
    from db import build as builder
    from tests.support.hostile import make_corpus

    corpus = make_corpus(tmp_path / "corpus").root
    write(corpus, "news/2015/09/30/index.md", "# 2015-09-30\n\n## Sports\n\n1. [A](/news/2015/9/1/a-later-page.md)\n")
    write(corpus, "news/2015/09/01/a-later-page.md", event_text(date="2015-09-01", title="Listed later."))
    whole = tmp_path / "whole.db"
    build(corpus, whole, workers=1)
    for size, workers in ((1, 2), (7, 2), (50, 1)):
        monkeypatch.setattr(builder, "MIN_CHUNK_FILES", size)
        monkeypatch.setattr(builder, "MAX_CHUNK_FILES", size)
        chunked = tmp_path / f"chunked-{size}.db"
        build(corpus, chunked, workers=workers)
        assert dump(chunked) == dump(whole), (size, workers)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            ["corpus", "whole.db"] + [f"chunked-{s}.db" for s in (1, 7, 50) if s <= size])  # no shard left
    assert rows(whole, "SELECT category FROM events WHERE path = '/news/2015/09/01/a-later-page.md'") == [("Sports",)]


def test_stale_shards_of_a_killed_build_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    leftovers = [tmp_path / f".news.db.{pid}.tmp", tmp_path / f".news.db.{pid}.shard3.tmp"]
    others = [tmp_path / f".news.db.5.{pid}.tmp", tmp_path / f".news.db.{os.getppid()}.shard1.tmp"]
    for leftover in leftovers + others:  # a build of news.db.5, and one whose process is alive: not ours
        leftover.write_bytes(b"partial")
    build(SAMPLE_DIR, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["news.db", *(p.name for p in others)])


def test_a_target_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    fifo, directory, link = tmp_path / "fifo.db", tmp_path / "dir.db", tmp_path / "link.db"
    os.mkfifo(fifo)
    directory.mkdir()
    link.symlink_to(fifo)
    for target, kind in ((fifo, "a FIFO"), (directory, "a directory"), (link, "a FIFO")):
        with pytest.raises(BuildFailed) as refused:
            build(SAMPLE_DIR, target)
        assert str(refused.value) == f"will not replace {target.resolve()}: it is {kind}, not a database file"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and list(directory.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.db", "fifo.db", "link.db"]  # nothing written
    # a symlink to a regular file is fine: the file it names is replaced, the link stays
    real = tmp_path / "real.db"
    real.write_bytes(b"old")
    link.unlink()
    link.symlink_to(real)
    assert build(SAMPLE_DIR, link).events == 133
    assert link.is_symlink() and rows(real, "SELECT count(*) FROM events") == [(133,)]


def test_a_read_only_target_needs_force_and_stays_read_only(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"old")
    target.chmod(0o444)
    with pytest.raises(BuildFailed) as refused:
        build(SAMPLE_DIR, target)
    assert str(refused.value) == f"will not replace {target.resolve()}: it is read-only (--force replaces it)"
    assert target.read_bytes() == b"old"
    assert build(SAMPLE_DIR, target, force=True).events == 133
    assert rows(target, "SELECT count(*) FROM events") == [(133,)]
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.db"]


def test_a_replaced_database_keeps_its_permission_bits(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"old")
    target.chmod(0o640)
    build(SAMPLE_DIR, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert rows(target, "SELECT count(*) FROM events") == [(133,)]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_a_replaced_database_keeps_its_owner_and_group(tmp_path: Path) -> None:
    target = tmp_path / "news.db"
    target.write_bytes(b"old")
    os.chown(target, 1234, 5678)
    build(SAMPLE_DIR, target)
    assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    target = (tmp_path / "nope" / "news.db").resolve()
    with pytest.raises(BuildFailed) as refused:
        build(SAMPLE_DIR, target)
    assert str(refused.value) == f"cannot write {target}: the directory {target.parent} does not exist"
    plain = tmp_path / "plain"
    plain.write_text("not a directory")
    with pytest.raises(BuildFailed) as refused:
        build(SAMPLE_DIR, plain / "news.db")
    assert str(refused.value) == f"cannot write {(plain / 'news.db').resolve()}: {plain.resolve()} is not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain"]


def test_story_names_in_titles_are_evidence_for_context_lists(corpus_dir: Path, tmp_path: Path) -> None:
    # "Hurricane Harvey" is only ever followed by "Texas" in lists, like a city; the title shows it alone.
    link = "1. [ Other ](/news/2017/8/30/other.md) _Context: Hurricane Harvey, Texas_"
    write(corpus_dir, "news/2017/08/29/flood.md", event_text(
        date="2017-08-29", title="Hurricane Harvey. Houston floods.", body="Houston floods.", related=link))
    target = tmp_path / "out.db"
    build(corpus_dir, target)
    assert rows(target, "SELECT name FROM contexts ORDER BY name") == [("Hurricane Harvey",), ("Texas",)]
