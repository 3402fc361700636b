"""Hostile corpora written into a tmp dir, with what a correct build must make of every file.

Each trap writes one or more files and returns an ``Expect`` per file: the event it must yield
(or None) and the ``build_errors`` row it must leave (severity, and a pattern its reason matches).
So a test can count exactly: every good event kept, every bad file reported, nothing else.

    >>> corpus = make_corpus(tmp_path / "corpus")  # doctest: +SKIP
    >>> corpus.events, corpus.errors               # doctest: +SKIP

"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from db.sample import SAMPLE_DIR

SKIPPED, WARNING = "skipped", "warning"


@dataclass(frozen=True)
class Expect:
    """What the build must make of one file (``relative`` is the path the builder reports)."""

    relative: str
    event: str | None = None  # canonical path of the event it yields
    severity: str | None = None  # "skipped" or "warning": the build_errors row it leaves
    reason: str | None = None  # a regular expression its reason must match (re.search, any case)
    title: str | None = None  # the exact title stored, when the trap is about the title
    extra: dict[str, str] = field(default_factory=dict)  # other exact values: column -> value


@dataclass
class Corpus:
    """A corpus on disk and the expectation for every file in it."""

    root: Path
    expected: list[Expect]
    notes: list[str] = field(default_factory=list)  # traps left out, and why

    @property
    def events(self) -> dict[str, Expect]:
        return {e.event: e for e in self.expected if e.event}

    @property
    def errors(self) -> dict[tuple[str, str], str]:
        """(file, severity) -> reason pattern, for every row ``build_errors`` must hold."""
        return {(e.relative, e.severity): e.reason or "" for e in self.expected if e.severity}

    @property
    def bad_files(self) -> int:
        return len({e.relative for e in self.expected if e.severity})


EVENT = """### [{date}](/news/{y}/{m}/{d}/index.md)

# {title}

{body}


### Source:

{sources}

### Related:

{related}
"""


def event_text(date: str, title: str, body: str = "Something happens.",
               sources: str = "1. [BBC](http://www.bbc.co.uk/news/world-1)",
               related: str = "1. [ Other event ](/news/2015/9/3/other.md) _Context: Syrian civil war_") -> str:
    y, m, d = date.split("-")
    return EVENT.format(date=date, y=y, m=m, d=d, title=title, body=body, sources=sources, related=related)


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def good(root: Path, date: str, slug: str, text: str | bytes, **kw: str) -> Expect:
    """A file that must become the event ``/news/<date>/<slug>.md`` (no build_errors row)."""
    y, m, d = date.split("-")
    relative = f"news/{y}/{m}/{d}/{slug}.md"
    write(root, relative, text)
    return Expect(relative, event=f"/news/{y}/{m}/{d}/{slug}.md", **kw)


# -- traps: each returns what it wrote ---------------------------------------------------------

def t_brackets_in_title(root: Path) -> list[Expect]:
    title = "[Update] Syrian civil war. Talks [resume] in Geneva [sic]."
    related = "1. [ [Live] Aleppo [map] ](/news/2015/9/3/other.md) _Context: Syrian civil war_"
    return [good(root, "2014-01-02", "brackets", event_text("2014-01-02", title, related=related), title=title)]


def t_parentheses_in_urls(root: Path) -> list[Expect]:
    url = "https://en.wikipedia.org/wiki/War_in_Somalia_(2009–present)"
    sources = f"1. [Wikipedia ((en))]({url})\n2. [Nested](http://x.org/a_(b_(c))_d)"
    text = event_text("2014-01-02", "Somalia. Fighting.", sources=sources)
    return [good(root, "2014-01-02", "parens", text, extra={"url": url})]


def t_commas_in_context_names(root: Path) -> list[Expect]:
    related = ("1. [ Other ](/news/2015/09/03/other.md) _Context: Guatemalan general election, 2015, "
               "Las Vegas, Nevada, Rowan County, Kentucky, United States_")
    return [good(root, "2014-01-02", "commas", event_text("2014-01-02", "Elections. A vote.", related=related))]


def t_missing_and_empty_sections(root: Path) -> list[Expect]:
    bare = "### [2014-01-03](/news/2014/01/03/index.md)\n\n# Only a title.\n\nAnd a body.\n"
    empty = event_text("2014-01-03", "Empty sections.", sources="", related="")
    title_only = "# Just a title, nothing else.\n"
    return [good(root, "2014-01-03", "no-sections", bare), good(root, "2014-01-03", "empty-sections", empty),
            good(root, "2014-01-03", "title-only", title_only)]


def t_utf8_bom_crlf_cr(root: Path) -> list[Expect]:
    text = event_text("2014-01-04", "Line ends. Windows wrote this.")
    return [
        good(root, "2014-01-04", "bom", b"\xef\xbb\xbf" + text.encode(), title="Line ends. Windows wrote this."),
        good(root, "2014-01-04", "crlf", text.replace("\n", "\r\n"), title="Line ends. Windows wrote this."),
        good(root, "2014-01-04", "cr", text.replace("\n", "\r"), title="Line ends. Windows wrote this."),
        good(root, "2014-01-04", "bom-crlf", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
             title="Line ends. Windows wrote this."),
    ]


def t_not_utf8(root: Path) -> list[Expect]:
    title = "Café – “quoted” naïve."
    latin1 = event_text("2014-01-05", "Café naïve.").encode("latin-1")
    cp1252 = event_text("2014-01-05", title).encode("cp1252")
    invalid = event_text("2014-01-05", "Bad bytes.", body="Broken \xc3\x28 and \xa0\xa1 and \xf0\x28\x8c\xbc end.")
    invalid_bytes = invalid.encode("latin-1")
    return [
        good(root, "2014-01-05", "latin1", latin1, title="Café naïve.", severity=WARNING, reason="not valid UTF-8"),
        good(root, "2014-01-05", "cp1252", cp1252, title=title, severity=WARNING, reason="not valid UTF-8"),
        good(root, "2014-01-05", "invalid-utf8", invalid_bytes, severity=WARNING, reason="not valid UTF-8"),
    ]


def t_misdated(root: Path) -> list[Expect]:
    wrong = event_text("2014-01-07", "Misdated.").replace("[2014-01-07]", "[2013-12-25]")
    impossible = event_text("2014-01-07", "Impossible heading.").replace("[2014-01-07]", "[2014-02-30]")
    return [
        good(root, "2014-01-07", "misdated", wrong, severity=WARNING, reason="disagrees with folder date"),
        good(root, "2014-01-07", "impossible-heading", impossible, severity=WARNING,
             reason="impossible heading date"),
    ]


def t_duplicate_padded_unpadded(root: Path) -> list[Expect]:
    text = event_text("2014-01-08", "Duplicate.")
    kept = good(root, "2014-01-08", "dup", text)
    write(root, "news/2014/1/8/dup.md", text)
    return [kept, Expect("news/2014/1/8/dup.md", severity=SKIPPED, reason="duplicate of news/2014/01/08/dup.md")]


def t_unpadded_alone(root: Path) -> list[Expect]:
    write(root, "news/2014/1/9/unpadded.md", event_text("2014-01-09", "Unpadded folders."))
    return [Expect("news/2014/1/9/unpadded.md", event="/news/2014/01/09/unpadded.md")]


def t_long_slug(root: Path) -> list[Expect]:
    slug = ("a-very-long-headline-that-goes-on-and-on-about-the-events-of-the-day-in-several-countries-"
            "with-many-participants-and-conseq")[:135]
    return [good(root, "2014-01-09", slug, event_text("2014-01-09", "Long slug."))]


def t_huge_files(root: Path) -> list[Expect]:
    paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20
    body = "\n\n".join([paragraph] * (5 * 1024 * 1024 // (len(paragraph) + 2) + 1))
    huge = good(root, "2014-01-10", "five-megabytes", event_text("2014-01-10", "Five megabytes.", body=body))
    line = good(root, "2014-01-10", "huge-body-line", event_text("2014-01-10", "One line.", body="word " * 200_000))
    too_big = "news/2014/01/10/too-large.md"
    write(root, too_big, event_text("2014-01-10", "Too large.", body="x" * (17 * 1024 * 1024)))
    return [huge, line, Expect(too_big, severity=SKIPPED, reason="file too large")]


def t_hostile_lines(root: Path) -> list[Expect]:
    """Lines built to make a naive link parser quadratic, and lines past the length limit."""
    brackets = "1. [x" + "](" * 20_000 + "y"
    long_item = "1. [long](/news/2014/01/11/x.md) _Context: " + "A" * 70_000 + "_"
    text = event_text("2014-01-11", "Hostile lines.", sources=brackets, related=brackets + "\n2. " + long_item[3:])
    return [good(root, "2014-01-11", "hostile-lines", text, severity=WARNING, reason="")]


def t_item_problems(root: Path) -> list[Expect]:
    sources = "1. BBC without a link\n2. [ok](http://ok.example/1)"
    related = "1. [not an event](https://example.com/page)\n2. [ Other ](/news/2015/9/3/other.md) _Context: X_"
    text = event_text("2014-01-12", "Item problems.", sources=sources, related=related)
    text += "\n### Notes:\n\nsomething\n"
    return [good(root, "2014-01-12", "item-problems", text, severity=WARNING, reason="")]


def t_markdown_injection(root: Path) -> list[Expect]:
    title = "Robert'); DROP TABLE events;-- <script>alert(1)</script> **bold** `code`"
    body = ("<img src=x onerror=alert(1)> [click](javascript:alert(1))\n\n# A second title line\n\n"
            "### [2099-01-01](/news/2099/01/01/index.md)\n\n' OR 1=1 --")
    sources = "1. [<b>BBC</b>](javascript:alert(1))\n2. [x](data:text/html,<script>alert(1)</script>)"
    text = event_text("2014-01-13", title, body=body, sources=sources)
    return [good(root, "2014-01-13", "injection", text, title=title)]


def t_nul_near_start(root: Path) -> list[Expect]:
    text = event_text("2014-01-14", "Nul.", body="before \x00 after")
    write(root, "news/2014/01/14/nul.md", text)
    return [Expect("news/2014/01/14/nul.md", severity=SKIPPED, reason="binary")]


def t_empty_and_binary(root: Path) -> list[Expect]:
    write(root, "news/2014/01/15/empty.md", b"")
    write(root, "news/2014/01/15/blank.md", b" \n\r\n\t\n")
    write(root, "news/2014/01/15/binary.md", bytes(random.Random(5).randrange(256) for _ in range(4096)) + b"\0")
    write(root, "news/2014/01/15/png.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
    write(root, "news/2014/01/15/no-title.md", "### [2014-01-15](/news/2014/01/15/index.md)\n\nJust text.\n")
    return [
        Expect("news/2014/01/15/empty.md", severity=SKIPPED, reason="empty file"),
        Expect("news/2014/01/15/blank.md", severity=SKIPPED, reason="empty file"),
        Expect("news/2014/01/15/binary.md", severity=SKIPPED, reason="binary"),
        Expect("news/2014/01/15/png.md", severity=SKIPPED, reason="binary"),
        Expect("news/2014/01/15/no-title.md", severity=SKIPPED, reason="no title"),
    ]


def t_impossible_folder_dates(root: Path) -> list[Expect]:
    out = []
    for relative in ("news/2015/02/30/feb-30.md", "news/2015/13/01/month-13.md", "news/2015/00/10/month-0.md",
                     "news/2015/01/32/day-32.md"):
        write(root, relative, event_text("2015-01-01", "Impossible date."))
        out.append(Expect(relative, severity=SKIPPED, reason="impossible date in folder names"))
    return out


def t_stray_files(root: Path) -> list[Expect]:
    strays = {
        "README.md": "# A corpus\n",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "notes.txt": "remember the milk\n",
        "news/2014/01/wrong-depth.md": event_text("2014-01-16", "Wrong depth."),
        "news/2014/01/16/notes.txt": "not markdown\n",
        "news/2014/01/16/photo.jpg": b"\xff\xd8\xff\xe0",
        "news/2014/01/16/event.md.bak": event_text("2014-01-16", "Backup copy."),
    }
    for relative, content in strays.items():
        write(root, relative, content)
    return [Expect(relative, severity=SKIPPED, reason="not an event file") for relative in strays]


def t_symlinks(root: Path) -> list[Expect]:
    folder = root / "news/2014/01/17"
    folder.mkdir(parents=True, exist_ok=True)
    target = good(root, "2014-01-17", "real", event_text("2014-01-17", "The real file."))
    outside = "/etc/hostname" if os.path.exists("/etc/hostname") else "/etc/passwd"
    links = {
        "inside.md": "real.md",
        "outside.md": outside,
        "dangling.md": "does-not-exist.md",
    }
    for name, to in links.items():
        os.symlink(to, folder / name)
    os.symlink("../16", folder / "dir-link", target_is_directory=True)
    out = [target] + [Expect(f"news/2014/01/17/{name}", severity=SKIPPED, reason="symbolic link") for name in links]
    out.append(Expect("news/2014/01/17/dir-link", severity=SKIPPED, reason="symbolic link"))
    return out


def t_symlink_loops(root: Path) -> list[Expect]:
    """A link to itself and two links to each other: resolving either fails with ELOOP."""
    folder = root / "news/2014/01/24"
    folder.mkdir(parents=True, exist_ok=True)
    links = {"loop.md": "loop.md", "ping.md": "pong.md", "pong.md": "ping.md"}
    for name, to in links.items():
        os.symlink(to, folder / name)
    return [Expect(f"news/2014/01/24/{name}", severity=SKIPPED, reason="symbolic link") for name in links]


def t_unreadable(root: Path) -> list[Expect]:
    """Files that cannot be read, honestly: a UNIX socket (ENXIO for everyone, root too), and
    a chmod 000 file when not root (root reads it anyway, so there it would prove nothing)."""
    out = []
    folder = root / "news/2014/01/18"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "socket.md"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
    finally:
        sock.close()
    out.append(Expect("news/2014/01/18/socket.md", severity=SKIPPED,
                      reason="unreadable|not a regular file"))
    (folder / "directory.md").mkdir()  # a directory with an event's name: not a file, nothing to report
    out.append(Expect("news/2014/01/18/directory.md"))
    if os.geteuid() != 0:
        locked = write(root, "news/2014/01/18/locked.md", event_text("2014-01-18", "Locked."))
        locked.chmod(0)
        out.append(Expect("news/2014/01/18/locked.md", severity=SKIPPED, reason="unreadable"))
    return out


def t_bad_day_page(root: Path) -> list[Expect]:
    write(root, "news/2014/01/19/index.md", b"\x00binary day page")
    day = "# 2014-01-20\n\n## Armed conflicts\n\n1. [Day page entry](https://example.com/not-a-path)\n"
    write(root, "news/2014/01/20/index.md", day)
    return [
        Expect("news/2014/01/19/index.md", severity=SKIPPED, reason="binary"),
        Expect("news/2014/01/20/index.md", severity=WARNING, reason="day page entry skipped"),
    ]


def t_filler(root: Path) -> list[Expect]:
    """Plain good events, so the corpus passes 200 files and the parallel parser runs too."""
    out = []
    for n in range(60):
        date = f"2013-{1 + n // 28:02d}-{1 + n % 28:02d}"
        related = f"1. [ Filler {n + 1} ](/news/2013/{1 + (n + 1) // 28}/{1 + (n + 1) % 28}/filler-{n + 1}.md)" \
                  " _Context: Filler, Testing_"
        out.append(good(root, date, f"filler-{n}", event_text(date, f"Filler {n}.", related=related)))
    return out


def t_nul_deep_in_file(root: Path) -> list[Expect]:
    """A NUL byte after the first 8 KiB: the decoder only looks at the start of the file."""
    text = event_text("2014-01-21", "Deep nul.", body="word " * 4000 + "\x00 after")
    write(root, "news/2014/01/21/deep-nul.md", text)
    return [Expect("news/2014/01/21/deep-nul.md", severity=SKIPPED, reason="binary|NUL")]


def t_fifo(root: Path) -> list[Expect]:
    """A named pipe with an event's name: opening it for reading blocks until a writer comes."""
    folder = root / "news/2014/01/22"
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "pipe.md")
    return [Expect("news/2014/01/22/pipe.md", severity=SKIPPED, reason="not a regular file|unreadable")]


def t_undecodable_file_name(root: Path) -> list[Expect]:
    """A file name that is not UTF-8 (os.walk hands it over with surrogate escapes)."""
    folder = root / "news/2014/01/23"
    folder.mkdir(parents=True, exist_ok=True)
    name = os.fsencode(folder) + b"/caf\xe9.md"
    with open(name, "wb") as handle:
        handle.write(event_text("2014-01-23", "Latin-1 file name.").encode())
    return [Expect(os.fsdecode(b"news/2014/01/23/caf\xe9.md"), severity=SKIPPED, reason="")]


TRAPS: dict[str, Callable[[Path], list[Expect]]] = {
    name.removeprefix("t_"): trap for name, trap in list(globals().items()) if name.startswith("t_")
}


def sample_events(root: Path) -> list[Expect]:
    """Copy the bundled sample (133 real events + 10 day pages): good files with the README's traps."""
    shutil.copytree(SAMPLE_DIR / "news", root / "news", dirs_exist_ok=True)
    out = []
    for path in sorted((SAMPLE_DIR / "news").rglob("*.md")):
        relative = path.relative_to(SAMPLE_DIR).as_posix()
        out.append(Expect(relative) if path.name == "index.md" else Expect(relative, event="/" + relative))
    return out


def make_corpus(root: Path, traps: list[str] | None = None, *, sample: bool = True) -> Corpus:
    """Write the sample plus ``traps`` (default: every trap) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    chosen = traps if traps is not None else list(TRAPS)
    expected = sample_events(root) if sample else []
    for name in chosen:
        expected.extend(TRAPS[name](root))
    notes = [f"left out (known bug): {name}" for name in sorted(set(TRAPS) - set(chosen))]
    if os.geteuid() == 0:
        notes.append("chmod 000 not tried: root reads such files anyway (a UNIX socket stands in)")
    return Corpus(root, expected, notes)


def bulk_corpus(root: Path, events: int, seed: int = 7) -> int:
    """``events`` plain events (linked to each other, some links unpadded), for kill tests; returns files."""
    rng = random.Random(seed)
    start = dt.date(2000, 1, 1).toordinal()  # eight events a day from here on
    for n in range(events):
        day = dt.date.fromordinal(start + n // 8)
        date = day.isoformat()
        links = []
        for position in range(1, 4):
            other = rng.randrange(events)
            oday = dt.date.fromordinal(start + other // 8)
            folder = f"{oday.year}/{oday.month}/{oday.day}" if rng.random() < 0.5 else oday.strftime("%Y/%m/%d")
            links.append(f"{position}. [ Event {other} ](/news/{folder}/event-{other}.md) _Context: Topic "
                         f"{other % 50}, Place {n % 7}_")
        text = event_text(date, f"Topic {n % 50}. Event number {n} happens.", body=f"Body of event {n}. " * 20,
                          related="\n".join(links))
        write(root, f"news/{day.year}/{day.month:02d}/{day.day:02d}/event-{n}.md", text)
    return events
