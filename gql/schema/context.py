"""Per-request context: the shared read-only database and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from db.read import Reader

from .loaders import Loaders


@dataclass
class RequestContext:
    """What every resolver gets as ``info.context``; loaders live exactly one request."""

    reader: Reader
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.reader)


Info = strawberry.Info[RequestContext, None]
