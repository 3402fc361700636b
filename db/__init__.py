"""Corpus parser and SQLite builder: markdown files in, one self-describing SQLite file out.

Flow: ``corpus`` walks the files -> ``parse`` turns each into a record (``models``) ->
``build`` writes rows (``tables`` declares them; ``rows`` holds the statements every build writes
with; ``ids`` gives each row the id every build gives it; ``shard`` is a worker's part, ``target``
the temporary file renamed over the target; ``incremental`` redoes only the changed days of the
previous file, in a copy; ``facets`` and ``rollups``, the statistics both builds keep) -> ``sql``
and ``filters``, the SQL vocabulary both executors of the API share -> ``read``, the read-only side
the API uses. ``errors`` draws every error class. ``db``
never imports ``gql``.
"""

from __future__ import annotations

SCHEMA_VERSION = 3

__all__ = ["SCHEMA_VERSION"]
