"""The weekly digest (T-WEEKLY): the week's alerts, Children in Care missing
episodes, return interviews, national alerts and the approvals waiting longest,
each figure beside the four weeks before it.

The week is the seven local days (Europe/London) that end at midnight starting
the configured digest day: with `digest: {day: monday}` that is the ISO week
just ended, Monday 00:00 to Monday 00:00, whichever day the digest goes out on.
A week across a clock change is 167 or 169 real hours, as people count it.

The event log says what happened in a week (raised, updated, de-alerted,
found, return interview recorded, national notices); the alerts say what is
open. Only references and initials appear here, never a child's name.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailbot.core.config import Config
from mailbot.core.durations import Duration
from mailbot.core.model import Alert, Event, Value

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REPEAT_WINDOW = timedelta(days=90)
TOP_WAITING = 5
NEVER = float("inf")
LIST_LIMIT = 25                      # an email, not a register: the figures give the totals
MISSING_CATEGORY = "C8"
LAPSE_WARNING = Duration(months=1)   # when routing.yaml names no lapse warnings


class Counts(Value):
    total: int
    by_category: dict[str, int]
    by_area: dict[str, int]


class WeekFigures(Value):
    key: str                      # ISO week of the week's last day, "2026-W47"
    first_day: date
    last_day: date
    label: str                    # "w/e 22 Nov"
    raised: Counts                # distinct alerts raised
    updated: Counts               # updates received (each counts)
    dealerted: Counts             # distinct alerts de-alerted
    open_at_end: Counts
    missing_new: int              # C8 episodes raised
    missing_found: int
    still_missing: int            # at the week's end
    repeat_missing: int           # children with 2+ C8 episodes in the 90 days to the week's end
    interviews_on_time: int       # T-72H, recorded this week
    interviews_late: int
    interviews_outstanding: int   # found, no interview recorded by the week's end
    national_notices: int         # national alerts issued or re-issued


class RepeatMissing(Value):
    initials: str
    refs: tuple[str, ...]
    episodes: int


class Flagged(Value):
    """One alert singled out: what the date means depends on the list it is in."""

    ref: str
    initials: str
    at: datetime
    note: str = ""


class WaitingApproval(Value):
    ref: str
    initials: str
    step: str
    role: str
    role_title: str
    since: datetime
    waiting: str                  # "3d 4h"


class TaskCount(Value):
    """R-MIU, T-QA: tasks open for one role (alert tasks and the register's questions)."""

    role: str
    role_title: str
    open: int
    overdue: int


class RegisterFigures(Value):
    """R-OLA: the register of other authorities' alerts, this week and now."""

    opened: int
    closed: int
    purged: int
    open_now: int


class DigestWeek(Value):
    key: str
    start: datetime               # UTC
    end: datetime                 # UTC, exclusive
    last_day: date
    due_at: datetime              # when it goes out: digest day and hour, local time


class Digest(Value):
    key: str
    week_start: datetime
    week_end: datetime
    week_ending: str              # "Sun 22 Nov 2026"
    generated_at: datetime
    categories: dict[str, str]    # id -> name, in routing.yaml order
    areas: dict[str, str]
    weeks: tuple[WeekFigures, ...]    # oldest first; the last is this week
    repeat_missing: tuple[RepeatMissing, ...]     # the first LIST_LIMIT, most episodes first
    longest_missing: Flagged | None   # at = missing since
    interviews_outstanding: tuple[Flagged, ...]   # at = due; the first LIST_LIMIT, oldest first
    interviews_outstanding_total: int
    national_open: tuple[Flagged, ...]            # at = last notice
    national_reissue_due: tuple[Flagged, ...]     # at = re-issue date
    national_nearing_lapse: tuple[Flagged, ...]   # at = lapse date
    waiting_longest: tuple[WaitingApproval, ...]
    tasks_open: tuple[TaskCount, ...] = ()
    ola_register: RegisterFigures | None = None

    @property
    def this_week(self) -> WeekFigures:
        return self.weeks[-1]


def digest_week(now: datetime, config: Config) -> DigestWeek:
    """The week reported by the latest digest due at or before `now`, and when it fell due."""
    tz = ZoneInfo(config.organisation.timezone)
    today = now.astimezone(tz).date()
    end_day = today - timedelta(days=(today.weekday() - DAYS.index(config.timers.digest.day)) % 7)
    due_at = datetime.combine(end_day, time(config.timers.digest.hour), tz).astimezone(UTC)
    if due_at > now:
        end_day -= timedelta(days=7)
        due_at = datetime.combine(end_day, time(config.timers.digest.hour), tz).astimezone(UTC)
    last_day = end_day - timedelta(days=1)
    return DigestWeek(key=_iso_key(last_day), start=_midnight(end_day - timedelta(days=7), tz),
                      end=_midnight(end_day, tz), last_day=last_day, due_at=due_at)


def compute_digest(*, now: datetime, open_alerts: Sequence[Alert], closed_alerts: Sequence[Alert],
                   events: Sequence[Event], config: Config, weeks: int = 5,
                   other_tasks: Sequence[tuple[str, datetime]] = (),
                   ola_register: RegisterFigures | None = None) -> Digest:
    """`other_tasks` are (role, due) of tasks kept outside the alerts (the register's
    questions to the MIU); `ola_register` the register's figures, when it is kept."""
    if weeks < 1:
        raise ValueError(f"a digest covers at least one week, not {weeks}")
    tz = ZoneInfo(config.organisation.timezone)
    week = digest_week(now, config)
    alerts = {a.ref: a for a in closed_alerts} | {a.ref: a for a in open_alerts}
    last_days = [week.last_day - timedelta(days=7 * i) for i in range(weeks, -1, -1)]
    # ends[0] opens the oldest week; ends[i + 1] closes week i
    ends = [_midnight(day + timedelta(days=1), tz) for day in last_days]
    edges = [end.timestamp() for end in ends]
    buckets: list[list[Event]] = [[] for _ in range(weeks)]
    recorded: dict[str, datetime] = {}
    for event in events:
        if event.what == "return_interview_recorded":
            recorded[event.ref] = min(event.at, recorded.get(event.ref, event.at))
        index = bisect_right(edges, event.at.timestamp()) - 1
        if 0 <= index < weeks:
            buckets[index].append(event)
    clocked = frozenset(k for k, c in config.categories.items() if config.routes[c.route].missing)
    facts = [_Facts.of(a, recorded, clocked, tz) for a in alerts.values()]
    figures = tuple(_week(buckets[i], last_days[i + 1], ends[i + 1], alerts, facts, recorded,
                          config, tz) for i in range(weeks))
    outstanding, outstanding_total = _interviews_outstanding(facts, now, config)
    national = _by_ref(a for a in alerts.values() if a.national.status == "issued")
    return Digest(
        key=week.key, week_start=week.start, week_end=week.end, generated_at=now.astimezone(UTC),
        week_ending=f"{week.last_day:%a} {week.last_day.day} {week.last_day:%b %Y}",
        categories={k: c.name for k, c in config.categories.items()},
        areas={k: a.name for k, a in config.areas.items()},
        weeks=figures,
        repeat_missing=_repeaters(facts, week.end.timestamp())[:LIST_LIMIT],
        longest_missing=_longest_missing(facts, now),
        interviews_outstanding=outstanding, interviews_outstanding_total=outstanding_total,
        national_open=tuple(_flag(a, _last_notice(a)) for a in national),
        national_reissue_due=_national_due(national, now, config, lapse=False),
        national_nearing_lapse=_national_due(national, now, config, lapse=True),
        waiting_longest=_waiting(alerts.values(), now, config),
        tasks_open=_tasks(open_alerts, other_tasks, now, config), ola_register=ola_register)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the figures need of one alert, worked out once rather than once a week.
    Instants are POSIX seconds (never = infinity): aware datetimes compare slowly."""

    alert: Alert
    created: float
    closed: float
    since: float                  # missing since (the alert's raising if the form is silent)
    found: float
    recorded: float               # return interview recorded
    children_in_care: bool        # C8
    interview_clock: bool         # on a missing route: T-72H applies

    @classmethod
    def of(cls, alert: Alert, recorded: dict[str, datetime], clocked: frozenset[str],
           tz: ZoneInfo) -> _Facts:
        held = recorded.get(alert.ref)
        if held is None and alert.return_interview_at is not None:
            held = _midnight(alert.return_interview_at, tz)   # recorded before the event log said so
        closed = (alert.closed_at or alert.updated_at) if alert.status == "closed" else None
        return cls(alert=alert, created=alert.created_at.timestamp(), closed=_seconds(closed),
                   since=(alert.form.missing_since or alert.created_at).timestamp(),
                   found=_seconds(alert.found_at), recorded=_seconds(held),
                   children_in_care=alert.category == MISSING_CATEGORY,
                   interview_clock=alert.category in clocked)

    def open_at(self, end: float) -> bool:
        return self.created < end <= self.closed

    def missing_at(self, end: float) -> bool:
        return self.children_in_care and self.since < end <= self.found and self.open_at(end)

    def interview_outstanding(self, end: float) -> bool:
        return self.interview_clock and self.found < end <= self.recorded


def _seconds(when: datetime | None) -> float:
    return NEVER if when is None else when.timestamp()


def _week(events: list[Event], last_day: date, end: datetime, alerts: dict[str, Alert],
          facts: list[_Facts], recorded: dict[str, datetime], config: Config,
          tz: ZoneInfo) -> WeekFigures:
    end_s = end.timestamp()

    def counts(refs: Iterable[str]) -> Counts:
        return _counts([alerts.get(r) for r in refs], config)

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
        key=_iso_key(last_day), first_day=last_day - timedelta(days=6),
        last_day=last_day, label=f"w/e {last_day.day} {last_day:%b}",
        raised=counts(sorted(set(refs("raised")))), updated=counts(refs("updated")),
        dealerted=counts(sorted(set(refs("dealerted")))),
        open_at_end=_counts([f.alert for f in facts if f.open_at(end_s)], config),
        missing_new=children_in_care(refs("raised")),
        missing_found=children_in_care(refs("found")),
        still_missing=sum(1 for f in facts if f.missing_at(end_s)),
        repeat_missing=len(_repeaters(facts, end_s)),
        interviews_on_time=on_time, interviews_late=late,
        interviews_outstanding=sum(1 for f in facts if f.interview_outstanding(end_s)),
        national_notices=len(refs("national_issued")) + len(refs("national_reissued")))


def _counts(alerts: Sequence[Alert | None], config: Config) -> Counts:
    cats: Counter[str] = Counter({k: 0 for k in config.categories})
    areas: Counter[str] = Counter({k: 0 for k in config.areas})
    for alert in alerts:
        cats[alert.category if alert else "?"] += 1
        areas[alert.area if alert else "?"] += 1
    return Counts(total=len(alerts), by_category=dict(cats), by_area=dict(areas))


def _repeaters(facts: Iterable[_Facts], end: float) -> tuple[RepeatMissing, ...]:
    """Children (by Liberi ID) with more than one C8 episode in the 90 days to `end`;
    an alert that records several episodes (`missing_episodes`) counts each."""
    episodes: dict[str, list[Alert]] = defaultdict(list)
    for f in facts:
        if f.children_in_care and end - REPEAT_WINDOW.total_seconds() <= f.since < end:
            episodes[f.alert.form.case_id or f.alert.ref].append(f.alert)
    found = []
    for group in episodes.values():
        count = sum(max(1, a.missing_episodes) for a in group)
        if count > 1:
            group.sort(key=lambda a: a.ref)
            found.append(RepeatMissing(initials=group[-1].initials,
                                       refs=tuple(a.ref for a in group), episodes=count))
    return tuple(sorted(found, key=lambda r: (-r.episodes, r.refs)))


def _longest_missing(facts: Iterable[_Facts], now: datetime) -> Flagged | None:
    missing = [f for f in facts if f.missing_at(now.timestamp())]
    if not missing:
        return None
    alert = min(missing, key=lambda f: (f.since, f.alert.ref)).alert
    since = alert.form.missing_since or alert.created_at
    return _flag(alert, since, f"missing {_span(now - since)}")


def _interviews_outstanding(facts: Iterable[_Facts], now: datetime,
                            config: Config) -> tuple[tuple[Flagged, ...], int]:
    """The first LIST_LIMIT return interviews not yet recorded, oldest due first, and
    how many there are in all."""
    late = config.timers.return_interview.fixed
    found = sorted((f.alert.found_at + late, f.alert.ref, f.alert) for f in facts
                   if f.alert.found_at is not None and f.interview_outstanding(now.timestamp()))
    return tuple(_flag(alert, due, "overdue" if due <= now else "due")
                 for due, _, alert in found[:LIST_LIMIT]), len(found)


def _last_notice(alert: Alert) -> datetime:
    return alert.national.last_notice_at or alert.national.issued_at or alert.created_at


def _national_due(alerts: list[Alert], now: datetime, config: Config, *,
                  lapse: bool) -> tuple[Flagged, ...]:
    """T-NAT-6M re-issues inside their notice period, or T-NAT-12M lapses past the
    first configured warning (overdue ones included), soonest first."""
    timers = config.timers
    found = []
    for alert in alerts:
        last = _last_notice(alert)
        if lapse:
            when = timers.national_lapse.after(last)
            warnings = [w.after(last) for w in timers.national_lapse_warnings]
            warn_from = min(warnings) if warnings else LAPSE_WARNING.before(when)
        else:
            when = timers.national_reissue.after(last)
            warn_from = timers.national_reissue_notice.before(when)
        if now >= warn_from:
            found.append(_flag(alert, when, "overdue" if when <= now else ""))
    return tuple(sorted(found, key=lambda f: (f.at, f.ref)))


def _waiting(alerts: Iterable[Alert], now: datetime,
             config: Config) -> tuple[WaitingApproval, ...]:
    waits = heapq.nsmallest(
        TOP_WAITING, ((w.asked_at.timestamp(), a.ref, w.id, a, w) for a in alerts
                      if a.status != "closed" for w in a.waits if w.kind == "approval"),
        key=lambda t: t[:3])
    return tuple(WaitingApproval(
        ref=a.ref, initials=a.initials, step=w.id, role=w.role,
        role_title=config.roles[w.role].title if w.role in config.roles else w.role,
        since=w.asked_at, waiting=_span(now - w.asked_at))
        for _, _, _, a, w in waits)


def _tasks(alerts: Iterable[Alert], other: Sequence[tuple[str, datetime]], now: datetime,
           config: Config) -> tuple[TaskCount, ...]:
    """Open and overdue tasks by role, in routing.yaml's order of roles."""
    due = [(w.role, w.due_at) for a in alerts if a.status != "closed" for w in a.waits
           if w.kind == "task"] + list(other)
    opened: Counter[str] = Counter(role for role, _ in due)
    overdue: Counter[str] = Counter(role for role, at in due if at < now)
    order = [r for r in config.roles if r in opened] + sorted(set(opened) - set(config.roles))
    return tuple(TaskCount(role=r, role_title=config.roles[r].title if r in config.roles else r,
                           open=opened[r], overdue=overdue[r]) for r in order)


def _flag(alert: Alert, at: datetime, note: str = "") -> Flagged:
    return Flagged(ref=alert.ref, initials=alert.initials, at=at, note=note)


def _by_ref(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: a.ref)


def _iso_key(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def _span(length: timedelta) -> str:
    """`3d 4h`, `5h 20m`, `12m`: how long, as a person scans it."""
    minutes = max(0, int(length.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"
