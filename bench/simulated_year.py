"""The simulated year of tests/clock/test_simulated_year.py, at any size, with timings.

Run on demand (not part of the tests):

    .venv/bin/python bench/simulated_year.py                    # 504 alerts, state in /dev/shm
    .venv/bin/python bench/simulated_year.py --alerts 4536      # 504 of each category
    .venv/bin/python bench/simulated_year.py --disk             # state on the disk (fsync costs)
    .venv/bin/python bench/simulated_year.py --check            # also run the test's checks

It drives the real service (store, templates, Maildir in, file outbox) through a
year of alerts, people answering late or never, found children, national alerts
and two switched-off weekends, then prints how long it took and where the time
went: rendering, store writes, the outbox, reading mail, the digest.

Measured on the 2-core test machine: 504 alerts 59 s on tmpfs, 140 s on disk
(the store's fsyncs: about 6 ms a durable write, 14,000 writes); 1008 alerts
114 s on tmpfs. Each write rewrites the hot file, which grows with the alerts
open, so much larger years grow faster than linearly.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.clock import year  # noqa: E402  (after the path is set)


class Timers:
    """Wall time and calls per named part, by wrapping a few methods in place."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - began
                self.calls[label] += 1

        setattr(owner, name, timed)


def instrumented_run(state: Path, alerts: int, seed: int, timers: Timers) -> year.YearRun:
    from mailbot.simulation import Simulation

    sim = Simulation(state, year.START)
    service: Any = sim.service
    timers.wrap(service.renderer, "render", "render a message")
    timers.wrap(service.store, "_write", "store: one durable write")
    timers.wrap(service.sender, "send", "outbox: write one .eml")
    timers.wrap(service, "handle", "read and handle one message (all in)")
    timers.wrap(service, "tick", "tick (all in)")
    timers.wrap(service, "flush", "flush the outbox (all in)")
    if service.digest is not None:
        timers.wrap(service, "digest", "build the weekly digest")
    run = year.YearRun(sim, year.make_plans(alerts, seed, sim.config.all_districts()))
    sim.service.observers.append(run.observe)
    run.run()
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=504)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--disk", action="store_true", help="state on the disk, not /dev/shm")
    parser.add_argument("--check", action="store_true", help="also run the test's checks")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    shm = Path("/dev/shm")
    where = None if args.disk or not shm.is_dir() else shm
    folder = Path(tempfile.mkdtemp(prefix="mailbot-year-", dir=where))
    timers = Timers()
    try:
        began = time.perf_counter()
        run = instrumented_run(folder / "state", args.alerts, args.seed, timers)
        wall = time.perf_counter() - began
        sent = len(run.sim.record.sent)
        stats = run.sim.service.store.stats()
        print(f"simulated year: {args.alerts} alerts, seed {args.seed}, state on "
              f"{'tmpfs (/dev/shm)' if where else 'disk'} ({folder})")
        print(f"  {wall:.1f} s wall: {1000 * wall / args.alerts:.0f} ms an alert, "
              f"{1000 * wall / max(sent, 1):.1f} ms a message sent")
        print(f"  {sent} messages, {len(run.sim.record.decisions)} decisions, {run.ticks} ticks; "
              f"hot file {stats['hot_file_bytes']} bytes, {stats['open_alerts']} open at the end")
        print(f"  {'part':<40} {'calls':>7} {'total s':>8} {'ms each':>8}")
        for label in sorted(timers.seconds, key=lambda k: -timers.seconds[k]):
            seconds, calls = timers.seconds[label], timers.calls[label]
            print(f"  {label:<40} {calls:>7} {seconds:>8.1f} {1000 * seconds / calls:>8.2f}")
        if args.check:
            began = time.perf_counter()
            figures, problems = year.check(run)
            print("\n".join(figures))
            print(f"checked in {time.perf_counter() - began:.1f} s: {len(problems)} problems")
            for problem in problems[:40]:
                print("  " + problem)
        run.sim.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
