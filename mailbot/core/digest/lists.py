"""The digest's lists: children missing again and again, the longest missing, return
interviews outstanding and out of time (T-72H), national alerts open, due for re-issue
(T-NAT-6M) or nearing lapse (T-NAT-12M), the approvals waiting longest and the tasks
open (T-QA)."""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from mailbot.core.config import Config
from mailbot.core.digest import steps
from mailbot.core.digest.facts import Facts
from mailbot.core.digest.values import Flagged, RepeatMissing, TaskCount, WaitingApproval
from mailbot.core.durations import Duration
from mailbot.core.values.alert import Alert

REPEAT_WINDOW = timedelta(days=90)
TOP_WAITING = 5
LIST_LIMIT = 25                      # an email, not a register: the figures give the totals
LAPSE_WARNING = Duration(months=1)   # when routing.yaml names no lapse warnings


def repeaters(facts: Iterable[Facts], end: float) -> tuple[RepeatMissing, ...]:
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


def longest_missing(facts: Iterable[Facts], now: datetime) -> Flagged | None:
    missing = [f for f in facts if f.missing_at(now.timestamp())]
    if not missing:
        return None
    alert = min(missing, key=lambda f: (f.since, f.alert.ref)).alert
    since = alert.form.missing_since or alert.created_at
    return flag(alert, since, f"missing {span(now - since)}")


def interviews_outstanding(facts: Iterable[Facts], now: datetime,
                           config: Config) -> tuple[tuple[Flagged, ...], int]:
    """The first LIST_LIMIT return interviews not yet recorded, oldest due first, and
    how many there are in all."""
    late = config.timers.return_interview.fixed
    found = sorted((f.alert.found_at + late, f.alert.ref, f.alert) for f in facts
                   if f.alert.found_at is not None and f.interview_outstanding(now.timestamp()))
    return tuple(flag(alert, due, "overdue" if due <= now else "due")
                 for due, _, alert in found[:LIST_LIMIT]), len(found)


def interviews_overdue(facts: Iterable[Facts], now: datetime, config: Config) -> int:
    """Return interviews out of time: not recorded, and past 72 hours from the finding."""
    late = config.timers.return_interview.fixed
    return sum(1 for f in facts if f.alert.found_at is not None and
               f.interview_outstanding(now.timestamp()) and f.alert.found_at + late <= now)


def last_notice(alert: Alert) -> datetime:
    return alert.national.last_notice_at or alert.national.issued_at or alert.created_at


def national_due(alerts: list[Alert], now: datetime, config: Config, *,
                 lapse: bool) -> tuple[Flagged, ...]:
    """T-NAT-6M re-issues inside their notice period, or T-NAT-12M lapses past the
    first configured warning (overdue ones included), soonest first."""
    timers = config.timers
    found = []
    for alert in alerts:
        last = last_notice(alert)
        if lapse:
            when = timers.national_lapse.after(last)
            warnings = [w.after(last) for w in timers.national_lapse_warnings]
            warn_from = min(warnings) if warnings else LAPSE_WARNING.before(when)
        else:
            when = timers.national_reissue.after(last)
            warn_from = timers.national_reissue_notice.before(when)
        if now >= warn_from:
            found.append(flag(alert, when, "overdue" if when <= now else ""))
    return tuple(sorted(found, key=lambda f: (f.at, f.ref)))


def waiting_longest(alerts: Iterable[Alert], now: datetime,
                    config: Config) -> tuple[WaitingApproval, ...]:
    waits = heapq.nsmallest(
        TOP_WAITING, ((w.asked_at.timestamp(), a.ref, w.id, a, w) for a in alerts
                      if a.status != "closed" for w in a.waits if w.kind == "approval"),
        key=lambda t: t[:3])
    return tuple(WaitingApproval(
        ref=a.ref, initials=a.initials, step=w.id, role=w.role,
        role_title=config.roles[w.role].title if w.role in config.roles else w.role,
        since=w.asked_at, waiting=span(now - w.asked_at),
        what=steps.step_words(config, a, w.id, w))
        for _, _, _, a, w in waits)


def tasks_open(alerts: Iterable[Alert], other: Sequence[tuple[str, datetime]], now: datetime,
               config: Config) -> tuple[TaskCount, ...]:
    """Open and overdue tasks by role, in routing.yaml's order of roles."""
    due = [(w.role, w.due_at) for a in alerts if a.status != "closed" for w in a.waits
           if w.kind == "task"] + list(other)
    opened: Counter[str] = Counter(role for role, _ in due)
    overdue: Counter[str] = Counter(role for role, at in due if at < now)
    order = [r for r in config.roles if r in opened] + sorted(set(opened) - set(config.roles))
    return tuple(TaskCount(role=r, role_title=config.roles[r].title if r in config.roles else r,
                           open=opened[r], overdue=overdue[r]) for r in order)


def flag(alert: Alert, at: datetime, note: str = "") -> Flagged:
    return Flagged(ref=alert.ref, initials=alert.initials, at=at, note=note)


def by_ref(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: a.ref)


def span(length: timedelta) -> str:
    """`3d 4h`, `5h 20m`, `12m`: how long, as a person scans it."""
    minutes = max(0, int(length.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"
