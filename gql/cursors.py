"""Opaque cursors and global ids: base64 of ``kind:value``, checked strictly on the way in.

What a value holds is the reader's to check (``gql.arguments``): an event's canonical path
(its identity, the same in every build), a context's name, or a place in a ranking.
"""

from __future__ import annotations

import base64
import binascii

from .errors import UserError
from .limits import MAX_CURSOR_CHARS


def encode(kind: str, value: int | str) -> str:
    """``kind:value`` as unpadded URL-safe base64 (also SQL's ``gql_id`` in the compiled path)."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode(text: str, kinds: tuple[str, ...], what: str = "cursor") -> tuple[str, str]:
    """Return (kind, value); raise UserError naming what was wrong."""
    if len(text) > MAX_CURSOR_CHARS:
        raise UserError(f"invalid {what}: too long")
    try:  # strictly: one spelling per cursor (no stray characters or padding)
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise UserError(f"invalid {what}: {text[:40]!r}") from None
    kind, colon, value = raw.partition(":")
    if not colon or "=" in text or encode(kind, value) != text:
        raise UserError(f"invalid {what}: {text[:40]!r}")
    if kind not in kinds:
        raise UserError(f"invalid {what}: {text[:40]!r} does not belong here")
    return kind, value


def number(value: str, text: str, what: str = "cursor") -> int:
    """A cursor value that must be a natural number, in its one spelling (no sign, no leading zero)."""
    if not value.isascii() or not value.isdigit() or value != str(int(value)) or int(value) >= 2**63:
        raise UserError(f"invalid {what}: {text[:40]!r}")
    return int(value)


def node_id(kind: str, value: int | str) -> str:
    """The global id of a ``kind`` (a GraphQL type name) object: what ``node(id:)`` takes."""
    return encode(kind, value)
