"""The incremental build against a full one, on a generated corpus (issue 13, item 2).

For each size: a full build; a day of ~20 events added after the last day (incremental); one old
event edited (incremental); a full build of the same final corpus (``--full``). Each build is one
``newsgql build`` process, timed from outside, its peak memory (and its workers') read from
``wait4``. The incremental builds copy the previous file with ``shutil.copyfile`` (the kernel's
``copy_file_range``/``sendfile``; a reflink where the file system has them), counted in their time.

    python -m bench.incremental --corpus /tmp/bench/corpus100000 --db /tmp/bench/news100000.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path


def run_build(corpus: Path, db: Path, *extra: str) -> tuple[float, float]:
    """(seconds, peak MB of the build and its workers) of one ``newsgql build``.

    Dirty pages of the previous build are written out first (``sync``, untimed): a daily update
    comes long after the last build, not while the kernel still flushes 3.7 GB of it.
    """
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "gql.cli", "build", str(corpus), "-o", str(db), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed:\n{output}")
    print("   ", output.strip().splitlines()[-1] if output.strip() else "")
    return seconds, usage.ru_maxrss / 1024


def add_day(corpus: Path, events: int = 20) -> Path:
    """A new day after the last one, holding copies of the last day's events (their date heading fixed);
    returns its folder. Only new files are written: on a hard-linked copy the original stays as it was."""
    days = sorted(p for p in corpus.glob("news/*/*/*") if p.is_dir())
    last = max(days, key=lambda p: tuple(int(x) for x in p.parts[-3:]))
    y, m, d = (int(x) for x in last.parts[-3:])
    new = dt.date(y, m, d) + dt.timedelta(days=1)
    folder = corpus / "news" / f"{new.year:04d}" / f"{new.month:02d}" / f"{new.day:02d}"
    folder.mkdir(parents=True)
    sources = [p for p in sorted(last.glob("*.md")) if p.name != "index.md"] * events
    for number, source in enumerate(sources[:events]):
        text = re.sub(r"\d{4}-\d{2}-\d{2}", new.isoformat(), source.read_text(), count=1)
        (folder / f"added-{number}-{source.name}").write_text(text)
    return folder


def remove_day(corpus: Path, folder: Path) -> None:
    """Undo ``add_day``: its folder, and the month and year folders made for it if they are empty now."""
    shutil.rmtree(folder)
    for parent in (folder.parent, folder.parent.parent):
        if parent != corpus / "news" and not any(parent.iterdir()):
            parent.rmdir()


def edit_old_event(corpus: Path) -> None:
    first_day = min((p for p in corpus.glob("news/*/*/*") if p.is_dir()),
                    key=lambda p: tuple(int(x) for x in p.parts[-3:]))
    event = next(p for p in sorted(first_day.glob("*.md")) if p.name != "index.md")
    text = event.read_text().replace("\n\n", "\n\nAn edited sentence.\n\n", 1)
    event.unlink()  # a hard link to the original corpus: a new file, not a write through it
    event.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a generated corpus (copied, never changed)")
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    work = args.corpus.with_name(args.corpus.name + "-incremental")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(args.corpus, work, copy_function=os.link)  # hard links: an edit replaces the file
    rows = []
    args.db.unlink(missing_ok=True)
    rows.append(("full build", *run_build(work, args.db)))
    add_day(work)
    rows.append(("add a day (20 events)", *run_build(work, args.db)))
    edit_old_event(work)
    rows.append(("edit one old event", *run_build(work, args.db)))
    rows.append(("full build, same corpus (--full)", *run_build(work, args.db, "--full")))
    full = rows[-1][1]
    print(f"\n| build ({args.corpus.name}) | seconds | / full | peak MB |\n|---|--:|--:|--:|")
    for name, seconds, peak in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / full:.1%} | {peak:.0f} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
