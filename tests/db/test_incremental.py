"""An incremental build holds what a full build of the same corpus holds (issue 13, item 2), and
every build records what it changed (item 4).

Each case builds the sample, changes the corpus, builds again over the same file (incremental) and
over a copy of the first file (``--full``), and compares a canonical dump of every table
(``tests.support.dump``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from db import rollups
from db.build import build
from db.incremental import Changes
from db.sample import SAMPLE_DIR
from tests.support.corpus_files import event_text
from tests.support.dump import assert_index_whole, assert_same


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(SAMPLE_DIR, root)
    return root


def _add_day(root: Path) -> None:
    """A day after the sample's: its event is one the sample links to (13 dangling links resolve now),
    and it links back into the sample with a context no event had."""
    day = root / "news" / "2015" / "09" / "11"
    day.mkdir(parents=True)
    (day / f"{LINKED.rsplit('/', 1)[1]}").write_text(event_text(
        "2015-09-11", "European migrant crisis. A new day's event.",
        related="1. [Back](/news/2015/9/7/hungary-s-defense-minister-csaba-hende-resigns-amid-the-refugee-crisis.md)"
                " _Context: Brand new context, European migrant crisis_"))


#: The event of 2015-09-11 that 13 links of the sample point at (it is not in the sample).
LINKED = ("/news/2015/09/11/european-migrant-crisis-foreign-ministers-from-czech-republic-hungary-poland-and-"
          "slovakia-meet-with-officials-from-the-european-union-a.md")


def _edit_event(root: Path) -> None:
    path = next((root / "news" / "2015" / "09" / "03").glob("*.md"))
    if path.name == "index.md":
        path = sorted((root / "news" / "2015" / "09" / "03").glob("*.md"))[1]
    path.write_text(path.read_text().replace("\n\n", "\n\nAn edited sentence.\n\n", 1))


def _remove_day(root: Path) -> None:
    shutil.rmtree(root / "news" / "2015" / "09" / "01")


def _touch_only(root: Path) -> None:
    path = next((root / "news" / "2015" / "09" / "05").glob("*.md"))
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # mtime moved, same bytes: not a change


def _edit_day_page(root: Path) -> None:
    page = root / "news" / "2015" / "09" / "04" / "index.md"
    page.write_text(page.read_text().replace("## ", "## Renamed ", 1))


def _add_undated(root: Path) -> None:
    (root / "README.md").write_text("# Not an event\n")  # outside every day folder: said, not fatal


def _rename_in_a_day(root: Path) -> None:
    path = sorted((root / "news" / "2015" / "09" / "08").glob("*.md"))[-1]
    path.rename(path.with_name("zz-" + path.name))  # same bytes, another slug: one removed, one added


CHANGES: dict[str, Callable[[Path], None]] = {
    "add a day": _add_day, "edit an event": _edit_event, "remove a day": _remove_day,
    "touch a file": _touch_only, "edit a day page": _edit_day_page, "add an undated file": _add_undated,
    "rename in a day": _rename_in_a_day,
}


@pytest.mark.parametrize("small_scopes", [False, True], ids=["", "contexts of 2 events rolled up"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_an_incremental_build_equals_a_full_build(corpus: Path, tmp_path: Path, change: str, small_scopes: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if small_scopes:  # the sample's contexts are small: lowered, many have rollups that a change moves
        monkeypatch.setattr(rollups, "MIN_CONTEXT_EVENTS", 2)
    served, full = tmp_path / "news.db", tmp_path / "full.db"
    first = build(corpus, served, workers=1)
    assert not first.incremental and first.changes is None
    shutil.copyfile(served, full)  # the full build replaces the same first file, so both record one history
    CHANGES[change](corpus)
    second = build(corpus, served, workers=1)
    assert second.incremental, second.full_because
    again = build(corpus, full, workers=1, full=True)
    assert not again.incremental
    assert second.fingerprint == again.fingerprint != first.fingerprint or change == "touch a file"
    assert_same(served, full)
    assert_index_whole(served)
    assert second.changes == again.changes
    assert second.changes is not None
    if change == "touch a file":
        assert second.parsed == 0 and second.changes == Changes()
    if change == "add a day":
        assert second.changes == Changes(added=[LINKED])
        with sqlite3.connect(served) as conn:
            assert conn.execute("SELECT count(*) FROM related WHERE target_path = ? AND target_id ="
                                " (SELECT id FROM events WHERE path = ?)", (LINKED, LINKED)).fetchone() == (13,)
            assert conn.execute("SELECT event_count FROM contexts WHERE name = 'Brand new context'").fetchone() == (1,)
    if change == "remove a day":
        assert len(second.changes.removed) == first.events - second.events > 0
        assert second.parsed == 0
    if change == "rename in a day":
        assert len(second.changes.added) == len(second.changes.removed) == 1
    if change == "edit an event":
        assert len(second.changes.changed) == 1 and not second.changes.added and not second.changes.removed


def test_an_incremental_build_adds_the_indexes_declared_since(corpus: Path, tmp_path: Path) -> None:
    """A file built before an index was declared (here: the backlinks' one, dropped) gets it at its next build."""
    served = tmp_path / "news.db"
    build(corpus, served, workers=1)
    index = "idx_related_target_id_event_id_position"
    with sqlite3.connect(served) as conn:
        conn.execute(f"DROP INDEX {index}")
    conn.close()
    _edit_event(corpus)
    assert build(corpus, served, workers=1).incremental
    with sqlite3.connect(served) as conn:
        [(sql,)] = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchall()
    conn.close()
    assert '"event_id" desc' in sql


def _events_of(db: Path, name: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT event_count FROM contexts WHERE name = ?", (name,)).fetchone()[0])


def _rolled_up(db: Path, name: str) -> bool:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM facet_rollups WHERE scope = 'context:' ||"
                            " (SELECT id FROM contexts WHERE name = ?)", (name,)).fetchone()[0] > 0


@pytest.mark.parametrize("change", ["add a day", "remove a day"])
def test_a_context_crossing_the_threshold_gains_or_loses_its_rollup(corpus: Path, tmp_path: Path, change: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The threshold is met or not by the final counts, as a full build finds them: the incremental
    build counts a scope that became big from its events, and drops one that became small."""
    name = "European migrant crisis"
    changed = tmp_path / "changed"
    shutil.copytree(corpus, changed)
    CHANGES[change](changed)
    for root in (corpus, changed):
        build(root, tmp_path / f"{root.name}.db", workers=1)
    before, after = _events_of(tmp_path / "corpus.db", name), _events_of(tmp_path / "changed.db", name)
    assert before != after
    monkeypatch.setattr(rollups, "MIN_CONTEXT_EVENTS", max(before, after))  # met on one side only
    served, full = tmp_path / "news.db", tmp_path / "full.db"
    build(corpus, served, workers=1)
    assert _rolled_up(served, name) == (before > after)
    shutil.copyfile(served, full)
    CHANGES[change](corpus)
    assert build(corpus, served, workers=1).incremental
    build(corpus, full, workers=1, full=True)
    assert _rolled_up(served, name) == (after > before)
    assert_same(served, full)


def test_a_file_without_a_table_of_this_version_is_built_again_whole(corpus: Path, tmp_path: Path) -> None:
    """A file of this schema version made before a table was added (``facet_counts``, ...) cannot be
    brought up to date day by day: its new table would hold only the redone days."""
    served = tmp_path / "news.db"
    build(corpus, served, workers=1)
    with sqlite3.connect(served) as conn:
        conn.execute("DROP TABLE facet_counts")
    _edit_event(corpus)
    again = build(corpus, served, workers=1)
    assert not again.incremental and again.full_because == "the previous file predates the table facet_counts"
