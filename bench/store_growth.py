"""How the store's cost per handled message moves as history grows.

Run on demand (not part of the tests):

    .venv/bin/python bench/store_growth.py                  # 100 .. 100,000 archived alerts
    .venv/bin/python bench/store_growth.py --sizes 100,1000 --messages 50

For each size it builds a store with `--open` open alerts in the hot file and
N closed alerts in the archive (each with its event log, seen-records and
sent mail in the cold logs, written in bulk), reopens it, then handles
`--messages` messages the way the shell does: load, commit one changed alert
with 2 events, 1 outbox entry and the seen-record; then mark the mail
sending and sent. Prints milliseconds and the hot file's size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.adapters.store import Store
from mailbot.core.values.alert import Alert, Event, Wait
from mailbot.core.values.form import Contact, Form
from mailbot.core.values.state import Decision, State
from mailbot.records import OutboxEntry, SeenRecord

T0 = datetime(2020, 1, 1, tzinfo=UTC)
MAIL = b"X" * 2048


def template(ref: str, at: datetime) -> Alert:
    wait = Wait(id="sm_qa", kind="approval", rule="R-QA", role="sm", owner="pat.lee",
                token="0123456789abcdef0123", asked_at=at, due_at=at + timedelta(hours=4))
    form = Form(reference=ref, category="C2", district="Ashford", team="North CIN",
                child_name="Child Name", case_id="123456", summary="A summary " * 20,
                circumstances="Circumstances " * 30, actions_taken="Actions " * 20,
                social_worker=Contact(name="Sam Worker", email="sam@example.gov.uk"))
    return Alert(ref=ref, category="C2", area="north", district="Ashford", form=form,
                 submitter=Contact(name="Sam Worker", email="sam@example.gov.uk"),
                 created_at=at, updated_at=at, waits=(wait,), status="open")


def events(ref: str, at: datetime, first: int, count: int) -> list[Event]:
    return [Event(ref=ref, seq=first + n, at=at, rule="R-QA", what="approval asked",
                  message_id=f"{ref.lower()}.{first + n}@bot.example", detail={"stage": "sm_qa"})
            for n in range(count)]


def history(count: int) -> Iterator[tuple[Alert, list[Event], list[SeenRecord],
                                           list[OutboxEntry]]]:
    base = template("KA-2019-0000", T0)
    for n in range(count):
        ref = f"KA-{2000 + n // 10000:04d}-{n % 10000:04d}"
        closed_at = T0 + timedelta(hours=n * 3)       # spread over months
        alert = base.model_copy(update={"ref": ref, "status": "closed", "closed_at": closed_at,
                                        "updated_at": closed_at, "event_seq": 5})
        seen = [SeenRecord(f"{n:060d}{k:04d}", "unit", f"1:{n}{k}", f"m{n}.{k}@x", closed_at,
                           "processed") for k in range(2)]
        sent = [OutboxEntry(f"{ref.lower()}.{k}@bot.example", ("tm@example.gov.uk",), MAIL, ref,
                            "approval_request", closed_at, status="sent", sent_at=closed_at)
                for k in range(2)]
        yield alert, events(ref, closed_at, 1, 5), seen, sent


def build(folder: Path, archived: int, open_alerts: int) -> None:
    with Store.open(folder) as store:
        now = T0 + timedelta(hours=archived * 3 + 1)
        alerts = {f"KA-2099-{n:04d}": template(f"KA-2099-{n:04d}", now) for n in range(open_alerts)}
        store.commit(Decision(state=State(alerts=alerts, counters={"2099": open_alerts})))
        batch: list[tuple[Alert, list[Event], list[SeenRecord], list[OutboxEntry]]] = []
        for item in history(archived):
            batch.append(item)
            if len(batch) == 5000:
                bulk(store, batch)
                batch = []
        bulk(store, batch)


def bulk(store: Store, batch: list[tuple[Alert, list[Event], list[SeenRecord],
                                         list[OutboxEntry]]]) -> None:
    store._bulk_cold(alerts=[a for a, *_ in batch], events=[e for _, es, _, _ in batch for e in es],
                     seen=[s for *_, ss, _ in batch for s in ss],
                     sent=[o for *_, os_ in batch for o in os_])


def handle_messages(folder: Path, count: int) -> tuple[float, list[float], list[float], int]:
    started = time.perf_counter()
    store = Store.open(folder)
    opened = (time.perf_counter() - started) * 1000
    commits, sends = [], []
    now = datetime.now(UTC)
    try:
        refs = sorted(store.load().alerts)
        for n in range(count):
            now += timedelta(minutes=7)
            t = time.perf_counter()
            state = store.load()
            ref = refs[n % len(refs)]
            alert = state.alerts[ref]
            changed = alert.model_copy(update={"updated_at": now, "event_seq": alert.event_seq + 2})
            decision = Decision(state=state.model_copy(
                update={"alerts": {**state.alerts, ref: changed}}),
                events=tuple(events(ref, now, alert.event_seq + 1, 2)))
            mid = f"{ref.lower()}.bench{n}@bot.example"
            entry = OutboxEntry(mid, ("tm@example.gov.uk",), MAIL, ref, "approval_request", now)
            seen = SeenRecord(f"bench{n:059d}", "unit", f"9:{n}", f"in{n}@x", now, "processed")
            store.commit(decision, seen=seen, outbox=[entry])
            commits.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            store.mark_sending(mid, now)
            store.mark_sent(mid, now)
            sends.append((time.perf_counter() - t) * 1000)
        hot_bytes = store.stats()["hot_file_bytes"]
    finally:
        store.close()
    return opened, commits, sends, hot_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--open", type=int, default=300, help="open alerts in the hot file")
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: a temp dir)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="store-growth-", dir=args.dir))
    print(f"{args.open} open alerts; {args.messages} messages per size; in {root}")
    print(f"{'archived':>9} {'build s':>8} {'open ms':>8} {'commit ms med':>14} "
          f"{'p90':>6} {'send ms med':>12} {'hot bytes':>10} {'cold MB':>8}")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            folder = root / f"n{size}"
            t = time.perf_counter()
            build(folder, size, args.open)
            built = time.perf_counter() - t
            opened, commits, sends, hot = handle_messages(folder, args.messages)
            cold = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) - hot
            p90 = statistics.quantiles(commits, n=10)[-1]
            print(f"{size:>9,} {built:>8.1f} {opened:>8.0f} {statistics.median(commits):>14.2f} "
                  f"{p90:>6.2f} {statistics.median(sends):>12.2f} {hot:>10,} {cold / 1e6:>8.1f}",
                  flush=True)
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
