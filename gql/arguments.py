"""What a search box sends, turned into an FTS5 expression that cannot be a syntax error."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)


def plain_match(text: str) -> str | None:
    """User words -> an FTS5 expression that cannot be a syntax error: every word quoted.

    None when the text has no words at all: nothing can match, so the answer is empty.
    """
    words = _WORD.findall(text)[:32]
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"  # the last word may be typed in part, as in a search box
    return " ".join(quoted)
