"""One file -> one record: every trap of the corpus format, on our own hostile files."""

from __future__ import annotations

import re

import pytest

from db.models import DayPage, Event
from db.parse import parse_file
from tests.support.corpus_files import event_text

PATH = "news/2016/12/14/slug.md"


def parsed_event(text: str | bytes, path: str = PATH) -> Event:
    result = parse_file(path, text.encode() if isinstance(text, str) else text)
    assert isinstance(result.record, Event), result.issues
    return result.record


def test_fields_of_a_regular_event() -> None:
    event = parsed_event(event_text(title="Syrian civil war. Rebels withdraw.", body="Rebels withdraw."))
    assert event.path == "/news/2016/12/14/slug.md"
    assert event.date == "2016-12-14"
    assert event.title == "Syrian civil war. Rebels withdraw."
    assert event.story == "Syrian civil war"
    assert event.body == "Rebels withdraw."
    assert [(s.position, s.name, s.url, s.domain) for s in event.sources] == [
        (1, "BBC", "http://www.bbc.com/news/1", "bbc.com")
    ]
    [link] = event.related
    assert (link.position, link.target_path, link.title, link.context_text) == (
        1, "/news/2016/12/07/other.md", "Other", "Aleppo, Syria",
    )


def test_unpadded_folder_gives_the_padded_identity() -> None:
    assert parsed_event(event_text(), "news/2016/1/4/slug.md").path == "/news/2016/01/04/slug.md"


def test_crlf_and_bom() -> None:
    text = "\ufeff" + event_text().replace("\n", "\r\n")
    event = parsed_event(text.encode("utf-8"))
    assert event.title == "Story. Something happens."
    assert event.sources[0].url == "http://www.bbc.com/news/1"
    assert "\r" not in event.body


def test_non_utf8_bytes_are_kept_and_reported() -> None:
    data = event_text(title="Caf\xe9 opens.").encode("cp1252")
    result = parse_file(PATH, data)
    assert isinstance(result.record, Event)
    assert result.record.title == "Café opens."
    [issue] = result.issues
    assert not issue.fatal and "line 3" in issue.reason and "UTF-8" in issue.reason


def test_empty_and_binary_files_are_skipped_with_reason() -> None:
    for data, reason in [(b"", "empty"), (b"  \n\n", "empty"), (b"\x89PNG\x00\x00\x01", "binary")]:
        result = parse_file(PATH, data)
        assert result.record is None
        assert result.issues[0].fatal and reason in result.issues[0].reason


def test_missing_sections_give_empty_lists() -> None:
    event = parsed_event("### [2016-12-14](/news/2016/12/14/index.md)\n\n# Title only.\n\nBody.\n")
    assert event.sources == () and event.related == ()
    event = parsed_event(event_text(sources="", related=""))
    assert event.sources == () and event.related == ()


def test_missing_title_is_fatal() -> None:
    result = parse_file(PATH, b"### [2016-12-14](/x)\n\nJust a body.\n")
    assert result.record is None and "no title" in result.issues[0].reason


def test_heading_date_disagreeing_with_folder_keeps_folder_and_warns() -> None:
    result = parse_file(PATH, event_text(date="2016-12-15").encode())
    assert isinstance(result.record, Event) and result.record.date == "2016-12-14"
    assert any("disagrees" in issue.reason and issue.line == 1 for issue in result.issues)


def test_impossible_dates() -> None:
    result = parse_file("news/2015/02/30/slug.md", event_text().encode())
    assert result.record is None and "impossible date" in result.issues[0].reason
    result = parse_file(PATH, event_text(date="2016-13-45").encode())
    assert isinstance(result.record, Event)
    assert any("impossible heading date" in issue.reason for issue in result.issues)


def test_stray_files_are_not_events() -> None:
    for path in ["README.md", "news/notes.txt", "news/2016/12/slug.md", "news/2016/12/14/x.txt"]:
        result = parse_file(path, b"# Hello\n")
        assert result.record is None and "not an event file" in result.issues[0].reason


def test_link_traps_in_sources_and_related() -> None:
    event = parsed_event(event_text(
        sources="1. [ The Star [via Reuters] ](https://en.wikipedia.org/wiki/War_in_Somalia_(2009–present))\n"
                "2. not a link at all\n3. [CNN](http://cnn.com/x)",
        related="1. [ A [bracketed] title ](/news/2016/12/7/a.md) _Context: Las Vegas, Nevada, United States_\n"
                "2. [Elsewhere](https://example.org/page) _Context: X_\n"
                "3. [Bad date](/news/2016/02/31/b.md) _Context: X_",
    ))
    assert [(s.position, s.name, s.url) for s in event.sources] == [
        (1, "The Star [via Reuters]", "https://en.wikipedia.org/wiki/War_in_Somalia_(2009–present)"),
        (2, "CNN", "http://cnn.com/x"),
    ]
    assert [(r.target_path, r.title, r.context_text) for r in event.related] == [
        ("/news/2016/12/07/a.md", "A [bracketed] title", "Las Vegas, Nevada, United States"),
    ]
    result = parse_file(PATH, event_text(
        related="1. [Elsewhere](https://example.org/page) _Context: X_").encode())
    assert any(issue.line is not None and "related link skipped" in issue.reason for issue in result.issues)


def test_multi_paragraph_body() -> None:
    event = parsed_event(event_text(body="First line\ncontinues.\n\n\n\nSecond paragraph."))
    assert event.body == "First line continues.\n\nSecond paragraph."


def test_day_page_categories() -> None:
    text = (
        "# 2015-09-01\n\n## Armed conflicts and attacks\n\n1. [A](/news/2015/09/01/a.md)\n"
        "2. [B [x]](/news/2015/9/1/b.md)\n\n## Arts and culture\n\n1. [C](/news/2015/09/01/c.md)\n"
    )
    result = parse_file("news/2015/09/01/index.md", text.encode())
    assert isinstance(result.record, DayPage)
    assert result.record.categories == (
        ("/news/2015/09/01/a.md", "Armed conflicts and attacks"),
        ("/news/2015/09/01/b.md", "Armed conflicts and attacks"),
        ("/news/2015/09/01/c.md", "Arts and culture"),
    )


def test_seed_file_parses(tmp_path: object) -> None:
    from db.sample import SAMPLE_DIR

    [seed] = SAMPLE_DIR.glob("news/2016/12/14/*.md")
    event = parsed_event(seed.read_bytes(), seed.relative_to(SAMPLE_DIR).as_posix())
    assert len(event.sources) == 3 and len(event.related) == 10
    assert event.related[0].target_path.startswith("/news/2016/12/07/syrian-civil-war")
    assert event.related[0].context_text == "Aleppo, Aleppo offensive (November-December 2016)"


def test_fast_related_path_agrees_with_the_general_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Related lines of the usual shape take one regex; on every sample file and on tricky lines
    the result must equal what the general link parser makes of them."""
    from db import parse
    from db.sample import SAMPLE_DIR

    tricky = event_text(related="\n".join([
        "1. [ A [b] ](c) title ](/news/2016/12/7/a.md) _Context: Rowan County, Kentucky, Zed_",
        "2. [T](/news/2016/2/30/bad.md) _Context: X_",
        "3. [T](/news/2016/12/07/x.md)   _Context:   Spaced  ,  names _  ",
        "4. [T](/news/2016/12/07/under_score.md) _Context: A_B_",
        "5. [T](/news/2016/12/07/y.md)",
        "6. [T](/news/2016/12/07/z.md) *Context: Star*",
    ]))
    files = [(p.relative_to(SAMPLE_DIR).as_posix(), p.read_bytes()) for p in SAMPLE_DIR.rglob("*.md")]
    files.append(("news/2016/12/14/tricky.md", tricky.encode()))
    fast = [parse.parse_file(name, data) for name, data in files]
    monkeypatch.setattr(parse, "_TYPICAL_RELATED", re.compile(r"(?!)"))  # never matches
    general = [parse.parse_file(name, data) for name, data in files]
    assert fast == general
    assert len(fast[-1].record.related) == 5  # type: ignore[union-attr]
