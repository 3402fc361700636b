"""Every table, index and full-text index of the database, declared in one place.

The file must stand alone in datasette or sqlite3: foreign keys are declared, FTS5 is set up
the way sqlite-utils creates it (so both tools detect it), and ``meta`` says what built it.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlite_utils
from sqlite_utils.db import DescIndex

from . import SCHEMA_VERSION

TABLES: dict[str, dict[str, type]] = {
    "events": {
        "id": int, "path": str, "date": str, "year": int, "slug": str, "title": str,
        "story": str, "body": str, "category": str, "context_names": str, "file": str,
        "source_count": int, "related_count": int,
    },
    "sources": {"id": int, "event_id": int, "position": int, "name": str, "url": str, "domain": str},
    "contexts": {"id": int, "name": str, "event_count": int},
    "event_contexts": {"event_id": int, "context_id": int},
    "related": {
        "id": int, "event_id": int, "position": int, "target_path": str, "target_id": int,
        "title": str, "context_text": str,
    },
    "related_contexts": {"related_id": int, "context_id": int, "position": int},
    "days": {"date": str, "event_count": int},
    # The whole archive's facets that no other table counts (``db.facets``): events per publisher, domain, category.
    "facet_counts": {"facet": str, "value": str, "count": int},
    # The facets of each big scope (``db.rollups``): a context, a category, a month, as ``scope`` ``kind:key``.
    "facet_rollups": {"scope": str, "facet": str, "value": str, "count": int},
    "meta": {"key": str, "value": str},
    "build_errors": {"id": int, "file": str, "line": int, "severity": str, "reason": str},
    # What the next build reads to redo only what changed (``db.incremental``): every corpus file as
    # found, every distinct raw context list with its split, story names, day pages' other-day listings.
    "build_files": {"file": str, "day": str, "place": int, "size": int, "mtime_ns": int, "digest": str},
    "build_lists": {"text": str, "links": int, "names": str},
    "build_stories": {"name": str, "events": int},
    "build_elsewhere": {"day": str, "place": int, "path": str, "category": str},
    "build_days": {"day": str, "digest": str},
    # The history of the file: each build, and what it changed against the file it replaced.
    "builds": {"id": int, "built_at": str, "fingerprint": str, "kind": str, "parsed_files": int, "events": int,
               "added": int, "changed": int, "removed": int},
    "event_changes": {"build_id": int, "path": str, "change": str},
}

NOT_NULL = {
    "events": {"path", "date", "year", "slug", "title", "body", "file"},
    "sources": {"event_id", "position", "name", "url"},
    "contexts": {"name"},
    "event_contexts": {"event_id", "context_id"},
    "related": {"event_id", "position", "target_path", "title"},
    "related_contexts": {"related_id", "context_id", "position"},
    "days": {"event_count"},
    "facet_counts": {"facet", "value", "count"},
    "facet_rollups": {"scope", "facet", "value", "count"},
    "meta": {"value"},
    "build_errors": {"file", "severity", "reason"},
    "build_files": {"file", "place", "size", "mtime_ns", "digest"},
    "build_lists": {"links", "names"},
    "build_stories": {"events"},
    "build_elsewhere": {"day", "place", "path", "category"},
    "build_days": {"digest"},
    "builds": {"built_at", "fingerprint", "kind", "parsed_files", "events", "added", "changed", "removed"},
    "event_changes": {"path", "change"},
}

PRIMARY_KEYS = {
    "events": "id", "sources": "id", "contexts": "id", "related": "id", "meta": "key", "days": "date",
    "facet_counts": ("facet", "value"), "facet_rollups": ("scope", "facet", "value"),
    "build_errors": "id", "event_contexts": ("event_id", "context_id"),
    "related_contexts": ("related_id", "position"),
    "build_files": ("day", "place"), "build_lists": "text", "build_stories": "name",
    "build_elsewhere": ("day", "place"), "build_days": "day", "builds": "id", "event_changes": ("build_id", "path"),
}

FOREIGN_KEYS = {
    "sources": [("event_id", "events", "id")],
    "event_contexts": [("event_id", "events", "id"), ("context_id", "contexts", "id")],
    "related": [("event_id", "events", "id"), ("target_id", "events", "id")],
    "related_contexts": [("related_id", "related", "id"), ("context_id", "contexts", "id")],
    "event_changes": [("build_id", "builds", "id")],
}

# (table, columns, unique): one per lookup the API makes; EXPLAIN QUERY PLAN tests keep them honest.
INDEXES: list[tuple[str, list[str], bool]] = [
    ("events", ["path"], True),
    ("events", ["date"], False),
    ("events", ["category", "id"], False),
    ("sources", ["event_id", "position"], True),
    ("sources", ["domain", "event_id"], False),
    ("sources", ["name", "event_id"], False),
    ("contexts", ["name"], True),
    ("contexts", ["event_count"], False),
    ("event_contexts", ["context_id", "event_id"], True),
    ("related", ["event_id", "position"], True),
    ("related", ["target_id", DescIndex("event_id"), "position"], False),  # backlinks, newest citing event first
    ("build_files", ["file"], False),  # an event's file, for what changed (``db.incremental``)
]

FTS_COLUMNS = ["title", "body", "context_names"]


#: Tables only ever read by a prefix of their primary key: stored in its order, with no rowid and no
#: second copy of the key (``facet_rollups``: half the size, and a scope's rows are one run of pages).
WITHOUT_ROWID = {"facet_rollups"}


def create_tables(db: sqlite_utils.Database) -> None:
    """Create every table (empty) with keys and constraints; indexes come after the bulk load."""
    for name, columns in TABLES.items():
        if name in WITHOUT_ROWID:
            db.execute(db.create_table_sql(name, columns, pk=PRIMARY_KEYS[name], not_null=NOT_NULL.get(name, set()))
                       .rstrip().removesuffix(";") + " WITHOUT ROWID")
            continue
        db[name].create(  # type: ignore[union-attr]
            columns,
            pk=PRIMARY_KEYS[name],
            not_null=NOT_NULL.get(name, set()),
            foreign_keys=FOREIGN_KEYS.get(name, []),
        )


def create_index(db: sqlite_utils.Database, table: str, columns: list[str], unique: bool = False) -> None:
    """One lookup index, under the name sqlite-utils gives it; a no-op if it is already there."""
    db[table].create_index(columns, unique=unique, if_not_exists=True)  # type: ignore[union-attr]


def create_lookup_indexes(db: sqlite_utils.Database, among: Collection[tuple[str, list[str]]] | None = None) -> None:
    """Create every lookup index not there yet (an incremental build adds those declared since the file was built);
    ``among``: only those of these (table, columns)."""
    for table, columns, unique in INDEXES:
        if among is None or (table, columns) in among:
            create_index(db, table, columns, unique)


def create_search_index(db: sqlite_utils.Database) -> None:
    """Create the full-text index of the events, once their rows are in."""
    db["events"].enable_fts(FTS_COLUMNS, tokenize="porter unicode61 remove_diacritics 2")  # type: ignore[union-attr]


def meta_rows(values: dict[str, object]) -> list[dict[str, str]]:
    """``meta`` rows from plain values, with the schema version always present."""
    merged = {"schema_version": SCHEMA_VERSION, **values}
    return [{"key": key, "value": str(value)} for key, value in merged.items()]
