"""``create_app(db_path)`` -> the Starlette application: routes, middleware, nothing global."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.resources import files
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from db.read import Reader

from .. import __version__
from ..execute import Executor
from ..limits import Limits
from ..schema import create_schema
from .endpoint import GraphQLEndpoint
from .replay import GetReplay

STATIC = Path(str(files("gql") / "static"))


def create_app(
    db_path: Path | str,
    *,
    limits: Limits | None = None,
    cors_origins: list[str] | None = None,
    max_age: int = 3600,
    compiled: bool = True,
    response_cache: bool = True,
) -> Starlette:
    """Serve one database file read-only: ``/graphql`` (API + GraphiQL), ``/healthz``, ``/schema.graphql``.

    ``compiled=False`` answers every query through the resolvers (the reference path);
    ``response_cache=False`` answers every request afresh (for benchmarks of the cold path).
    """
    limits = limits or Limits()
    reader = Reader(db_path)
    schema = create_schema(limits)
    sdl = schema.as_str() + "\n"
    graphiql_page = STATIC / "graphiql" / "index.html"
    executor = Executor(schema, reader, limits, compiled=compiled, response_cache=response_cache)
    endpoint = GraphQLEndpoint(executor, limits, max_age=max_age,
                               graphiql=graphiql_page.read_bytes() if graphiql_page.exists() else None)

    app = Starlette(
        routes=_routes(endpoint, reader, sdl, max_age),
        middleware=_middleware(cors_origins),
        lifespan=_closing(reader),
    )
    if response_cache:
        app.add_middleware(GetReplay)  # outermost: a replayed answer skips everything below
    app.state.reader = reader
    app.state.endpoint = endpoint
    app.state.executor = executor
    return app


def _routes(endpoint: GraphQLEndpoint, reader: Reader, sdl: str, max_age: int) -> list[BaseRoute]:
    async def healthz(request: Request) -> Response:
        body = {"status": "ok", "version": __version__, "database": reader.path.name, "meta": reader.meta}
        return Response(orjson.dumps(body), media_type="application/json", headers={"Cache-Control": "no-store"})

    async def schema_sdl(request: Request) -> Response:
        return PlainTextResponse(sdl, headers={"Cache-Control": f"public, max-age={max_age}"})

    async def home(request: Request) -> Response:
        return RedirectResponse("/graphql")

    return [
        Route("/graphql", endpoint.handle, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/healthz", healthz),
        Route("/schema.graphql", schema_sdl),
        Route("/", home),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def _middleware(cors_origins: list[str] | None) -> list[Middleware]:
    """gzip for answers of 1,000 bytes or more; CORS only for the origins given."""
    middleware = [Middleware(GZipMiddleware, minimum_size=1000)]
    if cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=cors_origins, allow_methods=["GET", "POST"],
            allow_headers=["content-type", "accept", "if-none-match"], expose_headers=["etag"], max_age=86400,
        ))
    return middleware


def _closing(reader: Reader) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        reader.close()

    return lifespan


def app_from_env() -> Starlette:
    """Factory for ``uvicorn --factory`` and ``--workers``: configuration comes from the environment."""
    origins = [o.strip() for o in os.environ.get("NEWSGQL_CORS_ORIGINS", "").split(",") if o.strip()]
    limits = Limits(
        time_limit=float(os.environ.get("NEWSGQL_TIME_LIMIT", Limits.time_limit)),
        max_depth=int(os.environ.get("NEWSGQL_MAX_DEPTH", Limits.max_depth)),
    )
    return create_app(
        os.environ["NEWSGQL_DB"], limits=limits, cors_origins=origins,
        max_age=int(os.environ.get("NEWSGQL_MAX_AGE", "3600")),
        compiled=os.environ.get("NEWSGQL_COMPILED", "1") != "0",
        response_cache=os.environ.get("NEWSGQL_RESPONSE_CACHE", "1") != "0",
    )
