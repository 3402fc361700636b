"""A synthetic corpus of N events in the real markdown format, deterministic and streamed to disk.

Shape, not content, is what matters for a benchmark: three decades of dates (denser in later
years), power-law context popularity, 1-4 sources, 0-10 related links to events that share a
context (about 8 % dangling), context names with commas (``X County, Kentucky``, ``... election,
2015``) and parentheses, padded and unpadded link paths, sloppy spaces in link text, day pages
with category headings. Every attribute of event ``j`` is a pure function of (seed, j) plus the
context table built in a first pass, so a link can name its target without keeping any text.

    >>> Generator(1000, seed=1).write(Path("out/corpus"))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import re
import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise
from pathlib import Path

from . import words

GENERATOR_VERSION = 1
START = dt.date(1995, 1, 1)
DAYS = (dt.date(2024, 12, 31) - START).days + 1
MAX_SLUG = 135
DANGLING_SHARE = 0.08
_RELATED_WEIGHTS = (25, 8, 7, 6, 5, 4, 4, 3, 5, 3, 30)  # 0..10 links, bimodal as in the real corpus
_CONTEXT_WEIGHTS = (45, 35, 15, 5)  # 1..4 own contexts
_SOURCE_WEIGHTS = (70, 20, 7, 3)  # 1..4 sources
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_MASK = (1 << 64) - 1


def mix(*values: int) -> int:
    """A 64-bit hash of integers (splitmix64 steps): stable across runs and Python versions."""
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = (state ^ (value & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        state = (state ^ (state >> 27)) * 0x94D049BB133111EB & _MASK
        state ^= state >> 31
    return state


def syllable_name(number: int, parts: int = 3) -> str:
    """A capitalised pseudo-word, unique for each ``number`` below len(SYLLABLES) ** parts."""
    syllables = []
    for _ in range(parts):
        number, digit = divmod(number, len(words.SYLLABLES))
        syllables.append(words.SYLLABLES[digit])
    return "".join(syllables).capitalize()


def context_name(rank: int) -> str:
    """Context number ``rank`` (0 = most popular); shapes rotate so popular ones include every trap."""
    shape, index = rank % 20, rank // 20
    place = syllable_name(index)
    if shape == 0:
        return f"{place} County, {words.US_STATES[index % len(words.US_STATES)]}"
    if shape == 1:
        return f"{place}, {words.US_STATES[(index * 7) % len(words.US_STATES)]}"
    if shape == 2:
        kind = words.ELECTIONS[index % len(words.ELECTIONS)]
        return f"{words.COUNTRIES[index % len(words.COUNTRIES)]} {place} {kind}, {1995 + index % 30}"
    if shape == 3:
        return f"War in {place} ({1990 + index % 30}–present)"
    if shape in (4, 5):
        return f"{words.FIRST_NAMES[(index + 7 * shape) % len(words.FIRST_NAMES)]} {place}"
    if shape == 6:
        return words.COUNTRIES[index] if index < len(words.COUNTRIES) else f"{place} Republic"
    adjective = words.ADJECTIVES[(index + shape) % len(words.ADJECTIVES)]
    noun = words.NOUNS[(index * 3 + shape) % len(words.NOUNS)]
    return f"{adjective} {noun} in {place}" if shape % 2 else f"{place} {adjective.lower()} {noun}"


def slugify(title: str) -> str:
    """The corpus' slugs: lower case, runs of other characters become ``-``, cut at 135 characters."""
    return _NON_SLUG.sub("-", title.lower()).strip("-")[:MAX_SLUG]


def link_path(day: dt.date, slug: str, padded: bool) -> str:
    if padded:
        return f"/news/{day.year:04d}/{day.month:02d}/{day.day:02d}/{slug}.md"
    return f"/news/{day.year}/{day.month}/{day.day}/{slug}.md"


@dataclass
class CorpusStats:
    events: int = 0
    files: int = 0
    bytes: int = 0
    related: int = 0
    dangling: int = 0
    seconds: float = 0.0


class Generator:
    """Event ``j`` (0 <= j < n) in date order; ``write`` streams the files day by day."""

    def __init__(self, n: int, seed: int = 1) -> None:
        self.n, self.seed = n, seed
        self.contexts = max(50, n // 8)
        self._cumulative = list(accumulate(1.0 / (rank + 1) ** 1.05 for rank in range(self.contexts)))
        self._names: dict[int, str] = {}
        self._starts = array("I", [0])
        self._own = array("i")
        self._by_context: dict[int, array[int]] = {}
        self.title = lru_cache(maxsize=1 << 16)(self._title)  # links point at nearby events
        self._plan()

    # -- pass 1: each event's own contexts, and the events of each context -------------------

    def _plan(self) -> None:
        total = self._cumulative[-1]
        for j in range(self.n):
            rng = random.Random(mix(self.seed, j, 1))
            count = rng.choices(range(1, 5), _CONTEXT_WEIGHTS)[0]
            chosen: list[int] = []
            for _ in range(count * 3):
                rank = bisect_right(self._cumulative, rng.random() * total)
                rank = min(rank, self.contexts - 1)
                if rank not in chosen:
                    chosen.append(rank)
                if len(chosen) == count:
                    break
            for rank in chosen:
                self._own.append(rank)
                self._by_context.setdefault(rank, array("i")).append(j)
            self._starts.append(len(self._own))

    def own(self, j: int) -> tuple[int, ...]:
        return tuple(self._own[self._starts[j] : self._starts[j + 1]])

    def name(self, rank: int) -> str:
        found = self._names.get(rank)
        if found is None:
            found = self._names[rank] = context_name(rank)
        return found

    # -- pure functions of j --------------------------------------------------------------------

    def day(self, j: int) -> dt.date:
        """Denser in later years: the density triples from the first day to the last."""
        x = j / self.n
        return START + dt.timedelta(days=min(DAYS - 1, int(DAYS * x * (1.5 - 0.5 * x))))

    def _title(self, j: int) -> tuple[str, str]:
        """(title, headline): the title may start with one or two story (context) names."""
        rng = random.Random(mix(self.seed, j, 2))
        first = words.FIRST_NAMES[j % len(words.FIRST_NAMES)]
        surname = syllable_name(j // len(words.FIRST_NAMES), 4)  # unique per event: slugs never collide
        headline = (
            f"{rng.choice(words.ROLES)} {first} {surname} {rng.choice(words.VERBS)} {rng.choice(words.OBJECTS)}"
            f" {rng.choice(words.PLACE_PHRASES)}"
        )
        if rng.random() < 0.02:
            headline += " under the so-called [Charter] plan"
        headline += "."
        own = self.own(j)
        story = rng.random()
        if story < 0.1 and len(own) > 1 and len(self.name(own[0])) + len(self.name(own[1])) < 80:
            return f"{self.name(own[0])}. {self.name(own[1])}. {headline}", headline
        if story < 0.55:
            return f"{self.name(own[0])}. {headline}", headline
        return headline, headline

    def _dangling(self, j: int, k: int) -> tuple[dt.date, str]:
        """A link target that is not in the corpus (a later event, or one never archived)."""
        rng = random.Random(mix(self.seed, j, k, 3))
        offset = rng.randint(-60, 60)
        day = self.day(j) + dt.timedelta(days=offset)
        title = f"{rng.choice(words.ROLES)} {syllable_name(rng.randrange(10**6), 4)} {rng.choice(words.VERBS)}"
        return day, f"{title} {rng.choice(words.OBJECTS)}."

    def related(self, j: int, rng: random.Random) -> Iterator[tuple[dt.date, str, str, bool]]:
        """(target day, target title, shared context list, dangling) for each related link."""
        own = self.own(j)
        wanted = rng.choices(range(11), _RELATED_WEIGHTS)[0]
        seen = {j}
        made = 0
        for k in range(wanted * 3):
            if made == wanted:
                break
            rank = rng.choice(own)
            if rng.random() < DANGLING_SHARE:
                day, title = self._dangling(j, k)
                made += 1
                yield day, title, self.name(rank), True
                continue
            members = self._by_context[rank]
            if len(members) < 2:
                continue
            at = bisect_left(members, j)
            step = max(1, int(rng.expovariate(1 / 6)))
            position = at + step if rng.random() < 0.5 else at - step
            if not 0 <= position < len(members) or members[position] in seen:
                continue
            target = members[position]
            seen.add(target)
            shared = sorted(self.name(r) for r in set(own) & set(self.own(target)))
            made += 1
            yield self.day(target), self.title(target)[0], ", ".join(shared), False

    # -- pass 2: files ----------------------------------------------------------------------------

    def event_text(self, j: int, day: dt.date, stats: CorpusStats) -> tuple[str, str, str]:
        """(slug, title, markdown) of event ``j``."""
        rng = random.Random(mix(self.seed, j, 4))
        title, headline = self.title(j)
        slug = slugify(title)
        body = headline
        if rng.random() < 0.3:  # a body that differs from the headline: no story is detected
            body = f"{rng.choice(words.ROLES)}s react to the news {rng.choice(words.PLACE_PHRASES)}."
        for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
            body += " " + rng.choice(words.EXTRA_SENTENCES).format(n=rng.randint(2, 900))
        lines = [f"### [{day.isoformat()}](/news/{day:%Y/%m/%d}/index.md)", "",
                 f"# {title}{' ' if rng.random() < 0.2 else ''}", "", body, "", "", "### Source:", ""]
        if rng.random() >= 0.01:
            for position in range(1, rng.choices(range(1, 5), _SOURCE_WEIGHTS)[0] + 1):
                lines.append(f"{position}. {self._source(rng, day, slug)}")
        links = list(self.related(j, rng))
        if links or rng.random() < 0.9:
            lines += ["", "### Related:", ""]
        for position, (target_day, target_title, shared, dangling) in enumerate(links, start=1):
            text = f"{' ' if rng.random() < 0.3 else ''}{target_title}{' ' if rng.random() < 0.5 else ''}"
            path = link_path(target_day, slugify(target_title), padded=rng.random() < 0.5)
            lines.append(f"{position}. [{text}]({path}) _Context: {shared}_")
            stats.related += 1
            stats.dangling += dangling
        return slug, title, "\n".join(lines) + "\n"

    def _source(self, rng: random.Random, day: dt.date, slug: str) -> str:
        index = min(int(rng.paretovariate(1.2)) - 1, len(words.PUBLISHERS) - 1)
        name, host = words.PUBLISHERS[index]
        if host == "en.wikipedia.org":
            topic = slug.split("-")[0].capitalize()
            return f"[{name}](https://{host}/wiki/War_in_{topic}_({day.year}–present))"
        section = rng.choice(words.SECTIONS)
        return f"[{name}](https://{host}/{section}/{day:%Y/%m/%d}/{slug[:60]}-{rng.randrange(10**8)})"

    def category(self, j: int) -> str | None:
        rng = random.Random(mix(self.seed, j, 5))
        if rng.random() < 0.01:
            return None  # missing from its day page
        names, weights = zip(*words.CATEGORIES, strict=True)
        return str(rng.choices(names, weights)[0])

    def write(self, root: Path, workers: int = 1) -> CorpusStats:
        """Write ``root/news/YYYY/MM/DD/*.md`` and each day's ``index.md``; one day in memory at a time.

        With ``workers`` > 1 the events are split at day boundaries and written by forked processes
        (they share the context table copy-on-write); the files are the same either way.
        """
        started = time.perf_counter()
        cuts = [self._day_start(self.n * part // workers) for part in range(workers)] + [self.n]
        ranges = [(a, b) for a, b in pairwise(cuts) if a < b]
        if workers <= 1 or len(ranges) < 2 or not hasattr(os, "fork"):
            parts = [self._write_range(root, a, b) for a, b in ranges]
        else:
            global _ACTIVE
            _ACTIVE = self
            with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
                parts = pool.starmap(_write_range, [(root, a, b) for a, b in ranges])
                # let the workers exit on their own: the context manager's terminate() can kill one
                # while it holds the task queue's lock, and the pool then waits for the others forever
                pool.close()
                pool.join()
        stats = CorpusStats()
        for part in parts:
            for name in ("events", "files", "bytes", "related", "dangling"):
                setattr(stats, name, getattr(stats, name) + getattr(part, name))
        stats.seconds = time.perf_counter() - started
        return stats

    def _day_start(self, j: int) -> int:
        """The first event of the day of event ``j``."""
        while j > 0 and self.day(j - 1) == self.day(j):
            j -= 1
        return j

    def _write_range(self, root: Path, first: int, stop: int) -> CorpusStats:
        stats = CorpusStats()
        day_events: list[tuple[str, str, str | None]] = []
        current: dt.date | None = None
        for j in range(first, stop + 1):
            day = self.day(j) if j < stop else None
            if day != current and current is not None:
                self._write_day(root, current, day_events, stats)
                day_events = []
            if day is None:
                break
            current = day
            folder = root / f"news/{day:%Y/%m/%d}"
            if not day_events:
                folder.mkdir(parents=True, exist_ok=True)
            slug, title, text = self.event_text(j, day, stats)
            stats.bytes += _write(folder / f"{slug}.md", text)
            stats.files += 1
            stats.events += 1
            day_events.append((slug, title, self.category(j)))
        return stats

    def _write_day(self, root: Path, day: dt.date, events: list[tuple[str, str, str | None]],
                   stats: CorpusStats) -> None:
        lines = [f"# {day.isoformat()}", ""]
        for category, _ in words.CATEGORIES:
            listed = [(slug, title) for slug, title, cat in events if cat == category]
            if not listed:
                continue
            lines += [f"## {category}", ""]
            lines += [f"{i}. [{title}](/news/{day:%Y/%m/%d}/{slug}.md)" for i, (slug, title) in enumerate(listed, 1)]
            lines.append("")
        stats.bytes += _write(root / f"news/{day:%Y/%m/%d}/index.md", "\n".join(lines))
        stats.files += 1


_ACTIVE: Generator | None = None


def _write_range(root: Path, first: int, stop: int) -> CorpusStats:
    """Pool worker: the generator comes from the parent by fork."""
    assert _ACTIVE is not None
    return _ACTIVE._write_range(root, first, stop)


def _write(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return len(data)
