"""One Relay connection, for every list that pages: ``totalCount``, ``edges``, ``pageInfo``.

A ``Page`` says what differs (the rows of a page, their order, an edge's fields); the page is
one CTE made when first needed, and its cursors are read from it, never by running it again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from graphql import FieldNode

from ..errors import Unsupported
from .events import Builder, event
from .facets import facets
from .json_sql import Build, flag


@dataclass(frozen=True)
class Page:
    """What one connection pages over.

    ``rows(limit)`` is the SQL of the page's rows (``columns``, an ``id`` among them) with a
    LIMIT expression; ``position`` orders them (``direction``); ``cursor`` and ``scalars`` are
    SQL over a row ``{e}``; ``earlier`` says there is a previous page; ``total`` counts every row.
    A page read ``backward`` (``last``) reads its rows from the end it stops at: one more row than
    ``first`` (its size) then says there is a previous page, and ``later`` whether there is a next.
    """

    connection: str
    edge: str
    rows: Callable[[str], str]
    columns: str
    position: str
    direction: str
    cursor: str
    earlier: str
    total: str
    first: str
    scalars: dict[str, str] = field(default_factory=dict)
    backward: bool = False
    later: str = "0"
    matched: str | None = None  # SQL of the ids of every row the connection holds: what its facets count


def connection(b: Builder, node: FieldNode, page: Page) -> str:
    """The connection's selection on ``node``."""
    rows = functools.cache(lambda: b.ctes.rows(page.columns, page.rows(page.first)))
    reverse = "ASC" if page.direction == "DESC" else "DESC"

    def edges(selection: FieldNode) -> str:
        edge = b.json.row(selection, page.edge, {"cursor": page.cursor, **page.scalars}, "p", _node(b))
        return listed(edge, f"SELECT {page.columns} FROM {rows()} ORDER BY {page.position} {page.direction}")

    def end(way: str) -> Build:
        # the row first, then its cursor: ordered as one query, SQLite made every row's cursor to sort them
        return lambda _: (f"(SELECT {page.cursor.format(e='p')} FROM (SELECT {page.columns} FROM {rows()}"
                          f" ORDER BY {page.position} {way} LIMIT 1) p)")

    more = f"(SELECT count(*) FROM ({page.rows(f'{page.first} + 1')})) > {page.first}"
    page_info = {
        "hasNextPage": lambda _: flag(page.later if page.backward else more),
        "hasPreviousPage": lambda _: flag(more if page.backward else page.earlier),
        "startCursor": end(page.direction),
        "endCursor": end(reverse),
    }
    def counted(selection: FieldNode) -> str:
        if page.matched is None:
            raise Unsupported(f"field {page.connection}.facets")
        return facets(b, selection, page.matched)

    return b.json.fields(node, page.connection, {
        "totalCount": lambda _: page.total,
        "edges": edges,
        "pageInfo": lambda selection: b.json.fields(selection, "PageInfo", page_info),
        "facets": counted,
    })


def _node(b: Builder) -> Build:
    """An edge's ``node``: the event ``e`` of the edge's row (its related events are levels read by
    their links' ids)."""

    def nested(selection: FieldNode) -> str:
        if selection.name.value == "node" and not selection.arguments:
            return event(b, selection, "e")
        raise Unsupported(f"field {selection.name.value} of an edge")

    return nested


def listed(edge: str, rows: str) -> str:
    """The JSON array of ``edge`` over a page's ``rows`` (``p``, in order), each joined to its event ``e``.

    The edge's object is built in the aggregate itself, so SQLite keeps it JSON and nothing is
    parsed again per edge; CROSS JOIN keeps the page's order as the outer loop, which is the
    order the aggregate sees.
    """
    return f"json((SELECT json_group_array({edge}) FROM ({rows}) p CROSS JOIN events e ON e.id = p.id))"
