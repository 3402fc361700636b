"""``create_app(db_path)`` -> the Starlette application: routes, middleware, nothing global.

The path is followed (``gql.web.follow``): a new file renamed over it answers from then on.
"""

from __future__ import annotations

import asyncio
import logging
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
from starlette.types import ASGIApp, Receive, Scope, Send

from db.errors import DatabaseError
from db.read import Reader

from .. import __version__
from ..execute import Executor
from ..limits import DEFAULT_MAX_AGE, FOLLOW_INTERVAL, GZIP_LEVEL, GZIP_MIN_BYTES, Limits
from ..schema import create_schema
from .documents import Documents
from .endpoint import PATH as GRAPHQL_PATH
from .endpoint import GraphQLEndpoint
from .feed import PATH as FEED_PATH
from .feed import FeedEndpoint
from .follow import Follower, FollowFile, ServedFile

STATIC = Path(str(files("gql") / "static"))


def create_app(
    db_path: Path | str,
    *,
    limits: Limits | None = None,
    cors_origins: list[str] | None = None,
    max_age: int = DEFAULT_MAX_AGE,
    compiled: bool = True,
    response_cache: bool = True,
    documents: Documents | None = None,
    introspection: bool = True,
    follow_interval: float = FOLLOW_INTERVAL,
) -> Starlette:
    """Serve one database file read-only: ``/graphql`` (API + GraphiQL), ``/feed.atom``, ``/healthz``,
    ``/schema.graphql``; a new file renamed over ``db_path`` is served from the next look at the path
    (it is looked at every ``follow_interval`` seconds, and by every ``/healthz``).

    ``compiled=False`` answers every query through the resolvers (the reference path);
    ``response_cache=False`` answers every request afresh (for benchmarks of the cold path);
    ``documents`` holds trusted documents (and whether only they may run); ``introspection=False``
    (for public deployments) refuses introspection, and ``/schema.graphql`` says so; either, or
    trusted documents only, puts a page saying why in GraphiQL's place.
    """
    limits = limits or Limits()
    schema = create_schema(limits, introspection=introspection)

    def open_archive(path: Path) -> ServedFile:
        """One file's reader and executor; the schema (no data in it) serves every file."""
        reader = Reader(path)
        return ServedFile(reader, Executor(schema, reader, limits, compiled=compiled, response_cache=response_cache),
                          replays=response_cache)

    follower = Follower(db_path, open_archive, interval=follow_interval)
    sdl = schema.as_str() + "\n" if introspection else None
    closed = not introspection or (documents is not None and documents.only_trusted)
    graphiql_page = STATIC / "closed.html" if closed else STATIC / "graphiql" / "index.html"
    endpoint = GraphQLEndpoint(limits, max_age=max_age, documents=documents,
                               graphiql=graphiql_page.read_bytes() if graphiql_page.exists() else None)

    app = Starlette(
        routes=_routes(endpoint, FeedEndpoint(limits, max_age=max_age), follower, sdl, max_age),
        middleware=_middleware(follower, endpoint, cors_origins),
        lifespan=_lifespan(follower),
    )
    app.state.follower = follower
    app.state.endpoint = endpoint
    return app


def _routes(endpoint: GraphQLEndpoint, feed: FeedEndpoint, follower: Follower, sdl: str | None,
            max_age: int) -> list[BaseRoute]:
    async def healthz(request: Request) -> Response:
        """200 while the served path holds the file answering, unchanged; 503 saying why otherwise."""
        state = follower.state(now=True)
        problem = state.problem
        body: dict[str, object] = {"status": "ok" if problem is None else "error", "version": __version__,
                                   "database": follower.path.name, "meta": state.archive.meta}
        if problem is not None:
            body["reason"] = problem
        return Response(orjson.dumps(body), status_code=200 if problem is None else 503,
                        media_type="application/json", headers={"Cache-Control": "no-store"})

    async def schema_sdl(request: Request) -> Response:
        if sdl is None:
            return PlainTextResponse("introspection is turned off on this server (--no-introspection)\n", 404)
        return PlainTextResponse(sdl, headers={"Cache-Control": f"public, max-age={max_age}"})

    async def home(request: Request) -> Response:
        return RedirectResponse(GRAPHQL_PATH)

    return [
        # ``AtPath`` answers /graphql before routing; the route is for what only the router does
        # (``/graphql/`` redirected here)
        Route(GRAPHQL_PATH, endpoint, methods=["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]),
        Route(FEED_PATH, feed.handle),  # GET and HEAD
        Route("/healthz", healthz),
        Route("/schema.graphql", schema_sdl),
        Route("/", home),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


class AtPath:
    """ASGI middleware: HTTP requests for ``path`` go straight to ``endpoint``; the rest on down."""

    def __init__(self, app: ASGIApp, *, path: str, endpoint: ASGIApp) -> None:
        self.app, self.path, self.endpoint = app, path, endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _middleware(follower: Follower, endpoint: GraphQLEndpoint, cors_origins: list[str] | None) -> list[Middleware]:
    """Outermost first: which file a request answers from; CORS, only for the origins given;
    ``/graphql`` (it replays repeats and gzips its own answers); gzip for the rest, answers of
    ``GZIP_MIN_BYTES`` or more."""
    middleware = [Middleware(FollowFile, follower=follower)]
    if cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=cors_origins, allow_methods=["GET", "POST"],
            allow_headers=["content-type", "accept", "if-none-match"], expose_headers=["etag"], max_age=86400,
        ))
    middleware.append(Middleware(AtPath, path=GRAPHQL_PATH, endpoint=endpoint))
    middleware.append(Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL))
    return middleware


def _lifespan(follower: Follower) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """While the server runs, the follower looks at the path; then its file is closed."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watching = asyncio.create_task(follower.watch())
        try:
            yield
        finally:
            watching.cancel()
            follower.close()

    return lifespan


def app_from_env() -> Starlette:
    """Factory for ``uvicorn --factory`` and ``--workers``: configuration comes from the environment.

    A worker that cannot open the database logs one line and exits 3, and the server stops.
    """
    origins = [o.strip() for o in os.environ.get("NEWSGQL_CORS_ORIGINS", "").split(",") if o.strip()]
    manifest = os.environ.get("NEWSGQL_DOCUMENTS")
    only = os.environ.get("NEWSGQL_DOCUMENTS_ONLY", "0") == "1"
    try:
        limits = Limits(
            time_limit=float(os.environ.get("NEWSGQL_TIME_LIMIT", Limits.time_limit)),
            max_depth=int(os.environ.get("NEWSGQL_MAX_DEPTH", Limits.max_depth)),
        )
        return create_app(
            os.environ["NEWSGQL_DB"], limits=limits, cors_origins=origins,
            max_age=int(os.environ.get("NEWSGQL_MAX_AGE", DEFAULT_MAX_AGE)),
            compiled=os.environ.get("NEWSGQL_COMPILED", "1") != "0",
            response_cache=os.environ.get("NEWSGQL_RESPONSE_CACHE", "1") != "0",
            documents=Documents.from_manifest(Path(manifest), only_trusted=only) if manifest else None,
            introspection=os.environ.get("NEWSGQL_INTROSPECTION", "1") != "0",
        )
    except (DatabaseError, ValueError) as exc:  # no file, a bad manifest, a bad value in the environment
        # A worker (re)started after the file went away would fail the same way on every restart:
        # uvicorn's supervisor restarted it twice a second, each time with a traceback. Exit code 3
        # is what supervisors read as "this worker cannot boot, stop": uvicorn's (STARTUP_FAILURE,
        # since 0.50) stops every worker and returns, gunicorn's arbiter (WORKER_BOOT_ERROR) halts.
        # No signal to a parent whose kind we would have to guess. The line goes to uvicorn's log.
        logging.getLogger("uvicorn.error").error("cannot start a server process: %s", exc)
        raise SystemExit(3) from None
