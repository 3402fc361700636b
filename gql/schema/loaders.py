"""One DataLoader per nested list: every level of a query costs one SQL statement, not one per item."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from db.read import Reader, Row

K = TypeVar("K")
V = TypeVar("V")


def _loader(fetch: Callable[[Sequence[Any]], Mapping[Any, V]], default: Callable[[], V]) -> DataLoader[Any, V]:
    async def load(keys: list[Any]) -> list[V]:
        found = fetch(keys)
        return [found.get(key, default()) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """Created for each request (never shared: its cache must not outlive the request)."""

    def __init__(self, reader: Reader) -> None:
        self.event: DataLoader[int, Row | None] = _loader(reader.events_by_ids, lambda: None)
        self.context: DataLoader[int, Row | None] = _loader(reader.contexts_by_ids, lambda: None)
        self.sources: DataLoader[int, list[Row]] = _loader(reader.sources_for_events, list)
        self.contexts: DataLoader[int, list[Row]] = _loader(reader.contexts_for_events, list)
        self.related: DataLoader[int, list[Row]] = _loader(reader.related_for_events, list)
        self.related_contexts: DataLoader[int, list[Row]] = _loader(reader.contexts_for_related, list)
        self.day_events: DataLoader[str, list[Row]] = _loader(reader.events_on, list)
        self.linked_from_count: DataLoader[int, int] = _loader(reader.linked_from_counts, int)
