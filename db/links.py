"""Markdown inline links as the corpus writes them, parsed from the right.

A general CommonMark parser rejects what this corpus does all the time (unbalanced brackets in
titles, sloppy spaces) and re-interprets ``*``/``_`` in titles as emphasis. Our lines have one
shape: ``[text](destination) optional tail``. So we take the *last* ``](`` whose destination
parses (balanced parentheses, or ``<...>``), which makes brackets inside the text harmless and
keeps parentheses inside URLs. Work per line is bounded (a few candidates, URLs of at most
4,096 characters), so a hostile line cannot make the parse quadratic. Proven on those cases in ``tests/test_links.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTEXT_TAIL = re.compile(r"^[_*]{1,2}\s*Contexts?\s*:\s*(?P<names>.*?)\s*[_*]{1,2}$", re.S)
MAX_CANDIDATES = 8  # "](" positions tried from the right; real lines have one to three
MAX_URL_CHARS = 4096
_ITEM = re.compile(r"^\s{0,3}(?:\d{1,9}[.)]|[-*+])\s+(?P<rest>.*)$")


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str
    tail: str


def list_item(line: str) -> str | None:
    """The content of a numbered or bulleted list item, or None if the line is not one."""
    match = _ITEM.match(line)
    return match["rest"] if match else None


def parse_link(item: str) -> Link | None:
    """Parse ``[text](url) tail``; return None when the item holds no link."""
    item = item.strip()
    if not item.startswith("["):
        return None
    pos = item.rfind("](")
    for _ in range(MAX_CANDIDATES):
        if pos <= 0:
            break
        end = _destination_end(item, pos + 2)
        if end is not None:
            url = item[pos + 2 : end]
            if url.startswith("<") and url.endswith(">"):
                url = url[1:-1]
            return Link(text=item[1:pos].strip(), url=url.strip(), tail=item[end + 1 :].strip())
        pos = item.rfind("](", 0, pos)
    return None


_PLAIN = r"(?:[^\s()\\]|\\.)"
# A destination: <anything but '>'>, or text without spaces whose parentheses balance (three
# levels deep, which covers every real URL); each alternative starts with a distinct character,
# so matching is linear.
_NEST3 = rf"\({_PLAIN}*\)"
_NEST2 = rf"\((?:{_PLAIN}|{_NEST3})*\)"
_NEST1 = rf"\((?:{_PLAIN}|{_NEST2})*\)"
_SPECIAL = re.compile(r"[\s()\\<]")
_DESTINATION = re.compile(rf"(?:<[^>\n]*>|(?:{_PLAIN}|{_NEST1})*)\)")


def _destination_end(item: str, start: int) -> int | None:
    """Index of the ``)`` closing a destination that starts at ``start``, or None."""
    close = item.find(")", start)
    if close != -1 and close - start <= MAX_URL_CHARS and not _SPECIAL.search(item, start, close):
        return close  # the common case: no parentheses, spaces, escapes or <> inside the URL
    match = _DESTINATION.match(item, start, min(len(item), start + MAX_URL_CHARS))
    return match.end() - 1 if match else None


def context_text(tail: str) -> str | None:
    """The raw list from ``_Context: a, b_``, or None if the tail is not a context note."""
    match = _CONTEXT_TAIL.match(tail.strip())
    return match["names"].strip() if match else None
