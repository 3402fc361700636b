"""schema.graphql is generated: it must equal what the code exports, and keep the contract."""

from __future__ import annotations

from pathlib import Path

from gql.schema import export_sdl

ROOT = Path(__file__).resolve().parents[1]


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
