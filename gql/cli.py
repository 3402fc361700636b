"""``newsgql``: build / serve / query / schema. A thin shell: domain errors become one line + exit 1.

Exit codes: 0 success; 1 the work failed (message on stderr); 2 bad usage.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import sys
from pathlib import Path
from typing import Any

import click
import orjson
from click.core import ParameterSource

from db.build import BuildSummary, build
from db.errors import NewsDbError
from db.read import Reader
from db.sample import sample_database

from . import __version__
from .arguments import nested_deeper_than
from .errors import ManifestError
from .limits import CLI_TIME_FACTOR, DEFAULT_MAX_AGE, MAX_INPUT_DEPTH, Limits
from .web.documents import Documents


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True, color=_color())
    raise SystemExit(1)


def _database(path: str | None) -> Path:
    if path:
        return Path(path)
    if os.environ.get("NEWSGQL_DB"):
        return Path(os.environ["NEWSGQL_DB"])
    return sample_database()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsgql")
def cli() -> None:
    """A GraphQL API over a news-event archive that ships as one SQLite file.

    \b
    newsgql build corpus/ -o news.db    build the database
    newsgql serve news.db               serve it (GraphiQL on /graphql)
    """


class _EnvOption(click.Option):
    """An option that names its environment variable in an error only when the value came from there.

    click names it whenever the option has one, so ``--port 99999`` blamed ``NEWSGQL_PORT``.
    """

    def get_error_hint(self, ctx: click.Context | None) -> str:
        hint = " / ".join(f"'{opt}'" for opt in self.opts)
        if ctx is not None and self.name and ctx.get_parameter_source(self.name) is ParameterSource.ENVIRONMENT:
            hint += f" (env var: '{self.envvar}')"
        return hint


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


class _Progress:
    """A progress bar on a terminal, nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __call__(self, step: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Parsing", file=sys.stderr, color=_color())
            self.bar.__enter__()
        self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command("build")
@click.argument("corpus", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default="news.db",
              show_default=True, help="Database file to write (replaced atomically).")
@click.option("--strict", is_flag=True, help="Fail (exit 1, database untouched) on any problem in the corpus.")
@click.option("--force", is_flag=True, help="Replace a read-only database file too (keeping its mode).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Parsing processes [default: all cores].")
@click.option("--full", is_flag=True, help="Parse every file, even when the output can be updated incrementally.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def build_command(corpus: Path, output: Path, strict: bool, force: bool, workers: int | None, full: bool,
                  quiet: bool) -> None:
    """Build a markdown corpus into one SQLite file.

    Example: newsgql build ./corpus -o news.db

    When the output exists and was built from the same corpus directory by this version, only
    the days whose files changed (added, removed, edited) are parsed again, into a copy of it;
    the result holds what a full build would. Each build records in the file what it added,
    changed and removed. Bad files are skipped and listed in the database's build_errors table;
    the previous database is replaced only when the new one is complete, and only if it is a
    regular file.
    """
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        summary = build(corpus, output, strict=strict, force=force, workers=workers, progress=progress, full=full)
    except NewsDbError as exc:
        progress.close()
        _fail(str(exc))
        return
    progress.close()
    if not quiet:
        click.echo(_summary(summary, output), color=_color())


def _how(s: BuildSummary) -> str:
    """Incremental or full, and what changed against the file replaced."""
    how = (f"  incremental: {s.parsed:,} file(s) parsed again" if s.incremental
           else "  full build" + (f" ({s.full_because})" if s.full_because else ""))
    if s.changes is not None:
        how += (f"; events added {len(s.changes.added):,}, changed {len(s.changes.changed):,},"
                f" removed {len(s.changes.removed):,}")
    return how


def _summary(s: BuildSummary, output: Path) -> str:
    lines = [
        f"Built {output} in {s.seconds:.1f} s ({s.events / max(s.seconds, 1e-9):,.0f} events/s, "
        f"{s.bytes / 1e6:.1f} MB)",
        f"  events {s.events:,}  sources {s.sources:,}  contexts {s.contexts:,}  related edges {s.edges:,} "
        f"({s.resolved_share:.0%} resolved)",
        f"  files {s.files:,}  skipped {s.skipped:,}  warnings {s.warnings:,}",
        "  phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in s.phases.items()),
        _how(s),
    ]
    # every skipped file (its events are not in the database); warnings up to ten
    skipped = [issue for issue in s.issues if issue.fatal]
    warnings = [issue for issue in s.issues if not issue.fatal]
    for issue in skipped + warnings[:10]:
        where = f"{issue.file}:{issue.line}" if issue.line else issue.file
        lines.append(f"  {'skipped' if issue.fatal else 'warning'}: {where}: {issue.reason}")
    if len(warnings) > 10:
        lines.append(f"  ... {len(warnings) - 10:,} more in the build_errors table")
    return "\n".join(lines)


@cli.command()
@click.argument("database", required=False, type=click.Path(dir_okay=False))
@click.option("--host", cls=_EnvOption, default="127.0.0.1", show_default=True, envvar="NEWSGQL_HOST",
              show_envvar=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", cls=_EnvOption, default=8000, show_default=True, type=click.IntRange(0, 65535),
              envvar="NEWSGQL_PORT", show_envvar=True, help="Port to listen on.")
@click.option("--workers", cls=_EnvOption, default=1, show_default=True, type=click.IntRange(1, 64),
              envvar="NEWSGQL_WORKERS", show_envvar=True, help="Server processes, each opening the file read-only.")
@click.option("--cors-origin", "cors_origins", cls=_EnvOption, multiple=True, envvar="NEWSGQL_CORS_ORIGINS",
              show_envvar=True,
              help="Allowed CORS origin (repeat, or '*'); the variable takes a comma-separated list.")
@click.option("--time-limit", cls=_EnvOption, default=Limits.time_limit, show_default=True,
              type=click.FloatRange(0.01, 3600), callback=_finite, envvar="NEWSGQL_TIME_LIMIT", show_envvar=True,
              help="Seconds one request may run (its SQL, then a grace for the rest).")
@click.option("--max-depth", cls=_EnvOption, default=Limits.max_depth, show_default=True,
              type=click.IntRange(1, 100), envvar="NEWSGQL_MAX_DEPTH", show_envvar=True,
              help="Deepest query nesting accepted.")
@click.option("--max-age", cls=_EnvOption, default=DEFAULT_MAX_AGE, show_default=True, type=click.IntRange(0),
              envvar="NEWSGQL_MAX_AGE", show_envvar=True, help="Cache-Control max-age of GET answers.")
@click.option("--compile/--no-compile", "compiled", cls=_EnvOption, default=True, show_default=True,
              envvar="NEWSGQL_COMPILED", show_envvar=True,
              help="Answer known query shapes with one compiled SQL statement (off: resolvers only).")
@click.option("--response-cache/--no-response-cache", cls=_EnvOption, default=True, show_default=True,
              envvar="NEWSGQL_RESPONSE_CACHE", show_envvar=True,
              help="Keep finished answers in memory (per file: a new file starts afresh).")
@click.option("--documents", cls=_EnvOption, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              envvar="NEWSGQL_DOCUMENTS", show_envvar=True,
              help="Trusted documents: a JSON manifest of id -> document, run by `documentId`.")
@click.option("--documents-only", cls=_EnvOption, is_flag=True, envvar="NEWSGQL_DOCUMENTS_ONLY", show_envvar=True,
              help="Run only the trusted documents (needs --documents).")
@click.option("--introspection/--no-introspection", cls=_EnvOption, default=True, show_default=True,
              envvar="NEWSGQL_INTROSPECTION", show_envvar=True,
              help="Answer introspection (off for public deployments: GraphiQL then says so).")
@click.option("--log-level", default="warning", show_default=True, help="uvicorn's log level (info: access log).",
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(database: str | None, host: str, port: int, workers: int, cors_origins: tuple[str, ...],
          time_limit: float, max_depth: int, max_age: int, compiled: bool, response_cache: bool,
          documents: Path | None, documents_only: bool, introspection: bool, log_level: str) -> None:
    """Serve a database over GraphQL (GraphiQL at /graphql).

    DATABASE defaults to $NEWSGQL_DB, else the bundled sample (built once into a cache file). A new
    file renamed over DATABASE (or a symlink switched) is served from then on; never cp over it.

    Example: newsgql serve news.db --port 8000 --workers 2
    """
    import uvicorn

    origins = [o.strip() for value in cors_origins for o in value.split(",") if o.strip()]
    try:
        path = _database(database)
        Reader(path).close()  # fail here, with one line, rather than in every worker
    except NewsDbError as exc:
        _fail(str(exc))
        return
    if documents_only and documents is None:
        _fail("--documents-only needs --documents FILE (the trusted documents)")
    if documents is not None:
        try:
            Documents.from_manifest(documents)
        except ManifestError as exc:
            _fail(str(exc))
    if not _port_free(host, port):
        _fail(f"cannot listen on {host}:{port}: the address is in use or not available")
    os.environ.update({
        "NEWSGQL_DOCUMENTS": str(documents.resolve()) if documents else "",
        "NEWSGQL_DOCUMENTS_ONLY": "1" if documents_only else "0",
        "NEWSGQL_INTROSPECTION": "1" if introspection else "0",
        "NEWSGQL_DB": str(path.absolute()), "NEWSGQL_CORS_ORIGINS": ",".join(origins),
        "NEWSGQL_TIME_LIMIT": str(time_limit), "NEWSGQL_MAX_AGE": str(max_age), "NEWSGQL_MAX_DEPTH": str(max_depth),
        "NEWSGQL_COMPILED": "1" if compiled else "0", "NEWSGQL_RESPONSE_CACHE": "1" if response_cache else "0",
    })
    click.echo(f"Serving {path} on http://{host}:{port}/graphql (GraphiQL in a browser)", err=True,
               color=_color())
    try:
        uvicorn.run("gql.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, access_log=log_level in ("info", "debug"))
    except SystemExit as exc:  # uvicorn exits 3 when it cannot start: keep our documented codes
        if exc.code not in (0, None):
            _fail(f"the server stopped (uvicorn exit code {exc.code})")
        raise
    if workers > 1:
        # A worker that cannot open the file exits 3 (``app_from_env``); uvicorn's supervisor then stops
        # the others and returns as it does after SIGTERM. A file that cannot be opened now is why.
        try:
            Reader(path).close()
        except NewsDbError as exc:
            _fail(f"the server stopped: {exc}")


def _port_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound now (uvicorn would otherwise exit 3 with a log line)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@cli.command(short_help="Run one GraphQL query and print the JSON answer.")
@click.argument("document")
@click.option("--db", "database", type=click.Path(dir_okay=False),
              help="Database [default: $NEWSGQL_DB, else the bundled sample].")
@click.option("--variables", default=None, help="Variables as a JSON object.")
@click.option("--operation", default=None, help="Operation name, if the document has several.")
def query(document: str, database: str | None, variables: str | None, operation: str | None) -> None:
    """Run one GraphQL query and print the JSON answer; exit 1 if it has errors.

    DOCUMENT is the query itself, or - to read it from standard input. It runs as a request to
    the server would (the same limits and errors), with five times its time limit.

    Example: newsgql query '{ events(first: 2) { edges { node { title } } } }'
    """
    from .execute import Executor, GraphQLRequest
    from .schema import create_schema
    from .web.negotiation import JSON

    if document == "-":
        try:
            document = sys.stdin.read()
        except UnicodeDecodeError as exc:
            _fail(f"standard input is not UTF-8 text: {exc}")
    if not document.strip():
        _fail("the document is empty: give a query, or - to read one from standard input")
    try:
        values = orjson.loads(variables) if variables else None
    except orjson.JSONDecodeError as exc:
        _fail(f"--variables is not valid JSON: {exc}")
        return
    if values is not None and not isinstance(values, dict):
        _fail("--variables must be a JSON object")
    if nested_deeper_than(values, MAX_INPUT_DEPTH):
        _fail(f"--variables nested too deeply ({MAX_INPUT_DEPTH} levels at most)")
    try:
        reader = Reader(_database(database))
    except NewsDbError as exc:
        _fail(str(exc))
        return
    limits = Limits(time_limit=Limits.time_limit * CLI_TIME_FACTOR)
    executor = Executor(create_schema(limits), reader, limits, response_cache=False)
    request = GraphQLRequest(document, values, operation or None)
    answer = asyncio.run(executor.execute(request, request.key(JSON)))
    payload = orjson.loads(answer.body)
    click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    if "errors" in payload:
        raise SystemExit(1)


@cli.command()
def schema() -> None:
    """Print the GraphQL schema (SDL), as checked in at schema.graphql.

    Example: newsgql schema > schema.graphql
    """
    from .schema import export_sdl

    click.echo(export_sdl(), nl=False)


def main() -> None:
    cli(prog_name="newsgql")


if __name__ == "__main__":
    main()
