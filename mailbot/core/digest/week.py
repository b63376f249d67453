"""One week's figures: alerts raised, updated, de-alerted and open at its end; Children
in Care missing episodes; return interviews on time, late and outstanding (T-72H);
national notices issued."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.core.clocks.calendar import iso_key
from mailbot.core.config import Config
from mailbot.core.digest.facts import MISSING_CATEGORY, Facts
from mailbot.core.digest.lists import repeaters
from mailbot.core.digest.values import Counts, WeekFigures
from mailbot.core.values.alert import Alert, Event


def week_figures(events: list[Event], last_day: date, end: datetime, alerts: dict[str, Alert],
                 facts: list[Facts], recorded: dict[str, datetime], config: Config,
                 tz: ZoneInfo) -> WeekFigures:
    end_s = end.timestamp()

    def counts(refs: Iterable[str]) -> Counts:
        return counts_of([alerts.get(r) for r in refs], config)

    def refs(what: str) -> list[str]:
        return [e.ref for e in events if e.what == what]

    def children_in_care(refs: Iterable[str]) -> int:
        return sum(1 for r in set(refs) if r in alerts and alerts[r].category == MISSING_CATEGORY)

    on_time = late = 0
    for ref in set(refs("return_interview_recorded")):
        alert = alerts.get(ref)
        if alert is None or alert.found_at is None:
            continue
        held = alert.return_interview_at or recorded[ref].astimezone(tz).date()
        due = (alert.found_at + config.timers.return_interview.fixed).astimezone(tz).date()
        on_time, late = (on_time + 1, late) if held <= due else (on_time, late + 1)
    return WeekFigures(
        key=iso_key(last_day), first_day=last_day - timedelta(days=6),
        last_day=last_day, label=f"w/e {last_day.day} {last_day:%b}",
        raised=counts(sorted(set(refs("raised")))), updated=counts(refs("updated")),
        dealerted=counts(sorted(set(refs("dealerted")))),
        open_at_end=counts_of([f.alert for f in facts if f.open_at(end_s)], config),
        missing_new=children_in_care(refs("raised")),
        missing_found=children_in_care(refs("found")),
        still_missing=sum(1 for f in facts if f.missing_at(end_s)),
        repeat_missing=len(repeaters(facts, end_s)),
        interviews_on_time=on_time, interviews_late=late,
        interviews_outstanding=sum(1 for f in facts if f.interview_outstanding(end_s)),
        national_notices=len(refs("national_issued")) + len(refs("national_reissued")))


def counts_of(alerts: Sequence[Alert | None], config: Config) -> Counts:
    """By category and by area, every configured one shown (an unknown alert as "?")."""
    cats: Counter[str] = Counter({k: 0 for k in config.categories})
    areas: Counter[str] = Counter({k: 0 for k in config.areas})
    for alert in alerts:
        cats[alert.category if alert else "?"] += 1
        areas[alert.area if alert else "?"] += 1
    return Counts(total=len(alerts), by_category=dict(cats), by_area=dict(areas))
