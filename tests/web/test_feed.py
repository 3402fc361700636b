"""``/feed.atom`` (issue 13): read by ``feedparser`` as feed readers read it, its entries compared
with what the API answers for the same filter, its refusals, its ETag, and hostile text."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest

from db.build import build
from db.sample import SAMPLE_DIR
from gql.web.app import create_app
from tests.support.corpus_files import event_text, write

EVENTS = """query($filter: EventFilter, $first: Int) {
  events(filter: $filter, first: $first, orderBy: NEWEST_FIRST) { edges { node { path date title category } } }
}"""

FILTERS: list[dict[str, Any]] = [
    {},
    {"contextsAny": ["Syrian civil war"]},
    {"contextsAll": ["Syria", "Syrian civil war"]},
    {"dateFrom": "2015-09-01", "dateTo": "2015-09-30"},
    {"contextsAny": ["European migrant crisis"], "dateFrom": "2015-09-05", "contextsNone": ["Germany"]},
    {"category": "Armed conflicts and attacks"},
    {"publisher": "BBC"},
]


def entry_id(path: str) -> str:
    """``/news/2015/09/05/slug.md`` -> the entry id the feed must give it."""
    return "tag:newsgql,2005:event/" + path.removeprefix("/news/").removesuffix(".md")


def query_params(filter: dict[str, Any], first: int | None) -> list[tuple[str, str]]:
    pairs = [(name, item) for name, value in filter.items() for item in (value if isinstance(value, list) else [value])]
    return pairs + ([("first", str(first))] if first is not None else [])


async def get_feed(client: httpx.AsyncClient, params: Any = None) -> Any:
    response = await client.get("/feed.atom", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.mark.parametrize("first", [None, 3, 100])
@pytest.mark.parametrize("filter", FILTERS, ids=lambda f: ",".join(f) or "all")
async def test_feed_holds_what_the_api_answers(client: httpx.AsyncClient, gql_post: Any, filter: dict[str, Any],
                                               first: int | None) -> None:
    data = await gql_post(EVENTS, {"filter": filter, "first": first})
    events = [edge["node"] for edge in data["events"]["edges"]]
    assert events, "a filter that finds nothing proves little"
    parsed = await get_feed(client, query_params(filter, first))
    assert len(parsed.entries) == len(events) == min(first or 20, len(events))
    assert [entry.id for entry in parsed.entries] == [entry_id(event["path"]) for event in events]
    assert [entry.title for entry in parsed.entries] == [event["title"] for event in events]
    assert [entry.published for entry in parsed.entries] == [f"{event['date']}T00:00:00Z" for event in events]
    assert [entry.updated for entry in parsed.entries] == [f"{event['date']}T00:00:00Z" for event in events]
    assert parsed.feed.updated == parsed.entries[0].updated
    for name, value in filter.items():
        assert f"{name}: {', '.join(value) if isinstance(value, list) else value}" in parsed.feed.title


async def test_entries_carry_body_sources_and_contexts(client: httpx.AsyncClient, gql_post: Any) -> None:
    query = """{ events(first: 5, filter: {contextsAny: ["Syrian civil war"]}) { edges { node {
        body category sources { name url } contexts { name } } } } }"""
    events = [edge["node"] for edge in (await gql_post(query))["events"]["edges"]]
    parsed = await get_feed(client, {"contextsAny": "Syrian civil war", "first": "5"})
    for entry, event in zip(parsed.entries, events, strict=True):
        assert entry.content[0].value == event["body"] and entry.content[0].type == "text/plain"
        related = [(link.href, link.title) for link in entry.links if link.rel == "related"]
        assert related == [(source["url"], source["name"]) for source in event["sources"]]
        terms = {(tag.term, tag.scheme) for tag in entry.tags}
        assert {context["name"] for context in event["contexts"]} == {
            term for term, scheme in terms if scheme == "tag:newsgql,2005:context"}
        assert {term for term, scheme in terms if scheme == "tag:newsgql,2005:category"} == (
            {event["category"]} if event["category"] else set())


async def test_alternate_link_asks_the_api_the_same(client: httpx.AsyncClient) -> None:
    parsed = await get_feed(client, {"contextsAny": "Syria", "dateTo": "2016-06-30", "first": "4"})
    alternate = next(link.href for link in parsed.feed.links if link.rel == "alternate")
    answer = (await client.get(alternate, headers={"accept": "application/json"})).json()
    paths = [edge["node"]["path"] for edge in answer["data"]["events"]["edges"]]
    assert [entry.id for entry in parsed.entries] == [entry_id(path) for path in paths]
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert urlsplit(self_link).path == "/feed.atom"
    assert (await get_feed(client, urlsplit(self_link).query)).entries == parsed.entries


async def test_feed_id_is_the_normalized_query(client: httpx.AsyncClient) -> None:
    """The same filter spelled otherwise (order, repeated names, a domain's case, ``first``) is one feed."""
    one = await client.get("/feed.atom?contextsAny=Syria&contextsAny=Aleppo&domain=www.BBC.co.uk")
    other = await client.get("/feed.atom?domain=bbc.co.uk&contextsAny=Aleppo&contextsAny=Syria&contextsAny=Syria")
    assert one.headers["etag"] == other.headers["etag"] and one.content == other.content
    parsed = feedparser.parse(one.content)
    assert parsed.feed.id == "tag:newsgql,2005:feed?contextsAny=Aleppo&contextsAny=Syria&domain=bbc.co.uk"
    assert feedparser.parse((await client.get("/feed.atom?first=1&domain=bbc.co.uk&contextsAny=Syria"
                                              "&contextsAny=Aleppo")).content).feed.id == parsed.feed.id
    assert (await get_feed(client)).feed.id == "tag:newsgql,2005:feed"


async def test_feed_ids_survive_a_rebuild(sample_db: Path, tmp_path: Path, client: httpx.AsyncClient) -> None:
    """Entry ids come from paths, not row ids: a corpus with one more (older) event renumbers the rows."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_DIR / "news", corpus / "news")
    write(corpus, "news/2001/01/01/first.md", event_text("2001-01-01", "Syria. The oldest event."))
    build(corpus, tmp_path / "rebuilt.db")
    before = await get_feed(client, {"first": "100"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(tmp_path / "rebuilt.db")),
                                 base_url="http://testserver") as rebuilt:
        after = await get_feed(rebuilt, {"first": "100"})
    assert [entry.id for entry in after.entries] == [entry.id for entry in before.entries]


async def test_unknown_parameter_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/feed.atom?contexts=Syria&first=2")
    assert response.status_code == 400 and response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("unknown parameter 'contexts'; a feed takes: text, dateFrom, dateTo, contextsAny")


@pytest.mark.parametrize(("query", "message"), [
    ("dateFrom=2015-02-30", "invalid filter value: dateFrom: day is out of range for month"),
    ("dateTo=yesterday", "invalid filter value: dateTo: "),
    ("first=101", "first must be between 0 and 100; got 101"),
    ("first=99999999999999999999999", "first must be between 0 and 100; got 99999999999999999999999"),
    ("first=ten", "parameter 'first' must be a whole number; got 'ten'"),
    ("first=%2B5", "parameter 'first' must be a whole number; got '+5'"),
    ("category=a&category=b", "parameter 'category' given 2 times; it takes one value"),
    ("&".join(f"contextsAny=c{n}" for n in range(21)), "at most 20 contexts in a filter"),
])
async def test_bad_value_is_refused_naming_it(client: httpx.AsyncClient, query: str, message: str) -> None:
    response = await client.get(f"/feed.atom?{query}")
    assert response.status_code == 400 and response.headers["cache-control"] == "no-store"
    assert response.text.startswith(message), response.text


async def test_if_none_match_gets_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/feed.atom?contextsAny=Syria")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=3600"
    again = await client.get("/feed.atom?contextsAny=Syria", headers={"if-none-match": f'W/"x", {etag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = await client.get("/feed.atom?contextsAny=Syria&first=3", headers={"if-none-match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


async def test_empty_feed_is_valid(client: httpx.AsyncClient) -> None:
    parsed = await get_feed(client, {"contextsAny": "No such context"})
    assert parsed.entries == [] and parsed.feed.updated


async def test_hostile_text_still_parses(tmp_path: Path) -> None:
    """Markup, entities, controls XML 1.0 forbids, U+FFFE, a CDATA end and a javascript: source."""
    title = "A <b>&amp; \x01\x0b\x1b\ufffe ]]> end."
    body = "Body <script>&</script> \x08\x0c\x7f fin."
    sources = "1. [B<&>](http://x.org/a?b=1&c=<2>)\n2. [Evil](javascript:alert(1))"
    related = "1. [ Other ](/news/2016/12/7/other.md) _Context: A & <B>\x02, Syria_"
    write(tmp_path / "corpus", "news/2016/12/14/hostile.md",
          event_text(title=title, body=body, sources=sources, related=related))
    build(tmp_path / "corpus", tmp_path / "hostile.db")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(tmp_path / "hostile.db")),
                                 base_url="http://testserver") as client:
        parsed = await get_feed(client, {"contextsAny": "A & <B>\x02"})
    [entry] = parsed.entries
    assert entry.id == "tag:newsgql,2005:event/2016/12/14/hostile"
    assert entry.title == "A <b>&amp; \ufffd\ufffd\ufffd\ufffd ]]> end."
    assert entry.content[0].value == "Body <script>&</script> \ufffd\ufffd\x7f fin."
    assert [(link.href, link.title) for link in entry.links if link.rel == "related"] == [
        ("http://x.org/a?b=1&c=<2>", "B<&>")]
    assert "A & <B>\ufffd" in {tag.term for tag in entry.tags}
    assert "contextsAny: A & <B>\ufffd" in parsed.feed.title
