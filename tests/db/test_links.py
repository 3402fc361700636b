"""The link parser on the corpus's sloppy cases (our own parser: it must prove itself here)."""

from __future__ import annotations

import pytest

from db.links import context_text, list_item, parse_link


def test_plain_link() -> None:
    link = parse_link("[BBC](http://www.bbc.co.uk/news/world-34193767)")
    assert link is not None
    assert (link.text, link.url, link.tail) == ("BBC", "http://www.bbc.co.uk/news/world-34193767", "")


def test_spaces_inside_brackets_are_trimmed() -> None:
    link = parse_link("[ Title of the other event ](/news/2015/9/3/slug.md) _Context: Syria_")
    assert link is not None
    assert link.text == "Title of the other event"
    assert link.url == "/news/2015/9/3/slug.md"
    assert context_text(link.tail) == "Syria"


@pytest.mark.parametrize(
    ("item", "text"),
    [
        ("[Battle [of] Aleppo](/news/2016/12/7/a.md)", "Battle [of] Aleppo"),
        ("[Unbalanced ] bracket](/news/2016/12/7/a.md)", "Unbalanced ] bracket"),
        ("[Unbalanced [ bracket](/news/2016/12/7/a.md)", "Unbalanced [ bracket"),
        ("[[Nested]](/news/2016/12/7/a.md) _Context: A_", "[Nested]"),
        ("[Has ](fake) inside](/news/2016/12/7/a.md)", "Has ](fake) inside"),
    ],
)
def test_brackets_in_link_text(item: str, text: str) -> None:
    link = parse_link(item)
    assert link is not None
    assert link.text == text
    assert link.url == "/news/2016/12/7/a.md"


@pytest.mark.parametrize(
    "url",
    [
        "https://en.wikipedia.org/wiki/War_in_Somalia_(2009–present)",
        "https://example.org/a_(b)_(c)",
        "https://example.org/a_(b_(nested))",
    ],
)
def test_parentheses_in_urls(url: str) -> None:
    link = parse_link(f"[Wiki]({url})")
    assert link is not None and link.url == url
    with_tail = parse_link(f"[Wiki]({url}) _Context: Somalia, War in Somalia (2009–present)_")
    assert with_tail is not None and with_tail.url == url
    assert context_text(with_tail.tail) == "Somalia, War in Somalia (2009–present)"


def test_angle_bracket_destination_may_hold_spaces() -> None:
    link = parse_link("[Doc](<https://example.org/a b>)")
    assert link is not None and link.url == "https://example.org/a b"


@pytest.mark.parametrize("item", ["no link here", "[unclosed](http://x", "[text] (http://x)", ""])
def test_not_a_link(item: str) -> None:
    assert parse_link(item) is None


def test_list_items() -> None:
    assert list_item("1. [a](b)") == "[a](b)"
    assert list_item("12) [a](b)") == "[a](b)"
    assert list_item("- [a](b)") == "[a](b)"
    assert list_item("plain text") is None


def test_context_tail_variants() -> None:
    assert context_text("_Context: Las Vegas, Nevada, United States_") == "Las Vegas, Nevada, United States"
    assert context_text("*Context: A*") == "A"
    assert context_text("_Contexts:  A, B _") == "A, B"
    assert context_text("something else") is None


def test_long_adversarial_line_is_fast() -> None:
    item = "[" + "](" * 20000 + "x"
    assert parse_link(item) is None
