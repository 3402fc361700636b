"""Opaque cursors and global ids: base64 of ``kind:value``, checked strictly on the way in."""

from __future__ import annotations

import base64
import binascii

from .errors import UserError
from .limits import MAX_CURSOR_CHARS


def encode(kind: str, value: int | str) -> str:
    """``kind:value`` as unpadded URL-safe base64 (also SQL's ``gql_id`` in the compiled path)."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode(text: str, kinds: tuple[str, ...], what: str = "cursor") -> tuple[str, int]:
    """Return (kind, integer value); raise UserError naming what was wrong."""
    if len(text) > MAX_CURSOR_CHARS:
        raise UserError(f"invalid {what}: too long")
    try:  # strictly: one spelling per cursor (no stray characters, padding, signs or leading zeros)
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True).decode("ascii")
        kind, _, value = raw.partition(":")
        number = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise UserError(f"invalid {what}: {text[:40]!r}") from None
    if value != str(number) or "=" in text or encode(kind, number) != text:
        raise UserError(f"invalid {what}: {text[:40]!r}")
    if kind not in kinds or not 0 <= number < 2**63:
        raise UserError(f"invalid {what}: {text[:40]!r} does not belong here")
    return kind, number


def node_id(kind: str, value: int) -> str:
    """The global id of a ``kind`` (a GraphQL type name) row: what ``node(id:)`` takes."""
    return encode(kind, value)
