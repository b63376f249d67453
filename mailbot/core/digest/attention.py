"""What the digest puts first, before the figures (issue 11): the steps past their
deadline, the steps whose chasing stopped this week, and how many approvals and
tasks were answered by their deadline each week (an on-time rate of the chart).

A step's deadline is the one it was asked with: the `asked` (approval) or
`task_set` (task) event carries it, and the `approved`, `returned` or
`task_done` event that answers it says when. Chasing stopped is the event
`chasing stopped` (T-QA) with the step (`stage`) and its owner (`owner`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from mailbot.core.config import Config
from mailbot.core.dates import aware_instant
from mailbot.core.digest import steps
from mailbot.core.digest.lists import LIST_LIMIT, span
from mailbot.core.digest.values import Overdue, Stopped
from mailbot.core.values.alert import Alert, Event

STOPPED = "chasing stopped"
ASKED = {"asked": "stage", "task_set": "task"}
ANSWERED = {"approved": "stage", "returned": "stage", "task_done": "task"}


def overdue_work(alerts: Iterable[Alert], now: datetime,
                 config: Config) -> tuple[tuple[Overdue, ...], int]:
    """Approvals and tasks past their deadline on open alerts, most overdue first: the
    first LIST_LIMIT, and how many there are in all."""
    late = sorted(((w.due_at, a.ref, w.id), a, w) for a in alerts if a.status != "closed"
                  for w in a.waits if w.due_at < now)
    return tuple(Overdue(ref=a.ref, initials=a.initials,
                         what=steps.step_words(config, a, w.id, w),
                         owner=steps.owner_name(config, a, w), due=w.due_at,
                         overdue=span(now - w.due_at))
                 for _, a, w in late[:LIST_LIMIT]), len(late)


def chasing_stopped(events: Iterable[Event], alerts: dict[str, Alert], start: datetime,
                    end: datetime, config: Config) -> tuple[Stopped, ...]:
    """Each step whose chasing stopped in [start, end), in the order it stopped."""
    found: list[Stopped] = []
    for event in sorted(events, key=lambda e: (e.at, e.ref, e.seq)):
        if event.what != STOPPED or not start <= event.at < end:
            continue
        alert = alerts.get(event.ref)
        if alert is None:
            continue
        stage, owner = str(event.detail.get("stage", "")), str(event.detail.get("owner", ""))
        wait = alert.wait(stage)
        found.append(Stopped(
            ref=alert.ref, initials=alert.initials,
            what=steps.step_words(config, alert, stage, wait),
            owner=steps.person_name(config, owner, alert) if owner else "",
            at=event.at, still_open=alert.status != "closed" and wait is not None))
    return tuple(found)


def answers(events: Sequence[Event]) -> list[tuple[datetime, bool]]:
    """Each approval or task answered: when, and whether by the deadline it was asked
    with. An answer whose asking is older than the events given is left out."""
    due: dict[tuple[str, str], datetime] = {}
    found: list[tuple[datetime, bool]] = []
    for event in sorted(events, key=lambda e: (e.at, e.ref, e.seq)):
        if event.what in ASKED:
            key = (event.ref, f"{ASKED[event.what]}:{event.detail.get(ASKED[event.what])}")
            when = aware_instant(event.detail.get("due_at"))
            if when is not None:
                due[key] = when
        elif event.what in ANSWERED:
            key = (event.ref, f"{ANSWERED[event.what]}:{event.detail.get(ANSWERED[event.what])}")
            deadline = due.pop(key, None)
            if deadline is not None:
                found.append((event.at, event.at <= deadline))
    return found

