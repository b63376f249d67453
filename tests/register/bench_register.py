"""Speed figures for the OLA register (prints numbers; asserts nothing).

    .venv/bin/python tests/register/bench_register.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mailbot.adapters.store.register import RegisterStore
from mailbot.core.durations import Duration
from mailbot.core.miu.purge import purge_plan
from mailbot.core.register import (
    OlaChild,
    OlaReading,
    RegisterEntry,
    apply,
    match,
    read_notification,
)
from mailbot.records import RegisterWrite
from tests.register.mail import load

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.eml"))
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def timed(label: str, n: int, fn: object) -> None:
    start = time.perf_counter()
    for _ in range(n):
        fn()  # type: ignore[operator]
    per = (time.perf_counter() - start) / n
    print(f"{label:<58} {per * 1000:8.3f} ms")


def main() -> None:
    notices = [load(p) for p in GOLDEN]
    timed(f"read_notification, all {len(notices)} golden messages", 50,
          lambda: [n.read() for n in notices])
    hostile = "Child: " + "A " * 50_000 + "\n" + " " * 100_000 + "x\n" + "Jo SMITH " * 10_000
    timed("read_notification, 220 kB hostile text", 3,
          lambda: read_notification("National alert", hostile, "x@y.example", T0))
    entries: tuple[RegisterEntry, ...] = ()
    for i in range(1000):
        r = OlaReading(kind="alert", authority=f"Council {i % 150}", sender=f"a@c{i % 150}.example",
                       children=(OlaChild(name=f"Child{i} SURNAME{i % 300}", dob=date(2015, 1, 1)
                                          + timedelta(days=i)),))
        entries = apply(entries, r, f"{i:024x}", T0 + timedelta(hours=i)).entries
    probe = OlaReading(kind="reissue", authority="Council 7", sender="a@c7.example",
                       children=(OlaChild(name="CHILD7 SURNAME7", dob=date(2015, 1, 8)),))
    timed("match against a register of 1,000 entries", 20, lambda: match(entries, probe))
    with tempfile.TemporaryDirectory() as folder:
        store = RegisterStore(Path(folder))
        store.write(RegisterWrite(at=T0, entries=entries, counts={"opened": len(entries)}))
        timed("store.entries() with 1,000 entries", 5, store.entries)
        timed("store.search('surname7') over 1,000 entries", 5, lambda: store.search("surname7"))
        start = time.perf_counter()
        now = T0 + timedelta(days=800)
        purged, doomed, tasks = purge_plan(store.entries(), store.originals(), store.tasks(), now,
                                           Duration(months=12))
        store.write(RegisterWrite(at=now, entries=purged.kept, tasks=tasks, dropped=doomed,
                                  counts={"purged": len(purged.purged)}))
        print(f"{'store.purge of 1,000 entries':<58} {(time.perf_counter() - start) * 1000:8.3f} ms"
              f"  ({len(purged.purged)} purged)")

if __name__ == "__main__":
    main()
