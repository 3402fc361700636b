"""db.corpus: the survey keeps day folders, not files; chunks list each day when they reach it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.corpus import READ_SIZE, CorpusFile, read_bytes, walk
from db.errors import CorpusNotFound
from tests.support.corpus_files import event_text, write


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write(root, "news/2015/9/2/b.md", event_text(date="2015-09-02", title="B."))
    write(root, "news/2015/09/02/a.md", event_text(date="2015-09-02", title="A."))  # the same day, spelled padded
    write(root, "news/2015/09/02/index.md", "# 2015-09-02\n")
    write(root, "news/2015/09/01/z.md", event_text(date="2015-09-01", title="Z."))
    write(root, "news/2016/01/01/c.md", event_text(date="2016-01-01", title="C."))
    write(root, "notes/readme.md", "not an event\n")
    return root


def names(chunks: list[list[CorpusFile]]) -> list[list[str]]:
    return [[item.relative for item in chunk] for chunk in chunks]


def test_build_order_in_runs_of_whole_days(corpus: Path) -> None:
    survey = walk(corpus)
    assert survey.files == 6 and [day for day, _ in survey.days] == [(2015, 9, 1), (2015, 9, 2), (2016, 1, 1)]
    assert names(list(survey.chunks(2))) == [
        ["news/2015/09/01/z.md", "news/2015/09/02/index.md", "news/2015/09/02/a.md", "news/2015/9/2/b.md"],
        ["news/2016/01/01/c.md"],
        ["notes/readme.md"],  # files outside day folders come last
    ]
    assert names(list(survey.chunks(100)))[0][-1] == "news/2016/01/01/c.md"


def test_a_day_folder_gone_since_the_survey_is_said_not_fatal(corpus: Path) -> None:
    survey = walk(corpus)
    shutil.rmtree(corpus / "news/2015/09/01")
    [first, *_] = list(survey.chunks(100))
    assert first[0].relative == "news/2015/09/01" and (first[0].skip_reason or "").startswith("folder unreadable")
    assert [item.relative for item in first[1:3]] == ["news/2015/09/02/index.md", "news/2015/09/02/a.md"]


def test_no_markdown_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "c", "news/2015/09/01/a.txt", "x")
    with pytest.raises(CorpusNotFound):
        walk(tmp_path / "c")


@pytest.mark.parametrize("size", [0, 1, READ_SIZE - 1, READ_SIZE, READ_SIZE + 1, 3 * READ_SIZE + 7])
def test_files_are_read_whole_at_any_size(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    (tmp_path / "f.md").write_bytes(data)
    assert read_bytes(str(tmp_path), CorpusFile("f.md")) == data
