"""Corpus parser and SQLite builder: markdown files in, one self-describing SQLite file out.

Flow: ``corpus`` walks the files -> ``parse`` turns each into a record (``models``) ->
``build`` writes rows (``tables`` declares them) -> ``read`` is the read-only side the API uses.
``db`` never imports ``gql``.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

__all__ = ["SCHEMA_VERSION"]
