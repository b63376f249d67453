"""The committed sample weekly digest (T-WEEKLY): how to make it again.

    .venv/bin/python docs/sample-digest/regenerate.py

renders the digest of a fixed, seeded county (invented children, the shipped
routing.yaml, the real templates) for the week ending Sun 22 Nov 2026 and
writes weekly-digest.txt, weekly-digest.html and weekly-digest.png beside this
file. `tests/digest/test_sample.py` fails when the committed files no longer
match what the code renders: look at the difference, then run this script.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:      # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from mailbot.core.config import Config, load_config  # noqa: E402
from mailbot.core.values.alert import Alert, Event, National, Wait  # noqa: E402
from mailbot.core.values.form import Contact, Form  # noqa: E402

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)      # Monday 08:00 GMT: the digest's hour
SEED = 2026
FIRST = ("Zebedee", "Octavia", "Peregrine", "Marigold", "Balthazar", "Clementine", "Ignatius",
         "Wilhelmina", "Thaddeus", "Araminta", "Leopold", "Persephone")
LAST = ("Quillfeather", "Ravenscroft", "Wolstenholme", "Fairweather", "Pemberton-Hyde",
        "Thistlewood", "Ashcombe", "Merriweather")
# how often each category is raised: Children in Care missing is most of the traffic
WEIGHTS = {"C1": 1, "C2": 3, "C3": 4, "C4": 1, "C5": 3, "C6": 6, "C7": 2, "C8": 14, "C9": 4}
FILES = ("weekly-digest.txt", "weekly-digest.html", "weekly-digest.png")


def sample_config() -> Config:
    return load_config(yaml.safe_load((ROOT / "routing.yaml").read_text()), "routing.yaml")


def sample_inputs(config: Config) -> dict[str, Any]:
    """compute_digest's keyword arguments for the seeded county, `now` included."""
    rng = random.Random(SEED)
    children = [(f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"{4100000 + i}") for i in range(40)]
    areas = list(config.areas)
    alerts: list[Alert] = []
    events: list[Event] = []
    start = NOW - timedelta(days=150)
    times = sorted(start + timedelta(minutes=rng.randrange(0, 150 * 24 * 60 - 600))
                   for _ in range(180))
    for number, created in enumerate(times, 1):
        category = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        # C8 children come from a smaller pool so that some go missing again
        name, case_id = rng.choice(children[:25] if category == "C8" else children)
        alert, log = _alert(rng, config, f"KA-2026-{number:04d}", created, category,
                            rng.choice(areas), name, case_id)
        alerts.append(alert)
        events.extend(log)
    alerts.extend(_national_alerts(config))
    events.extend(_answers(alerts))
    events.extend(Event(ref=a.ref, seq=1, at=a.national.last_notice_at or a.national.issued_at
                        or a.created_at, rule="R-NAT", what="national_reissued")
                  for a in alerts[-3:] if a.national.last_notice_at)
    open_alerts = [a for a in alerts if a.status != "closed"]
    closed_alerts = [a for a in alerts if a.status == "closed"]
    # R-OLA, R-MIU: the register's week, and two questions waiting on the MIU (one overdue)
    from mailbot.core.digest.values import RegisterFigures

    register = RegisterFigures(opened=2, closed=1, purged=1, open_now=6)
    questions = [("miu", NOW - timedelta(days=1)), ("miu", NOW + timedelta(days=1))]
    return {"now": NOW, "open_alerts": open_alerts, "closed_alerts": closed_alerts,
            "events": sorted(events, key=lambda e: (e.at, e.ref, e.seq)), "config": config,
            "other_tasks": questions, "ola_register": register}


def _alert(rng: random.Random, config: Config, ref: str, created: datetime, category: str,
           area: str, name: str, case_id: str) -> tuple[Alert, list[Event]]:
    log: list[tuple[datetime, str]] = [(created, "raised")]
    missing = config.route_of(category).missing
    form = Form(category=category, child_name=name, case_id=case_id,
                district=config.areas[area].districts[0],
                missing_since=created - timedelta(hours=rng.randrange(2, 30)) if missing else None)
    found_at = interview = closed_at = None
    national = National()
    if rng.random() < 0.4 and created + timedelta(days=3) < NOW:
        log.append((created + timedelta(hours=rng.randrange(20, 60)), "updated"))
    if missing and category != "C7" and rng.random() < 0.9:
        found_at = created + timedelta(hours=rng.randrange(3, 24 * 12))
        if found_at < NOW:
            log.append((found_at, "found"))
            hours = rng.choice((20, 30, 40, 50, 60, 70, 90, 130, 0))
            held = found_at + timedelta(hours=hours)
            if hours and held < NOW:
                interview = held.date()
                log.append((held, "return_interview_recorded"))
        else:
            found_at = None
    if category == "C7" and created + timedelta(days=22) < NOW:
        issued = created + timedelta(days=22)
        national = National(status="issued", issued_at=issued)
        log.append((issued, "national_issued"))
    age = NOW - created
    if (found_at or not missing) and age > timedelta(days=rng.randrange(5, 60)):
        closed_at = created + age * rng.uniform(0.5, 0.95)
        log.append((closed_at, "dealerted"))
    waits: tuple[Wait, ...] = ()
    status: Any = "closed" if closed_at else "open"
    if closed_at is None and age < timedelta(days=12) and rng.random() < 0.6:
        status = "in_qa"
        step, role = rng.choice((("sm_qa", "sm"), ("ad_qa", "ad"), ("ad_review", "ad"),
                                 ("director_decision", "director")))
        asked = created + timedelta(hours=rng.randrange(1, 48))
        asked = min(asked, NOW - timedelta(hours=2))
        waits = (Wait(id=step, kind="approval", rule="T-QA", role=role,
                      owner=config.holder(role, area) or role, token="t" * 20, asked_at=asked,
                      due_at=asked + timedelta(days=1)),)
    log = sorted(entry for entry in log if entry[0] < NOW)
    alert = Alert(
        ref=ref, category=category, area=area, district=form.district or "", status=status,
        form=form, submitter=Contact(name="Sam Worker", email="sam.worker@kent.test"),
        created_at=created, updated_at=log[-1][0], waits=waits, national=national,
        missing_episodes=1 if missing else 0, found_at=found_at, return_interview_at=interview,
        closed_at=closed_at)
    return alert, [Event(ref=ref, seq=i, at=at, rule="R-ALL", what=what)
                   for i, (at, what) in enumerate(log, 1)]


def _answers(alerts: list[Alert]) -> list[Event]:
    """Each alert's Service Manager asked and answering, most within the working day it
    was given (an on-time rate of the chart), from a generator of their own so the
    other figures stay as they were; and chasing stopped on one step nobody answered."""
    rng = random.Random(SEED + 1)
    found: list[Event] = []
    for alert in alerts:
        asked = alert.created_at + timedelta(minutes=rng.randrange(5, 90))
        due = asked + timedelta(days=1)
        answered = asked + timedelta(hours=rng.choice((2, 5, 8, 20, 23, 30, 50)))
        if alert.waits or answered >= NOW:
            continue
        found += [Event(ref=alert.ref, seq=101, at=asked, rule="R-STD", what="asked",
                        detail={"stage": "sm_qa", "due_at": due.isoformat()}),
                  Event(ref=alert.ref, seq=102, at=answered, rule="R-STD", what="approved",
                        detail={"stage": "sm_qa"})]
    waiting = [a for a in alerts if a.waits and a.waits[0].due_at < NOW - timedelta(days=2)]
    if waiting:
        wait = waiting[0].waits[0]
        found.append(Event(ref=waiting[0].ref, seq=103, at=wait.due_at + timedelta(days=2),
                           rule="T-QA", what="chasing stopped",
                           detail={"stage": wait.id, "owner": wait.owner}))
    return found


def _national_alerts(config: Config) -> list[Alert]:
    """Three older national alerts (R-NAT): one in its re-issue notice period, one
    re-issued this week, and one near its 12-month lapse."""
    found: list[Alert] = []
    for number, (missing, issued, last) in enumerate((
            (datetime(2026, 5, 8, 16, 0, tzinfo=UTC), datetime(2026, 5, 30, 11, 0, tzinfo=UTC),
             None),
            (datetime(2026, 4, 20, 9, 0, tzinfo=UTC), datetime(2026, 5, 18, 10, 0, tzinfo=UTC),
             datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
            (datetime(2025, 11, 2, 22, 0, tzinfo=UTC), datetime(2025, 11, 24, 10, 0, tzinfo=UTC),
             datetime(2025, 12, 20, 12, 0, tzinfo=UTC))), 901):
        form = Form(category="C7", child_name=f"{FIRST[number % 12]} {LAST[number % 8]}",
                    case_id=f"{4200000 + number}", district="Swale", missing_since=missing)
        found.append(Alert(
            ref=f"KA-2025-{number:04d}", category="C7", area="east", district="Swale",
            status="open", form=form, submitter=Contact(name="Sam Worker",
                                                        email="sam.worker@kent.test"),
            created_at=missing + timedelta(hours=6), updated_at=last or issued,
            national=National(status="issued", issued_at=issued, last_notice_at=last)))
    return found


def render_sample(config: Config | None = None) -> dict[str, bytes]:
    """file name -> the bytes the code renders today."""
    from mailbot.adapters.digest_mail import preview
    from mailbot.core.digest.compute import compute_digest

    config = config or sample_config()
    digest = compute_digest(**sample_inputs(config))
    text, html, png = preview(digest, config, NOW)
    return dict(zip(FILES, (text.encode(), html.encode(), png), strict=True))


def main() -> None:
    for name, data in render_sample().items():
        (HERE / name).write_bytes(data)
        print(f"wrote {HERE / name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
