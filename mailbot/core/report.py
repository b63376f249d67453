"""Management information (issue 15, procedure section 6): one row per alert and one
per clock, for `mailbot report`, from the same alerts and events the weekly digest
counts, by the same rules, so a week's rows add up to that week's digest figures:

* an alert is *raised* in a period when its `raised` event falls in it, *closed* when
  its `dealerted` event does (the digest's "raised" and "de-alerted");
* an approval or task is *met* when the answer (`approved`, `returned`, `task_done`)
  came by the deadline it was asked with (`asked`, `task_set`), counted in the period
  of the answer (the digest's "answered on time" and "late");
* a return interview (T-72H) is met when held by the day 72 hours from the finding.

Only references and initials, never a name; initials are left out of a record that
is restricted or past retention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.core.clocks.calendar import midnight
from mailbot.core.config import Config
from mailbot.core.dates import aware_instant
from mailbot.core.digest.attention import ANSWERED, ASKED
from mailbot.core.values.alert import Alert, Event

ALERT_COLUMNS = ("ref", "category", "category name", "area", "district", "initials",
                 "raised", "closed", "status", "raised in period", "closed in period",
                 "national alert", "missing since", "found", "record")
CLOCK_COLUMNS = ("ref", "category", "area", "clock", "step", "due", "met at", "result",
                 "in period")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @classmethod
    def of_days(cls, first: date, last: date, config: Config) -> Period:
        tz = ZoneInfo(config.organisation.timezone)
        return cls(midnight(first, tz), midnight(last + timedelta(days=1), tz))

    def holds(self, when: datetime | None) -> bool:
        return when is not None and self.start <= when < self.end


def in_view(alerts: Iterable[Alert], period: Period) -> list[Alert]:
    """Alerts open at some moment of the period, by reference."""
    return sorted((a for a in alerts if open_in(a, period)), key=lambda a: a.ref)


def open_in(alert: Alert, period: Period) -> bool:
    """Whether the alert was open at some moment of the period."""
    return alert.created_at < period.end and (
        alert.status != "closed" or (alert.closed_at or alert.updated_at) >= period.start)


def alert_rows(alerts: Sequence[Alert], events: Sequence[Event], period: Period,
               config: Config) -> list[list[str]]:
    raised = {e.ref for e in events if e.what == "raised" and period.holds(e.at)}
    closed = {e.ref for e in events if e.what == "dealerted" and period.holds(e.at)}
    rows = []
    for a in alerts:
        removed = a.personal_data_removed_at is not None
        record = ("personal data removed" if removed else "restricted" if a.restricted
                  else "full")
        rows.append([
            a.ref, a.category, config.categories[a.category].name
            if a.category in config.categories else a.category,
            config.areas[a.area].name if a.area in config.areas else a.area, a.form.district or "",
            "" if removed or a.restricted else a.initials,
            stamp(a.created_at, config), stamp(a.closed_at if a.status == "closed" else None, config),
            a.status, _yes(a.ref in raised), _yes(a.ref in closed),
            "" if a.national.status == "not_requested" else a.national.status,
            stamp(a.form.missing_since, config), stamp(a.found_at, config), record])
    return rows


def clock_rows(alerts: Sequence[Alert], events: Sequence[Event], period: Period,
               config: Config) -> list[list[str]]:
    by_ref = {a.ref: a for a in alerts}
    rows: list[list[str]] = []
    asked: dict[tuple[str, str], tuple[str, str, datetime]] = {}
    recorded: dict[str, datetime] = {}
    for event in sorted(events, key=lambda e: (e.at, e.ref, e.seq)):
        alert = by_ref.get(event.ref)
        if alert is None:
            continue
        if event.what == "return_interview_recorded":
            recorded.setdefault(event.ref, event.at)   # in time order: the first is the earliest
        if event.what in ASKED:
            step = str(event.detail.get(ASKED[event.what]))
            due = aware_instant(event.detail.get("due_at"))
            if due is not None:
                kind = "approval" if event.what == "asked" else "task"
                asked[(event.ref, f"{ASKED[event.what]}:{step}")] = (kind, step, due)
        elif event.what in ANSWERED:
            key = (event.ref, f"{ANSWERED[event.what]}:{event.detail.get(ANSWERED[event.what])}")
            found = asked.pop(key, None)
            if found is not None:
                kind, step, due = found
                rows.append(_clock(alert, kind, step, due, event.at,
                                   "met" if event.at <= due else "late",
                                   period.holds(event.at), config))
    for (ref, _), (kind, step, due) in sorted(asked.items()):
        rows.append(_clock(by_ref[ref], kind, step, due, None, "not answered",
                           period.holds(due), config))
    tz = ZoneInfo(config.organisation.timezone)
    missing = _missing(config)
    for a in alerts:
        if a.found_at is None or a.category not in missing:
            continue
        due = a.found_at + config.timers.return_interview.fixed
        held_at = recorded.get(a.ref)
        held = a.return_interview_at or (held_at.astimezone(tz).date() if held_at else None)
        if held is None:
            rows.append(_clock(a, "return interview", "T-72H", due, None, "not recorded",
                               period.holds(due), config))
            continue
        met = held <= due.astimezone(tz).date()
        rows.append(_clock(a, "return interview", "T-72H", due, midnight(held, tz),
                           "met" if met else "late", period.holds(held_at), config, day=True))
    return sorted(rows, key=clock_order)


def clock_order(row: list[str]) -> tuple[str, str, str, str]:
    """The clock table's order: by reference, then due, clock and step. Each alert's
    rows are made from its own events alone, so rows made an alert at a time and then
    put in this order are the rows made from all at once (service/report.py)."""
    return row[0], row[5], row[3], row[4]


def _clock(alert: Alert, kind: str, step: str, due: datetime, at: datetime | None, result: str,
           in_period: bool, config: Config, *, day: bool = False) -> list[str]:
    area = config.areas[alert.area].name if alert.area in config.areas else alert.area
    return [alert.ref, alert.category, area, kind, step, stamp(due, config),
            (stamp(at, config)[:10] if day and at else stamp(at, config)), result,
            _yes(in_period)]


def _missing(config: Config) -> set[str]:
    return {k for k, c in config.categories.items() if config.routes[c.route].missing}


def stamp(when: datetime | None, config: Config) -> str:
    """Local time as `YYYY-MM-DD HH:MM`: Excel reads it as a date and time in any locale."""
    if when is None:
        return ""
    return when.astimezone(ZoneInfo(config.organisation.timezone)).strftime("%Y-%m-%d %H:%M")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"

