"""Helpers that write small corpora for tests: real files on disk, in the corpus layout."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

EVENT = """### [{date}](/news/{y}/{m}/{d}/index.md)

# {title}

{body}


### Source:

{sources}

### Related:

{related}
"""


def event_text(
    date: str = "2016-12-14",
    title: str = "Story. Something happens.",
    body: str = "Something happens.",
    sources: str = "1. [BBC](http://www.bbc.com/news/1)",
    related: str = "1. [ Other ](/news/2016/12/7/other.md) _Context: Aleppo, Syria_",
) -> str:
    y, m, d = date.split("-")
    return EVENT.format(date=date, y=y, m=m, d=d, title=title, body=body, sources=sources, related=related)


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def retitled(source: Path, target: Path, tag: str) -> Path:
    """A copy of the corpus ``source`` in ``target`` with every event's title starting ``[tag] ``: an
    answer with titles from a build of it says which file it came from."""
    for path in sorted(source.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if path.name != "index.md":
            text = re.sub(r"^# ", f"# [{tag}] ", text, count=1, flags=re.MULTILINE)
        write(target, str(path.relative_to(source)), text)
    return target


def digest(root: Path) -> str:
    """A digest of every markdown file's name and bytes under ``root``: the same when nothing was changed."""
    files = sorted(root.rglob("*.md"))
    return hashlib.sha256(b"".join(f.relative_to(root).as_posix().encode() + f.read_bytes() for f in files)).hexdigest()
