"""Speed figures for the MIU inbox's own work (prints numbers; asserts nothing).

    .venv/bin/python bench/miu_desk.py

* one other council's notification through the whole service (read, register,
  ask, render, commit), over the golden corpus;
* what the register adds to every clock tick (the purge check and the chasers)
  with a register of 1,000 entries, the size of years of national alerts;
* a simulated year of the register alone (52 digests, the purge at 12 months).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.core.register import OlaChild, OlaReading, open_entry  # noqa: E402
from mailbot.simulation import Simulation  # noqa: E402

GOLDEN = sorted((ROOT / "tests" / "register" / "golden").glob("*.eml"))
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def per_notification(folder: Path) -> None:
    sim = Simulation(folder / "a", START)
    try:
        began = time.perf_counter()
        for path in GOLDEN:
            sim.deliver(path.read_bytes(), "miu")
        spent = time.perf_counter() - began
    finally:
        sim.close()
    print(f"{'a notification through the service (golden corpus)':<58} "
          f"{spent / len(GOLDEN) * 1000:8.1f} ms each ({len(GOLDEN)} messages)")


def tick_cost(folder: Path, size: int = 1000) -> None:
    sim = Simulation(folder / "b", START)
    try:
        desk = sim.service.miu
        entries: tuple = ()
        for i in range(size):
            reading = OlaReading(kind="alert", authority=f"Council {i}",
                                 children=(OlaChild(name=f"Child{i} SURNAME{i}"),), sender="x@y.z")
            entries = open_entry(entries, reading, f"{i:024x}", START).entries
        desk.register._write({"entries": [e.model_dump(mode="json") for e in entries],  # type: ignore[union-attr]
                              "originals": {}, "tasks": []})
        ctx = sim.service.ctx()
        began = time.perf_counter()
        desk.tick(ctx)  # type: ignore[union-attr]   # a full sweep: purge check and chasers
        sweep = time.perf_counter() - began
        n = 200
        began = time.perf_counter()
        for minute in range(1, n + 1):   # the following ticks, a minute apart, nothing due
            later = type(ctx)(now=ctx.now + timedelta(minutes=minute), secret=ctx.secret)
            desk.tick(later)  # type: ignore[union-attr]
            desk.next_due(later.now)  # type: ignore[union-attr]
        quiet = (time.perf_counter() - began) / n
    finally:
        sim.close()
    print(f"{f'the register sweep (purge check, chasers), {size} entries':<58} "
          f"{sweep * 1000:8.1f} ms (at most daily, or when due)")
    print(f"{f'a clock tick when nothing of it is due, {size} entries':<58} "
          f"{quiet * 1000:8.3f} ms")


def simulated_year(folder: Path) -> None:
    sim = Simulation(folder / "c", START)
    try:
        for path in GOLDEN[:6]:
            sim.deliver(path.read_bytes(), "miu")
        began = time.perf_counter()
        sim.at(START + timedelta(days=370))
        spent = time.perf_counter() - began
        left = len(sim.service.miu.register.entries())  # type: ignore[union-attr]
    finally:
        sim.close()
    print(f"{'a simulated year, 6 entries and their questions':<58} {spent:8.2f} s "
          f"({left} entries left after the purge)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_notification(folder)
        tick_cost(folder)
        simulated_year(folder)


if __name__ == "__main__":
    main()
