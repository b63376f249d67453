"""How long the weekly digest (T-WEEKLY) takes for a large county: prints numbers.

    .venv/bin/python bench/digest_speed.py [alerts]

Builds `alerts` seeded alerts (default 10,000) with four events each, then
times compute_digest (pure) and the chart; no asserts, the figures are for reading.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from mailbot.core.config import load_config
from mailbot.core.digest.compute import compute_digest
from mailbot.core.values.alert import Alert, Event, Wait
from mailbot.core.values.form import Contact, Form

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)


def county(size: int) -> tuple[list[Alert], list[Event]]:
    config = load_config(yaml.safe_load((Path(__file__).resolve().parents[1] / "routing.yaml")
                                        .read_text()))
    rng = random.Random(1)
    alerts, events = [], []
    for n in range(size):
        created = NOW - timedelta(minutes=rng.randrange(1, 200 * 24 * 60))
        category = rng.choice(list(config.categories))
        area = rng.choice(list(config.areas))
        missing = created - timedelta(hours=3) if category in ("C6", "C7", "C8") else None
        found = created + timedelta(hours=rng.randrange(1, 200)) if missing else None
        found = found if found and found < NOW else None
        closed = created + timedelta(days=rng.randrange(1, 60)) if rng.random() < 0.7 else None
        closed = closed if closed and closed < NOW else None
        ref = f"KA-2026-{n:05d}"
        waits = () if closed else (Wait(id="sm_qa", kind="approval", rule="T-QA", role="sm",
                                        owner="x", token="t" * 20, asked_at=created,
                                        due_at=created + timedelta(days=1)),)
        alerts.append(Alert(
            ref=ref, category=category, area=area, district=config.areas[area].districts[0],
            status="closed" if closed else "open",
            form=Form(child_name="Test Child", case_id=str(rng.randrange(3000)),
                      missing_since=missing),
            submitter=Contact(email="sw@kent.test"), created_at=created, updated_at=created,
            found_at=found, closed_at=closed, waits=waits, missing_episodes=1 if missing else 0))
        events.append(Event(ref=ref, seq=1, at=created, rule="R-ALL", what="raised"))
        events.append(Event(ref=ref, seq=2, at=created + timedelta(hours=5), rule="R-ALL",
                            what="updated"))
        if found:
            events.append(Event(ref=ref, seq=3, at=found, rule="R-ALL", what="found"))
        if closed:
            events.append(Event(ref=ref, seq=4, at=closed, rule="R-ALL", what="dealerted"))
    return alerts, events


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    config = load_config(yaml.safe_load((Path(__file__).resolve().parents[1] / "routing.yaml")
                                        .read_text()))
    alerts, events = county(size)
    open_alerts = [a for a in alerts if a.status != "closed"]
    closed = [a for a in alerts if a.status == "closed"]
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        digest = compute_digest(now=NOW, open_alerts=open_alerts, closed_alerts=closed,
                                events=events, config=config)
        runs.append(time.perf_counter() - started)
    print(f"compute_digest: {len(alerts)} alerts, {len(events)} events: "
          f"best {min(runs) * 1000:.0f} ms of {len(runs)} runs")
    from mailbot.adapters.chart import trend_chart

    started = time.perf_counter()
    png = trend_chart(digest)
    print(f"trend_chart (first call, with the Pillow import): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms, {len(png)} bytes")
    started = time.perf_counter()
    trend_chart(digest)
    print(f"trend_chart (warm): {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
