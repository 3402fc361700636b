"""Event paths in any spelling: the slug read as the lazy pattern of 0.1 read it, only faster."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.paths import PathError, canonical_path, event_path, split_path

#: The pattern paths were read with before: the slug as short as lets an optional `.md` end it.
LAZY = re.compile(r"^/?(?:news/)?(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<slug>[^/]+?)(?:\.md)?/?$")


@given(st.sampled_from(["", "/", "news/", "/news/"]), st.sampled_from(["2015/9/1/", "2016/12/07/"]),
       st.text(alphabet="ab./m-d", min_size=1, max_size=12), st.sampled_from(["", "/", ".md", ".md/"]))
@settings(max_examples=400, deadline=None)
def test_the_slug_is_what_the_lazy_pattern_read(prefix: str, date: str, slug: str, suffix: str) -> None:
    path = prefix + date + slug + suffix
    before = LAZY.match(path)
    if before is None:
        with pytest.raises(PathError):
            split_path(path)
    else:
        assert split_path(path)[1] == before["slug"]


@pytest.mark.parametrize(("path", "canonical"), [
    ("news/2016/12/7/aleppo", "/news/2016/12/07/aleppo.md"),
    ("/news/2016/12/07/x.md.md", "/news/2016/12/07/x.md.md"),
    ("2015/9/1/.md", "/news/2015/09/01/.md.md"),
    ("2015/9/1/a.md/", "/news/2015/09/01/a.md"),
])
def test_canonical_paths(path: str, canonical: str) -> None:
    assert canonical_path(path) == canonical


_PIECES = st.sampled_from(["/news/", "news/", "/", "2016", "٢٠١٦", "12", "7", "07", "00", "13", "29", "30", "02",
                           "aleppo", "x y", ".md", ".md.md", "#a", "?q", " ", "-"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=9).map("".join))
def test_a_path_kept_as_it_is_is_the_one_the_parser_writes(path: str) -> None:
    """``canonical_path`` keeps a path already in the stored spelling; it is what reading it gives."""
    try:
        parsed = event_path(*split_path(path))
    except PathError:
        with pytest.raises(PathError):
            canonical_path(path)
    else:
        assert canonical_path(path) == parsed


@pytest.mark.parametrize("path", ["/news/2016/12/07/aleppo.md", "/news/2020/02/29/x y.md", "/news/2020/01/01/.md.md"])
def test_canonical_paths_are_kept(path: str) -> None:
    assert canonical_path(path) == path == event_path(*split_path(path))


def test_a_path_in_other_digits_is_rewritten() -> None:
    assert canonical_path("/news/٢٠١٦/12/07/aleppo.md") == "/news/2016/12/07/aleppo.md"
