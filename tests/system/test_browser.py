"""GraphiQL in a real browser: Debian's chromium, headless, offline, against a real ``newsgql serve``.

Every request to a host other than 127.0.0.1 is blocked and recorded; the test fails if there was
any, which proves the vendored assets under gql/static/graphiql/ are all the page needs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright import sync_api

from tests.support.launch import Server, serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# Typed on one line: the editor auto-closes brackets and overtypes the closing ones, so the text is exact.
QUERY = (
    "query TypedNested { events(first: 1, orderBy: OLDEST_FIRST) { edges { node {"
    " title sources { name } contexts { name } related { title event { title } } } } } }"
)
EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
RESPONSE = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror"
EXAMPLE_TABS = ["NestedEvent", "RecursiveRelated", "Search", "Timeline"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install chromium; .ci/run does)"),
]


@pytest.fixture(scope="module")
def server(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(sample_db, tmp_path_factory.mktemp("browser") / "serve.log") as live:
        yield live


def oldest_event(db: Path) -> tuple[str, str]:
    """Title of the oldest event and of the first event it links to that is in the archive."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT e.title, t.title FROM events e JOIN related r ON r.event_id = e.id"
            " JOIN events t ON t.id = r.target_id WHERE e.id = (SELECT min(id) FROM events)"
            " ORDER BY r.position LIMIT 1"
        ).fetchone()


def test_graphiql_runs_a_nested_query_offline(server: Server, sample_db: Path) -> None:
    title, related_title = oldest_event(sample_db)
    blocked: list[str] = []

    def only_local(route: sync_api.Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", only_local)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{server.url}/graphql")
            expect = sync_api.expect
            expect.set_options(timeout=30_000)
            expect(page.locator(".graphiql-plugin").get_by_text("Explorer", exact=True)).to_be_visible()
            expect(page.locator(".graphiql-tab-button")).to_have_text(EXAMPLE_TABS)

            page.locator(".graphiql-tab-add").click()
            page.locator(".graphiql-query-editor .CodeMirror").click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type(QUERY)
            page.keyboard.press("Escape")  # close the autocomplete popup, if open
            assert page.evaluate(f"{EDITOR}.getValue()") == QUERY
            # GraphiQL parses the editor 100 ms after the last keystroke; the tab is renamed when it has.
            expect(page.locator(".graphiql-tab-active .graphiql-tab-button")).to_have_text("TypedNested")
            page.get_by_label("Prettify query (Shift-Ctrl-P)").click()  # for the screenshot

            page.locator(".graphiql-execute-button").click()
            page.wait_for_function(f"{RESPONSE}.getValue().startsWith('{{')")
            answer = json.loads(page.evaluate(f"{RESPONSE}.getValue()"))
            # The pane renders only the lines in view: scroll to the related event's title, then look.
            page.evaluate(f"{RESPONSE}.scrollIntoView({{line: {_line_of(answer, related_title)}, ch: 0}}, 300)")
            expect(page.locator(".graphiql-response").get_by_text(related_title[:40]).last).to_be_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "graphiql.png"))
        finally:
            browser.close()

    assert blocked == []
    [edge] = answer["data"]["events"]["edges"]
    node = edge["node"]
    assert node["title"] == title
    assert node["sources"] and node["contexts"]
    assert related_title in [link["event"]["title"] for link in node["related"] if link["event"]]


def _line_of(answer: dict[str, object], text: str) -> int:
    """Line of the response pane (GraphiQL prints JSON with two-space indents) that holds ``text``."""
    lines = json.dumps(answer, indent=2, ensure_ascii=False).splitlines()
    return next(number for number, line in enumerate(lines) if json.dumps(text, ensure_ascii=False) in line)
