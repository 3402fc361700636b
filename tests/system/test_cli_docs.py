"""The command line's manners, and docs/cli.md generated from its ``--help`` (a test fails on drift).

Regenerate the reference after changing a command: ``.venv/bin/python -m tests.system.test_cli_docs``.
"""

from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import time
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.sample import SAMPLE_DIR
from gql import __version__
from gql.cli import cli
from tests.support.launch import newsgql_command

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "cli.md"
REGENERATE = ".venv/bin/python -m tests.system.test_cli_docs"
HIDE_CURSOR, SHOW_CURSOR = b"\x1b[?25l", b"\x1b[?25h"


def help_text(*command: str) -> str:
    """``newsgql COMMAND --help`` as an 80-column terminal shows it."""
    result = CliRunner().invoke(cli, [*command, "--help"], prog_name="newsgql", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def render() -> str:
    """docs/cli.md: the group's help, then every command's, in the order ``--help`` lists them."""
    parts = [
        "# newsgql command line\n",
        f"Generated from `--help` by `{REGENERATE}`; do not edit by hand.\n",
        "Exit codes: 0 success; 1 the work failed (one line on stderr); 2 bad usage.\n",
        f"```text\n$ newsgql --help\n{help_text()}```\n",
    ]
    for name in sorted(cli.commands):  # type: ignore[attr-defined]
        parts.append(f"## newsgql {name}\n\n```text\n$ newsgql {name} --help\n{help_text(name)}```\n")
    return "\n".join(parts)


def newsgql(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*newsgql_command(), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def test_reference_is_current() -> None:
    assert REFERENCE.exists(), f"docs/cli.md is missing: run {REGENERATE}"
    assert REFERENCE.read_text(encoding="utf-8") == render(), f"docs/cli.md is stale: run {REGENERATE}"


def test_readme_links_the_reference() -> None:
    assert "(docs/cli.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))  # type: ignore[attr-defined]
def test_every_command_says_what_it_is_for_with_an_example(name: str) -> None:
    text = help_text(name)
    assert f"Usage: newsgql {name}" in text
    assert "Example: newsgql " + name in text
    assert "-h, --help" in text
    assert help_text(name) == CliRunner().invoke(cli, [name, "-h"], prog_name="newsgql",
                                                 env={"COLUMNS": "80"}).output


def test_version_matches_the_package() -> None:
    done = newsgql("--version")
    assert done.returncode == 0
    assert done.stdout == f"newsgql, version {__version__}\n"
    assert version("newsgql") == __version__


@pytest.mark.parametrize(("args", "message"), [
    (["serve", "/nonexistent.db"], "Error: database not found: /nonexistent.db"),
    (["query", "{ events { totalCount } }", "--db", "/nonexistent.db"], "Error: database not found: /nonexistent.db"),
    (["build", "/nonexistent-corpus", "-o", "{tmp}/x.db"], "Error: corpus directory not found: /nonexistent-corpus"),
    (["serve", "{tmp}/not-a.db"], "Error: not a newsgql database: "),
    (["query", "{ events { totalCount } }", "--variables", "{oops"], "Error: --variables is not valid JSON: "),
])
def test_failures_exit_1_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    (tmp_path / "not-a.db").write_text("plain text\n")
    done = newsgql(*[arg.replace("{tmp}", str(tmp_path)) for arg in args])
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1, done.stderr


def test_query_with_errors_exits_1_with_the_errors_as_json(sample_db: Path) -> None:
    done = newsgql("query", "{ events { nope } }", "--db", str(sample_db))
    assert done.returncode == 1
    assert "Cannot query field 'nope'" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [
    ["nosuch"], ["build"], ["serve", "--port", "abc"], ["serve", "--workers", "0"], ["query"], ["--nope"],
])
def test_bad_usage_exits_2(args: list[str]) -> None:
    done = newsgql(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in done.stderr


def test_bad_environment_is_bad_usage() -> None:
    done = newsgql("serve", env={"NEWSGQL_PORT": "eighty"})
    assert done.returncode == 2
    assert "Invalid value for '--port'" in done.stderr


def test_taken_port_exits_1(sample_db: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = newsgql("serve", str(sample_db), "--port", str(taken.getsockname()[1]))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("Error: ")


def on_a_terminal(*args: str, env: dict[str, str]) -> bytes:
    """Run with stdout and stderr on a pseudo-terminal (where colours and cursor codes would appear)."""
    master, terminal = pty.openpty()
    process = subprocess.Popen([*newsgql_command(), *args], stdin=terminal, stdout=terminal, stderr=terminal,
                               env=env)
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the process is gone
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
    finally:
        process.kill()
        process.wait(timeout=10)
        os.close(master)
    return output


def test_no_color_means_no_escape_codes(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"} | {"TERM": "xterm"}
    plain = on_a_terminal("build", str(SAMPLE_DIR), "-o", str(tmp_path / "a.db"), env={**env, "NO_COLOR": "1"})
    styled = on_a_terminal("build", str(SAMPLE_DIR), "-o", str(tmp_path / "b.db"), env=env)
    assert b"Parsing" in plain and b"Built " in plain  # the progress bar was drawn
    # click writes its cursor-restore code unfiltered when the bar ends; it undoes nothing here.
    assert b"\x1b" not in plain.replace(SHOW_CURSOR, b"")
    assert HIDE_CURSOR in styled  # the same run without NO_COLOR does use terminal codes


if __name__ == "__main__":
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(render(), encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(ROOT)}")
