"""Relay pages both ways: what ``first``, ``after``, ``last`` and ``before`` ask of an ordered list.

As the Relay Cursor Connections spec has it (https://relay.dev/graphql/connections.htm): the
cursors bound the list, ``first`` keeps the first edges of what is left, then ``last`` the last of
those; edges always come in the list's order. A list is read from one end, one row more than the
page keeps (that row tells whether more are left on that side): forward from ``after`` when
``first`` is given (or neither), backward from ``before`` in the reverse order when only ``last``
is, the rows then put back in order here. Whether anything lies on the other side of the cursor
the page starts from is one more lookup, made only when ``pageInfo`` asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import strawberry

from db.sql import Keyset

from ..arguments import page_size

#: What every connection's description says of its pages.
BOTH_WAYS = ("Pages both ways (Relay): `first` edges after `after`, or the `last` edges before `before`, still in "
             "this order; `first` and `last` together keep the last of the first edges.")

T = TypeVar("T")  # what a cursor holds: an event's path, a place in a ranking, a link's place
R = TypeVar("R")  # a row of the list


class Edge(Protocol):
    cursor: str


@strawberry.type(description="Where a page lies in its list (Relay). With `first`, `hasNextPage` says whether more "
                 "edges follow the page, and `hasPreviousPage` whether any edge lies at or before `after` (false "
                 "without `after`); with `last` alone, `hasPreviousPage` says whether more edges come before the "
                 "page, and `hasNextPage` whether any edge lies at or after `before` (false without `before`); with "
                 "both, whether the list between the cursors holds more than `first` (next) or `last` (previous) "
                 "edges.")
class PageInfo:
    has_next_page: bool = strawberry.field(resolver=lambda root: root._next())
    has_previous_page: bool = strawberry.field(resolver=lambda root: root._previous())
    start_cursor: str | None
    end_cursor: str | None
    _previous: strawberry.Private[Callable[[], bool]]  # looked up only when asked for
    _next: strawberry.Private[Callable[[], bool]]

    @classmethod
    def of(cls, edges: Sequence[Edge], page: Page[Any]) -> PageInfo:
        return cls(start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
                   _previous=page.previous, _next=page.next)


@dataclass(frozen=True)
class Page(Generic[R]):
    """The rows of a page, in the list's order, and whether there are pages before and after it."""

    rows: list[R]
    previous: Callable[[], bool]
    next: Callable[[], bool]


@dataclass(frozen=True)
class Window(Generic[T]):
    """A connection's page arguments, checked: the sizes and what each cursor holds (None: not given)."""

    first: int | None
    last: int | None
    after: T | None
    before: T | None

    @property
    def backward(self) -> bool:
        """Only ``last``: the page is read from ``before`` (or the end) in the reverse order."""
        return self.first is None

    @property
    def limit(self) -> int:
        """Rows to read: as many as the page may keep, and one more."""
        return max(self.first or 0, self.last or 0) + 1

    def page(self, rows: list[R], at_or_before_after: Callable[[], bool],
             at_or_after_before: Callable[[], bool]) -> Page[R]:
        """The page of ``rows`` (at most ``limit`` of them, read forward from ``after``, or backward from
        ``before`` when ``backward``). The lookups say whether any row of the list lies at or before
        the ``after`` cursor's place and at or after the ``before`` cursor's place."""
        if self.backward:
            assert self.last is not None
            return Page(rows[:self.last][::-1], previous=_known(len(rows) > self.last),
                        next=at_or_after_before if self.before is not None else _known(False))
        assert self.first is not None
        kept = rows[:self.first]
        if self.last is not None:
            kept = kept[max(0, len(kept) - self.last):]
            previous = _known(len(rows) > self.last)
        else:
            previous = at_or_before_after if self.after is not None else _known(False)
        return Page(kept, previous=previous, next=_known(len(rows) > self.first))

    def keyset_page(self, keyset: Keyset, read: Callable[[Keyset, T | None, T | None, int], list[R]],
                    reach: Callable[[Keyset, T], bool]) -> Page[R]:
        """The page of a list in a keyset order: ``read(order, after, before, limit)`` reads rows after
        one place and before another in an order (the reversed one for a page read backward),
        ``reach(order, place)`` says whether any row lies at or before the place in the order."""
        after, before = self.after, self.before
        if self.backward:
            rows = read(keyset.reversed, before, after, self.limit)
        else:
            rows = read(keyset, after, before, self.limit)
        return self.page(rows, lambda: after is not None and reach(keyset, after),
                         lambda: before is not None and reach(keyset.reversed, before))


def window(first: int | None, after: str | None, last: int | None, before: str | None,
           read: Callable[[str, str], T | None]) -> Window[T]:
    """The checked page arguments; ``read(text, argument)`` reads a cursor (raising UserError).
    Neither ``first`` nor ``last``: the first ``DEFAULT_PAGE`` edges."""
    return Window(
        first=page_size(first) if first is not None or last is None else None,
        last=page_size(last, name="last") if last is not None else None,
        after=read(after, "after") if after else None,
        before=read(before, "before") if before else None,
    )


def _known(value: bool) -> Callable[[], bool]:
    return lambda: value
