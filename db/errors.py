"""Domain errors of the builder, each carrying the fields a user needs to find the problem.

    NewsDbError
     ├── CorpusError      one file could not be read or parsed (file, line, reason)
     ├── CorpusNotFound   the corpus directory is missing or holds no markdown
     ├── BuildFailed      the build stopped; the previous database is untouched
     ├── DatabaseError    a database file is missing, unreadable or of another schema
     ├── QueryTimeout     a statement ran past the request's deadline and was interrupted
     ├── SearchSyntaxError  an FTS5 expression SQLite could not parse (advanced search)
     └── PathError        a text is not an event path, or its date does not exist (also a ValueError)
"""

from __future__ import annotations


class NewsDbError(Exception):
    """Base class for every error the ``db`` package raises on purpose."""


class CorpusError(NewsDbError):
    """A problem in one corpus file; ``line`` is 1-based, or None for the whole file."""

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        super().__init__(file, reason, line)
        self.file = file
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


class CorpusNotFound(NewsDbError):
    """The corpus directory does not exist or contains no markdown files."""


class BuildFailed(NewsDbError):
    """The build could not finish; the target database was left as it was."""


class DatabaseError(NewsDbError):
    """The database file cannot be served: missing, unreadable, or built by another schema."""


class QueryTimeout(NewsDbError):
    """A statement ran past the request's deadline and was interrupted."""

    MESSAGE = "the query ran past its time limit and was stopped"

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class SearchSyntaxError(NewsDbError):
    """An FTS5 expression SQLite could not parse (only possible in advanced search)."""


class PathError(NewsDbError, ValueError):
    """The text is not an event path, or its date does not exist."""
