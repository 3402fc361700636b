"""The GraphQL layer: Strawberry types over the read-only database, served by Starlette.

Flow: HTTP request (``http``) -> schema (``schema``) -> root resolvers (``queries``) ->
batched reads (``loaders`` over ``db.read``) -> types (``types``) -> JSON response.
``gql`` reads the database only, never the markdown corpus.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
