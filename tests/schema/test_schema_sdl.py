"""schema.graphql is generated: it must equal what the code exports, and keep the contract."""

from __future__ import annotations

from pathlib import Path

from gql.schema import export_sdl

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_sdl_is_current() -> None:
    assert (ROOT / "schema.graphql").read_text() == export_sdl(), "run `make schema` and commit schema.graphql"


def test_contract_fields_are_present() -> None:
    sdl = export_sdl()
    for line in [
        "interface Node {", "type Event implements Node {", "path: String!", "date: Date!", "title: String!",
        "body: String!", "category: String", "sources: [Source!]!", "contexts: [Context!]!",
        "related: [RelatedEvent!]!", "event: Event", "domain: String", "eventCount: Int!",
        "events(first: Int = null, after: String = null", "node(id: ID!): Node", "event(path: String!): Event",
        "filter: EventFilter = null, orderBy: EventOrder = null): EventConnection!",
        "search(", "context(name: String!): Context", "totalCount: Int!", "pageInfo: PageInfo!",
    ]:
        assert line in sdl, line


def test_strawberry_cli_exports_the_same_sdl() -> None:
    """Tools that import ``gql.schema:schema`` (Strawberry's own CLI) see the checked-in SDL."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "strawberry", "export-schema", "gql.schema:schema"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.rstrip("\n") + "\n" == (ROOT / "schema.graphql").read_text()
