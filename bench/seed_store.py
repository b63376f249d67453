"""Large state folders made from real alerts the bot produced, for the store benchmarks.

    .venv/bin/python bench/seed_store.py --out /tmp/big --archived 100000 --open 10000

First a short simulation (the real service on a simulated clock, on the real store,
templates, Maildir and file sender) raises alerts of five categories, has managers
approve some and de-alert others; the alerts it leaves open and closed, their event
logs and the mail it rendered and sent become the templates. Then copies of them
under new references fill a fresh state folder:

- `--open` alerts in the hot state (one commit), each copy's times moved so its
  deadlines fall after now (a first tick has nothing of theirs to fire), this
  week's digest marked sent;
- `--archived` closed alerts spread back over the past months, each with its
  event log, two seen-records and two sent mails (the real rendered bytes) in
  the cold files, written in bulk (`Store._bulk_cold`), as years of use leave them.

`bench/large_store.py` measures on folders made this way.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.adapters.store import Store  # noqa: E402  (after the path is set)
from mailbot.core.clocks.calendar import digest_week  # noqa: E402
from mailbot.core.config import Config  # noqa: E402
from mailbot.core.values.alert import Alert, Event  # noqa: E402
from mailbot.core.values.state import Decision, State  # noqa: E402
from mailbot.records import OutboxEntry, SeenRecord  # noqa: E402
from mailbot.service.bootstrap import DEFAULT_CONFIG  # noqa: E402
from mailbot.service.config_file import read_config  # noqa: E402
from tests.workflow.conftest import MONDAY, Bot  # noqa: E402

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# C8 in Thanet (east), C6 in Dartford (north), C7 in Dover, C1 in Swale, C3 in Maidstone
APPROVERS = {"C8": ["sue.manager@kent.test", "ad.east@kent.test"],
             "C6": ["sm.north@kent.test"], "C3": ["sm.west@kent.test"]}
SUBMITTER = {"C8": "Tara Manager <tara.manager@kent.test>",
             "C6": "Morgan Lead <morgan.lead@kent.test>",
             "C7": "Dee Lead <dee.lead@kent.test>", "C1": "Pat Head <pat.head@kent.test>",
             "C3": "Kim Lead <kim.lead@kent.test>"}


@dataclass
class Templates:
    """What the simulation left: alerts open and closed, with their history."""

    open: list[Alert]
    closed: list[Alert]
    events: dict[str, list[Event]]
    sent: dict[str, list[OutboxEntry]]     # by alert reference
    sim_now: datetime


def make_templates(work: Path) -> Templates:
    bot = Bot(work / "sim", MONDAY)
    try:
        refs: list[tuple[str, str]] = []
        for n in range(3):
            for category in ("C8", "C6", "C7", "C1", "C3"):
                ref = bot.send_form(category, sender=SUBMITTER[category], **{
                    "Child's name": f"Seed{n}{category} Example",
                    "Liberi ID": f"88{n}{ord(category[1]):04d}"})
                if ref:
                    refs.append((ref, category))
        for n, (ref, category) in enumerate(refs):
            for who in APPROVERS.get(category, [])[: 1 + n % 2]:
                try:
                    bot.answer(who, ref, "APPROVE")
                except LookupError:
                    break
        bot.at(bot.now + timedelta(hours=6))
        for ref, category in refs[::2]:
            bot.update(SUBMITTER[category], ref, "Alert type: De-alert")
        store = bot.service.store
        state = store.load()
        closed = store.closed_alerts(MONDAY - timedelta(days=1))
        every = [*state.alerts.values(), *closed]
        events = {a.ref: store.events(a.ref) for a in every}
        sent: dict[str, list[OutboxEntry]] = {}
        for entry in store.sent_log(MONDAY - timedelta(days=1)):
            if entry.ref:
                sent.setdefault(entry.ref, []).append(entry)
        if not state.alerts or not closed:
            raise SystemExit("the simulation left no open or no closed alert to copy")
        return Templates(list(state.alerts.values()), closed, events, sent, bot.now)
    finally:
        bot.close()


def shifted(value: Any, delta: timedelta) -> Any:
    """The JSON form of a value with every datetime moved by `delta`."""
    if isinstance(value, dict):
        return {k: shifted(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, delta) for v in value]
    if isinstance(value, str) and _ISO.match(value):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return (when + delta).isoformat()
    return value


def rename(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {k: rename(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [rename(v, old, new) for v in value]
    if isinstance(value, str):
        return value.replace(old, new).replace(old.lower(), new.lower())
    return value


def copy_alert(alert: Alert, ref: str, delta: timedelta, n: int) -> Alert:
    data = rename(shifted(alert.model_dump(mode="json"), delta), alert.ref, ref)
    form = data["form"]
    form["child_name"] = f"Child{n} Example"
    if form.get("case_id"):
        form["case_id"] = f"{7000000 + n}"
    return Alert.model_validate(data)


def copy_events(events: list[Event], ref: str, delta: timedelta) -> list[Event]:
    return [Event.model_validate(rename(shifted(e.model_dump(mode="json"), delta), e.ref, ref))
            for e in events]


def copy_sent(entries: list[OutboxEntry], old: str, ref: str, at: datetime) -> list[OutboxEntry]:
    return [replace(e, message_id=e.message_id.replace(old.lower(), ref.lower()), ref=ref,
                    data=e.data.replace(old.encode(), ref.encode()), created_at=at,
                    sending_at=at, sent_at=at, status="sent")
            for e in entries[:2]]


def seen_for(ref: str, at: datetime, n: int) -> list[SeenRecord]:
    return [SeenRecord(sha256=hashlib.sha256(f"{ref}/{k}".encode()).hexdigest(), mailbox="unit",
                       uid=f"1:{n * 2 + k}", message_id=f"seed.{n}.{k}@kent.test", at=at,
                       disposition="processed") for k in range(2)]


def archived_refs(count: int) -> Iterator[str]:
    for n in range(count):
        yield f"KA-{2010 + n // 9999:04d}-{n % 9999 + 1:04d}"


def open_refs(count: int) -> list[str]:
    return [f"KA-{2024 + n // 9999:04d}-{n % 9999 + 1:04d}" for n in range(count)]


def seed(folder: Path, templates: Templates, *, archived: int, open_alerts: int,
         now: datetime | None = None, config: Config | None = None) -> dict[str, float]:
    """Fill `folder` (new) with `open_alerts` open and `archived` closed alerts."""
    now = now or datetime.now(UTC)
    config = config or read_config(DEFAULT_CONFIG)
    began = time.perf_counter()
    delta_open = now - templates.sim_now
    alerts: dict[str, Alert] = {}
    open_events: list[Event] = []
    for n, ref in enumerate(open_refs(open_alerts)):
        template = templates.open[n % len(templates.open)]
        alerts[ref] = copy_alert(template, ref, delta_open, n)
        open_events += copy_events(templates.events.get(template.ref, []), ref, delta_open)
    counters: dict[str, int] = {}
    for ref in alerts:
        year, number = ref.split("-")[1:]
        counters[year] = max(counters.get(year, 0), int(number))
    owed = tuple(digest_week(now + timedelta(days=d), config).sent_key for d in (0, 7))
    state = State(alerts=alerts, counters=counters, digest_sent=owed)
    with Store.open(folder) as store:
        store.commit(Decision(state=state))
        store._bulk_cold(events=open_events)
        batch: list[tuple[Alert, list[Event], list[SeenRecord], list[OutboxEntry]]] = []
        for n, ref in enumerate(archived_refs(archived)):
            template = templates.closed[n % len(templates.closed)]
            closed_at = now - timedelta(days=7) - timedelta(minutes=20 * (archived - n))
            delta = closed_at - (template.closed_at or template.updated_at)
            alert = copy_alert(template, ref, delta, open_alerts + n)
            batch.append((alert, copy_events(templates.events.get(template.ref, []), ref, delta),
                          seen_for(ref, closed_at, n),
                          copy_sent(templates.sent.get(template.ref, []), template.ref, ref,
                                    closed_at)))
            if len(batch) == 2000:
                _bulk(store, batch)
                batch = []
        _bulk(store, batch)
    return {"seconds": time.perf_counter() - began,
            "bytes": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())}


def _bulk(store: Store, batch: list[tuple[Alert, list[Event], list[SeenRecord],
                                          list[OutboxEntry]]]) -> None:
    store._bulk_cold(alerts=[a for a, *_ in batch], events=[e for _, es, _, _ in batch for e in es],
                     seen=[s for *_, ss, _ in batch for s in ss],
                     sent=[o for *_, os_ in batch for o in os_])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the state folder to make (new)")
    parser.add_argument("--archived", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=10_000)
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; give a new folder")
    work = Path(tempfile.mkdtemp(prefix="seed-templates-"))
    try:
        templates = make_templates(work)
        print(f"templates: {len(templates.open)} open, {len(templates.closed)} closed alerts")
        made = seed(args.out, templates, archived=args.archived, open_alerts=args.open)
        print(f"{args.out}: {args.open:,} open, {args.archived:,} archived in "
              f"{made['seconds']:.0f} s, {made['bytes'] / 1e6:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
