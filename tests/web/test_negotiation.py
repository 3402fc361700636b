"""gql.web.negotiation: which media type an Accept header gets (None: 406), and who is a browser."""

from __future__ import annotations

import pytest

from gql.web.negotiation import GRAPHQL_RESPONSE, JSON, choose, wants_html

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("accept", "expected"), [
    # no preference: a legacy client gets application/json
    (None, JSON),
    ("", JSON),
    ("   ", JSON),
    ("*/*", JSON),
    ("application/*", JSON),
    ("*/*;q=0.5", JSON),
    # one supported type
    ("application/json", JSON),
    ("application/graphql-response+json", GRAPHQL_RESPONSE),
    # both, with q-values, in each order
    ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE),
    ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
    ("application/json, application/graphql-response+json;q=0.9", JSON),
    ("application/graphql-response+json;q=0.9, application/json", JSON),
    ("application/graphql-response+json;q=0.5, application/json;q=0.6", JSON),
    # equal q: the spec's type wins, whatever the order
    ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
    ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
    ("application/json;q=0.7, application/graphql-response+json;q=0.7", GRAPHQL_RESPONSE),
    # a wildcard stands for application/json only
    ("*/*, application/graphql-response+json", GRAPHQL_RESPONSE),
    ("*/*, application/graphql-response+json;q=0.5", JSON),
    ("text/html, */*;q=0.1", JSON),
    # q=0 excludes
    ("application/json;q=0", None),
    ("application/graphql-response+json;q=0, application/json", JSON),
    ("application/json;q=0, application/graphql-response+json;q=0.1", GRAPHQL_RESPONSE),
    ("application/json;q=0.0, application/graphql-response+json;q=0", None),
    ("*/*;q=0", None),
    # a malformed q counts as 0
    ("application/json;q=high", None),
    ("application/json;q=", None),
    ("application/graphql-response+json;q=x, application/json;q=0.2", JSON),
    # unsupported types only
    ("text/plain", None),
    ("text/html", None),
    ("text/plain, image/png;q=0.5", None),
    ("application/xml", None),
    # media types and parameter names are case-insensitive
    ("Application/JSON", JSON),
    ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE),
    ("application/json;Q=0", None),
    ("application/json; Q=0.5, application/graphql-response+json; q=0.4", JSON),
    # other parameters are ignored
    ("application/json; charset=utf-8", JSON),
    ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE),
    ("application/json; charset=utf-8; q=0.9, application/graphql-response+json; charset=utf-8; q=0.8", JSON),
    # empty list items are skipped
    (",application/json,", JSON),
    # what browsers send when navigating: the wildcard gets application/json
    (CHROME, JSON),
])
def test_choose(accept: str | None, expected: str | None) -> None:
    assert choose(accept) == expected


@pytest.mark.parametrize(("accept", "expected"), [
    (CHROME, True),
    (FIREFOX, True),
    ("text/html", True),
    ("TEXT/HTML; charset=utf-8", True),
    # JSON first, or preferred
    ("application/json, text/html", False),
    ("application/graphql-response+json, text/html", False),
    ("text/html;q=0.5, application/json", False),
    ("text/html;q=0.5, application/json;q=0.9", False),
    ("application/json;q=0.5, text/html", True),
    # html excluded
    ("text/html;q=0", False),
    ("text/html;q=0, application/json", False),
    ("text/html;q=0, */*", False),
    # JSON excluded does not hide html behind it
    ("application/json;q=0, text/html", True),
    # no html at all
    (None, False),
    ("", False),
    ("*/*", False),
    ("application/json", False),
    ("text/plain", False),
])
def test_wants_html(accept: str | None, expected: bool) -> None:
    assert wants_html(accept) is expected


@pytest.mark.parametrize(("accept", "chosen"), [
    ("application/graphql-response+json;q=nan, application/json", "application/json"),
    ("application/graphql-response+json;q=inf, application/json;q=0.5", "application/json"),
    ("application/json;q=2, application/graphql-response+json", "application/graphql-response+json"),
])
def test_qualities_that_are_not_numbers_from_0_to_1(accept: str, chosen: str) -> None:
    assert choose(accept) == chosen
