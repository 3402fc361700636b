"""Events as an Atom 1.0 document (RFC 4287), built with ElementTree, every text made XML 1.0-safe.

Ids never hold a row id (row ids change when the file is rebuilt): a feed's id is its query's,
an entry's is its event's canonical path, both ``tag:`` URIs (RFC 4151)::

    tag:newsgql,2005:feed?contextsAny=Syrian%20Civil%20War
    tag:newsgql,2005:event/2015/09/05/some-slug
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from db.paths import split_path
from db.read import Row

from .. import __version__

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
TAG = "tag:newsgql,2005:"
CONTEXT_SCHEME = f"{TAG}context"
CATEGORY_SCHEME = f"{TAG}category"

#: What XML 1.0 cannot hold (its ``Char`` production): C0 controls but tab and line ends, lone
#: surrogates, U+FFFE and U+FFFF. Bodies keep what the corpus had, these included.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINKED = ("http", "https")  # a source URL of another scheme (javascript:, data:) is not linked


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 forbids replaced by U+FFFD, so the feed always parses.

    >>> xml_safe("a\\x01b")
    'a\\ufffdb'
    """
    return _NOT_XML.sub("\ufffd", text)


def entry_id(path: str) -> str:
    """The stable id of the event at canonical ``path``: its date and slug.

    >>> entry_id("/news/2015/09/05/some-slug.md")
    'tag:newsgql,2005:event/2015/09/05/some-slug'
    """
    day, slug = split_path(path)
    return f"{TAG}event/{day.year:04d}/{day.month:02d}/{day.day:02d}/{quote(slug, safe='')}"


def timestamp(date: str) -> str:
    """An event's day as an Atom date: midnight UTC (events have a day, not a time)."""
    return f"{date}T00:00:00Z"


@dataclass(frozen=True)
class Feed:
    """What the feed says of itself; ``updated`` is used only when it has no entries."""

    id: str
    title: str
    self_href: str
    alternate_href: str
    updated: str


def document(feed: Feed, events: Sequence[Row], sources: Mapping[int, Sequence[Row]],
             contexts: Mapping[int, Sequence[Row]]) -> bytes:
    """The feed of ``events`` (newest first), with each event's sources and contexts, as UTF-8 XML."""
    root = ET.Element("feed", xmlns=ATOM)
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    _text(root, "updated", timestamp(events[0]["date"]) if events else feed.updated)
    _link(root, feed.self_href, "self", type=MEDIA_TYPE)
    _link(root, feed.alternate_href, "alternate", type="application/json")
    _text(ET.SubElement(root, "author"), "name", "newsgql")
    _text(root, "generator", "newsgql").set("version", __version__)
    for event in events:
        _entry(root, event, sources.get(event["id"], ()), contexts.get(event["id"], ()))
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _entry(root: ET.Element, event: Row, sources: Sequence[Row], contexts: Sequence[Row]) -> None:
    entry = ET.SubElement(root, "entry")
    _text(entry, "id", entry_id(event["path"]))
    _text(entry, "title", event["title"])
    _text(entry, "published", timestamp(event["date"]))
    _text(entry, "updated", timestamp(event["date"]))
    for source in sources:
        if urlsplit(source["url"]).scheme.lower() in _LINKED:
            _link(entry, source["url"], "related", title=source["name"])
    if event["category"]:
        _category(entry, event["category"], CATEGORY_SCHEME)
    for context in contexts:
        _category(entry, context["name"], CONTEXT_SCHEME)
    _text(entry, "content", event["body"]).set("type", "text")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_safe(text)
    return element


def _link(parent: ET.Element, href: str, rel: str, **attributes: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "href": xml_safe(href),
                                   **{name: xml_safe(value) for name, value in attributes.items()}})


def _category(parent: ET.Element, term: str, scheme: str) -> None:
    ET.SubElement(parent, "category", term=xml_safe(term), scheme=scheme)
