"""The statements that write rows, shared by a full build (``db.build``) and an incremental one
(``db.incremental``): a shard's rows copied in, a list's contexts, the problems found, and what is
derived from the rows (an event's contexts and their names, the days). A derived statement has
``{where}``, a condition on the rows it derives for: ``1`` for all of them in a full build, the
redone ones in an incremental build. One definition each, so both builds mean the same.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .facets import counts
from .models import Issue

#: Each event's own contexts: the union of those on its links (events ``r.event_id`` holding ``{where}``).
EVENT_CONTEXTS = (
    "INSERT OR IGNORE INTO event_contexts (event_id, context_id)"
    " SELECT r.event_id, rc.context_id FROM related r JOIN related_contexts rc ON rc.related_id = r.id"
    " WHERE {where} ORDER BY r.event_id, rc.context_id"
)
#: Each event's context names, ``; ``-joined by name, for the search index (events holding ``{where}``).
CONTEXT_NAMES = (
    "UPDATE events SET context_names = (SELECT group_concat(name, '; ') FROM"
    " (SELECT c.name FROM event_contexts ec JOIN contexts c ON c.id = ec.context_id"
    "  WHERE ec.event_id = events.id ORDER BY c.name)) WHERE {where}"
)
#: Events per day, for the days whose ``date`` holds ``{where}``.
DAYS = "INSERT INTO days (date, event_count) SELECT date, count(*) FROM events WHERE {where} GROUP BY date"


def add_facet_counts(conn: sqlite3.Connection, ids: str, sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) the facets of the events ``ids`` (a query) to ``facet_counts``;
    a count of 0 goes. A full build adds every event's, an incremental one each redone day's, old and new."""
    conn.execute(f"INSERT INTO facet_counts (facet, value, count) SELECT facet, value, {int(sign)} * count"
                 f" FROM ({counts(ids)}) WHERE true"
                 " ON CONFLICT (facet, value) DO UPDATE SET count = count + excluded.count")
    conn.execute("DELETE FROM facet_counts WHERE count <= 0")

@contextmanager
def _attached(conn: sqlite3.Connection, shard: str) -> Iterator[None]:
    """One transaction with ``shard`` attached as ``shard``."""
    conn.execute("ATTACH DATABASE ? AS shard", (shard,))
    try:
        conn.execute("BEGIN")
        yield
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE shard")


def merge_events(conn: sqlite3.Connection, shard: str) -> None:
    """Append one shard's events, sources and files (their ids are final: ``db.ids``)."""
    with _attached(conn, shard):
        conn.execute(
            "INSERT INTO events (id, path, date, year, slug, title, story, body, category, file, source_count,"
            " related_count) SELECT id, path, date, year, slug, title, story, body, category, file,"
            " source_count, related_count FROM shard.events ORDER BY id"
        )
        conn.execute("INSERT INTO sources (id, event_id, position, name, url, domain)"
                     " SELECT id, event_id, position, name, url, domain FROM shard.sources ORDER BY id")
        conn.execute("INSERT INTO build_files SELECT * FROM shard.build_files")


def merge_related(conn: sqlite3.Connection, shard: str) -> None:
    """Append one shard's links, resolved to event ids on the way in (every event is in by now); delete it.

    One join as rows go in costs a fraction of an ``UPDATE`` rewriting every link afterwards.
    """
    try:
        with _attached(conn, shard):
            conn.execute(
                "INSERT INTO related (id, event_id, position, target_path, target_id, title, context_text)"
                " SELECT r.id, r.event_id, r.position, r.target_path, e.id, r.title, r.context_text"
                " FROM shard.related r LEFT JOIN main.events e ON e.path = r.target_path ORDER BY r.id"
            )
    finally:
        Path(shard).unlink(missing_ok=True)


#: Pages that list events of other days (rare) give a category to those without one from their own
#: day's page: the first such listing in corpus order.
ELSEWHERE_CATEGORIES = (
    "UPDATE events SET category = (SELECT o.category FROM build_elsewhere o WHERE o.path = events.path"
    " ORDER BY o.day, o.place LIMIT 1) WHERE category IS NULL AND {where}"
    " AND path IN (SELECT path FROM build_elsewhere)"
)


#: One encoder for every list: ``json.dumps(..., ensure_ascii=False)`` makes one per call (91,520 at 10^6).
_ENCODE_NAMES = json.JSONEncoder(ensure_ascii=False).encode


def list_names(names: tuple[str, ...]) -> str:
    """How ``build_lists`` stores a list's split: its names as a JSON array."""
    return _ENCODE_NAMES(names)


def insert_contexts(conn: sqlite3.Connection, segmented: dict[str, tuple[str, ...]], ids: dict[str, int],
                    links: str = "related") -> None:
    """The contexts of every raw list in ``segmented`` (``ids``: each name's id) that are not in yet,
    and each link's contexts in order, for the links of the table ``links``."""
    conn.executemany("INSERT OR IGNORE INTO contexts (id, name) VALUES (?, ?)",
                     sorted({(ids[name], name) for parts in segmented.values() for name in parts}))
    conn.execute("CREATE TEMP TABLE text_contexts (text TEXT, position INTEGER, context_id INTEGER)")
    conn.executemany(
        "INSERT INTO temp.text_contexts VALUES (?, ?, ?)",
        ((text, position, ids[name]) for text, parts in segmented.items() for position, name in enumerate(parts, 1)),
    )
    conn.execute("CREATE INDEX temp.idx_text_contexts ON text_contexts (text)")
    conn.execute(
        "INSERT INTO related_contexts (related_id, context_id, position)"
        f" SELECT r.id, t.context_id, t.position FROM {links} r"
        " JOIN temp.text_contexts t ON t.text = r.context_text"
    )
    conn.execute("DROP TABLE temp.text_contexts")


def insert_issues(conn: sqlite3.Connection, issues: list[Issue]) -> None:
    """The problems found in the corpus, into ``build_errors``."""
    conn.executemany(
        "INSERT INTO build_errors (file, line, severity, reason) VALUES (?, ?, ?, ?)",
        ((i.file, i.line, "skipped" if i.fatal else "warning", i.reason) for i in issues),
    )
