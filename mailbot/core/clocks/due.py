"""What falls due on one alert, and firing it: the earliest of its steps' reminders and
chasers (T-QA) and its timers (T-48H, T-72H, T-NAT-3W, T-NAT-6M, T-NAT-12M, T-REVIEW)."""

from __future__ import annotations

from datetime import datetime

from mailbot.core.chain import route
from mailbot.core.clocks import missing, reminders, return_interview, review
from mailbot.core.config import Config
from mailbot.core.context import Work
from mailbot.core.national import renewal
from mailbot.core.values.alert import Alert, Timer, Wait


def next_due_of(alert: Alert, config: Config) -> datetime | None:
    item = earliest(alert, config)
    return item[0] if item else None


def earliest(alert: Alert, config: Config) -> tuple[datetime, Wait | Timer] | None:
    found: list[tuple[datetime, int, Wait | Timer]] = []
    for wait in alert.waits:
        policy = config.qa_policy(alert.category, wait.kind)
        if not wait.reminded and wait.chasers == 0:
            found.append((policy.reminder_before.before(wait.due_at), 0, wait))
        elif wait.next_nudge_at is not None:
            found.append((wait.next_nudge_at, 1, wait))
    found += [(c.due_at, 2, c) for c in alert.clocks if not c.done]
    if not found:
        return None
    when, _, item = min(found, key=lambda f: (f[0], f[1]))
    return when, item



def fire(work: Work, item: Wait | Timer) -> None:
    if isinstance(item, Timer):
        fire_timer(work, item)
    else:
        reminders.nudge(work, item)


def fire_timer(work: Work, timer: Timer) -> None:
    late = work.is_late(timer.due_at)
    work.update(clocks=tuple(c.model_copy(update={"done": True, "fired_at": work.ctx.now})
                             if c.id == timer.id else c for c in work.alert.clocks))
    if timer.kind == "missing_notice":
        missing.fire(work, timer, late)
    elif timer.kind in ("return_interview_due", "return_interview_overdue"):
        return_interview.fire(work, timer, late)
    elif timer.kind == "national_gate_open":
        work.event(timer.rule, "national_gate_due", late=late)
        route.advance(work)
    elif timer.kind == "national_reissue":
        renewal.fire_reissue(work, timer)
    elif timer.kind == "national_lapse_warning":
        renewal.fire_lapse_warning(work, timer, late)
    elif timer.kind == "review":
        review.fire(work, timer, late)
    else:
        work.event(timer.rule, "clock_unknown", kind=timer.kind)
