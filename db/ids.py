"""Row ids that every build gives the same row, whatever else the corpus holds.

An incremental build rewrites only the days whose files changed, so no id may depend on what
comes before its row in the corpus:

- **Events, sources and related links** of one day take ids in that day's own block,
  ``(date ordinal << DAY_BITS) + place in the day`` (1, 2, ...: events in file order, sources and
  links in the order the day's events cite them). Id order stays date order, then path order,
  which the API's keyset pages rely on; a day's rows move only when that day changes.
- **Contexts** take a 48-bit hash of their name (exact in JavaScript numbers too); a collision,
  about one in 10^5 archives of 10^5 names, moves the later name in name order up to the next
  free id, so the ids still depend on the set of names alone.

>>> day_block("2015-09-05") >> DAY_BITS
735846
>>> context_ids(["Syria"]) == context_ids(["Syria", "Aleppo"]) | {"Aleppo": context_ids(["Aleppo"])["Aleppo"]}
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

#: Room for 2^32 - 1 rows of each kind in one day: more than a 16 MiB file can hold, many times over.
DAY_BITS = 32
CONTEXT_ID_BYTES = 6


def day_block(date: str) -> int:
    """The id before the first of a day's rows (an ISO date): its rows are ``block + 1`` on."""
    return dt.date.fromisoformat(date).toordinal() << DAY_BITS


def day_range(date: str) -> tuple[int, int]:
    """The ids a day's rows may take, as a half-open range ``[low, high)``."""
    low = day_block(date)
    return low, low + (1 << DAY_BITS)


def context_ids(names: Iterable[str]) -> dict[str, int]:
    """The id of each context name: its hash, or the next free id after a collision (in name order)."""
    ids: dict[str, int] = {}
    taken: set[int] = set()
    for name in sorted(set(names)):
        number = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=CONTEXT_ID_BYTES).digest(), "big") or 1
        while number in taken:
            number += 1
        taken.add(number)
        ids[name] = number
    return ids
