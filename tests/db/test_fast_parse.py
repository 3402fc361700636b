"""The parser's fast paths (a whole event file in one regex, usual related items and day page entries,
plain URL hosts) must give exactly what the general line-by-line parser gives, on every file we have
and on generated ones built from the characters that make the format tricky."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from db import parse
from db.models import ParsedFile
from db.sample import SAMPLE_DIR
from tests.support.hostile import make_corpus

NEVER = re.compile(r"(?!)")
FAST_PATHS = ("_TYPICAL_EVENT", "_TYPICAL_RELATED", "_TYPICAL_SOURCE", "_TYPICAL_ENTRY", "_PLAIN_HOST")
BOUNDED = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))


def both(files: list[tuple[str, bytes]]) -> tuple[list[ParsedFile], list[ParsedFile]]:
    """(fast, general) results for the same files: the general one with every fast path switched off."""
    fast = [parse.parse_file(name, data) for name, data in files]
    with pytest.MonkeyPatch.context() as patch:
        for name in FAST_PATHS:
            patch.setattr(parse, name, NEVER)
        parse._day_folder.cache_clear()
        general = [parse.parse_file(name, data) for name, data in files]
    return fast, general


def corpus_files(root: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            try:
                yield path.relative_to(root).as_posix(), path.read_bytes()
            except OSError:
                continue


def test_sample_and_hostile_corpus_agree(tmp_path: Path) -> None:
    files = list(corpus_files(SAMPLE_DIR)) + list(corpus_files(make_corpus(tmp_path / "hostile").root))
    fast, general = both(files)
    assert fast == general
    typical = [f for f in files if not f[0].endswith("index.md") and parse._TYPICAL_EVENT.fullmatch(f[1].decode(
        "utf-8", "replace"))]
    assert len(typical) > 100  # the fast path is really taken


PIECES = ["#", "##", "### ", " ", "\t", "\x1c", "\u2028", "\u00a0", "[", "]", "(", ")", "](", "_", "*", "<", ">",
          "\\", "Context: ", "Contexts:", ", ", "/news/", "2016/12/07/", "2016/2/30/", "2016/1/4/", "x.md", ".md",
          "slug", "1. ", "2) ", "12345678901. ", "- ", "http://", "HTTPS://", "www.", "Ex-ample.COM", ":80", "@",
          "?q", "#frag", "a", "Title. ", "2016-12-14", "2016-12-7", "](/news/", "](/news/2016/12/7/y.md)"]
line = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
lines = st.lists(line, max_size=4).map("\n".join)


@st.composite
def event_files(draw: st.DrawFn) -> str:
    """Mostly the usual shape, with generated text (and sometimes a generated line) in every part."""
    heading = draw(st.sampled_from(["### [2016-12-14](/news/2016/12/14/index.md)\n", "### [2016-12-15]\n", "",
                                    "## [2016-12-14]\n", "### [2016-12-14] x\n"]))
    blank = draw(st.sampled_from(["\n", "", "\n\n", " \n"]))
    title = draw(st.sampled_from(["# ", "#", "#  ", "## "])) + draw(line)
    body = draw(lines)
    source_head = draw(st.sampled_from(["### Source:", "### Sources:", "## Source", "### Source: "]))
    sources = draw(st.lists(st.one_of(line, line.map(lambda s: f"1. [{s}](http://www.{s}.com/x)")), max_size=3))
    related_items = st.one_of(line, st.tuples(line, line, line).map(
        lambda t: f"1. [{t[0]}](/news/2016/12/7/{t[1]}.md) _Context: {t[2]}_"))
    related = draw(st.lists(related_items, max_size=4))
    end = draw(st.sampled_from(["\n", "", "\n\n"]))
    return (f"{heading}{blank}{title}\n{body}\n{source_head}\n" + "\n".join(sources) + "\n### Related:\n"
            + "\n".join(related) + end)


@BOUNDED
@given(text=event_files())
@example(text="# T\n### Source:\n### Related:\n1. [a](/news/2016/12/7/x.md) _Context: b](/news/c_\n")
@example(text="# T\n### Source:\n### Related:\n1. [t](/news/2016/1/1/x.md) _Context: a](b)_\n"
              "2. [u](/news/2016/1/2/y.md) _Context: a](/news/2016/1/3/z.md)_\n")  # a later "](" is the link
def test_generated_event_files_agree(text: str) -> None:
    fast, general = both([("news/2016/12/14/slug.md", text.encode("utf-8"))])
    assert fast == general


@BOUNDED
@given(items=st.lists(st.one_of(line, st.tuples(line, st.sampled_from(["2016/12/7/", "2016/2/30/", "x/"]), line).map(
    lambda t: f"1. [{t[0]}](/news/{t[1]}{t[2]}.md)")), max_size=5), heading=st.sampled_from(["## Sports", "##", "# A"]))
def test_generated_day_pages_agree(items: list[str], heading: str) -> None:
    text = f"# 2016-12-14\n\n{heading}\n\n" + "\n".join(items)
    fast, general = both([("news/2016/12/14/index.md", text.encode("utf-8"))])
    assert fast == general


def reference_domain(url: str) -> str | None:
    """``domain_of`` with its shortcut switched off: urlsplit for every URL."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_PLAIN_HOST", NEVER)
        return parse.domain_of(url)


@BOUNDED
@given(url=st.lists(st.sampled_from(["http", "HTTPS", "ftp", "a+b", "1x", "://", ":", "//", "/", "www.", "WWW.",
                                     "Example", ".", "-", "com", "@", "[", "]", "::1", "?", "#", "%", "\n", "\t",
                                     " ", "\x01", "é", "\u00a0", "80"]), max_size=10).map("".join))
def test_plain_hosts_are_what_urlsplit_finds(url: str) -> None:
    assert parse.domain_of(url) == reference_domain(url)
