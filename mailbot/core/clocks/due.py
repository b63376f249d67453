"""What falls due on one alert, and firing it: the earliest of its steps' reminders and
chasers (T-QA) and its timers (T-48H, T-72H, T-NAT-3W, T-NAT-6M, T-NAT-12M, T-REVIEW).

An item falls due at its own time, moved to working hours when it is a reminder or a
procedural notice (`clocks/office_hours.py`); it is fired with that moment, so a
reminder that waited for Monday morning is not marked late for it."""

from __future__ import annotations

import weakref
from datetime import date, datetime

from mailbot.core.chain import route
from mailbot.core.clocks import missing, office_hours, reminders, return_interview, review
from mailbot.core.config import Config
from mailbot.core.context import Work
from mailbot.core.national import renewal
from mailbot.core.values.alert import Alert, Timer, Wait
from mailbot.core.values.lazy import Mark


def next_due_of(alert: Alert, config: Config,
                holidays: frozenset[date] = frozenset()) -> datetime | None:
    item = earliest(alert, config, holidays)
    return item[0] if item else None


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# the tick's questions of every open alert, kept by the store with the alerts it
# writes, so a tick over 10,000 open alerts reads none of them until one is due
FIRST = Mark("first", lambda alert, config, holidays: next_due_of(alert, config, holidays),
             _iso, _when)
SOONEST = Mark("soonest", lambda alert, config, holidays: _soonest(alert, config),
               _iso, _when, holidays=False)
# when the longest-waiting step was asked ("waiting on you" lists only steps asked before
# the day began: an alert all of whose steps were asked since is not read for it)
ASKED = Mark("asked", lambda alert, config, holidays: min(
    (w.asked_at for w in alert.waits), default=None), _iso, _when, holidays=False)


def nominal(alert: Alert, config: Config, wait: Wait) -> datetime | None:
    """When a waiting step's next reminder or chaser is due by the clock alone."""
    policy = config.qa_policy(alert.category, wait.kind)
    if not wait.reminded and wait.chasers == 0:
        return policy.reminder_before.before(wait.due_at)
    return wait.next_nudge_at


# soonest() of each alert as last asked, while that alert object lives: alerts are
# immutable values and a write replaces only what it changes, so a tick over 10,000
# open alerts recomputes only the few that changed since the last (a memo: the
# answer is the same as computing it afresh)
_SOONEST: dict[str, tuple[weakref.ref[Alert], Config, datetime | None]] = {}
_SOONEST_MAX = 200_000


def soonest(alert: Alert, config: Config) -> datetime | None:
    """The earliest time anything of the alert's could fire, by the clock alone. Working
    hours only ever move a moment later (`moment`), so an alert whose soonest time is
    still ahead has nothing due: the tick passes it over without the calendar's sums."""
    hit = _SOONEST.get(alert.ref)
    if hit is not None and hit[0]() is alert and hit[1] is config:
        return hit[2]
    found = _soonest(alert, config)
    if len(_SOONEST) >= _SOONEST_MAX:
        _SOONEST.clear()
    _SOONEST[alert.ref] = (weakref.ref(alert), config, found)
    return found


def _soonest(alert: Alert, config: Config) -> datetime | None:
    times = [when for wait in alert.waits if (when := nominal(alert, config, wait)) is not None]
    times += [c.due_at for c in alert.clocks if not c.done]
    return min(times, default=None)


def moment(alert: Alert, config: Config, item: Wait | Timer, when: datetime,
           holidays: frozenset[date]) -> datetime:
    """When an item due at `when` goes: working hours for reminders and notices."""
    if not office_hours.waits_for_office(alert, config, item):
        return when
    if isinstance(item, Timer):
        return office_hours.next_open(when, config, holidays)
    return office_hours.reminder_moment(when, config, holidays)


def earliest(alert: Alert, config: Config,
             holidays: frozenset[date] = frozenset()) -> tuple[datetime, Wait | Timer] | None:
    # each item's clock-alone time, then the real moment of as few as need it: a moment
    # is never before its item's own time, so once the next item's own time is past
    # the best moment found, no later item can go first (ties as the full pass breaks
    # them: the lower order, then the first listed)
    items: list[tuple[datetime, int, int, Wait | Timer]] = []
    for wait in alert.waits:
        when = nominal(alert, config, wait)
        if when is not None:
            items.append((when, 0 if not wait.reminded and wait.chasers == 0 else 1,
                          len(items), wait))
    items += [(c.due_at, 2, len(items) + i, c)
              for i, c in enumerate(c for c in alert.clocks if not c.done)]
    best: tuple[datetime, int, int, Wait | Timer] | None = None
    for when, order, index, item in sorted(items, key=lambda f: (f[0], f[1], f[2])):
        if best is not None and when > best[0]:
            break
        found = (moment(alert, config, item, when, holidays), order, index, item)
        if best is None or found[:3] < best[:3]:
            best = found
    return None if best is None else (best[0], best[3])


def fire(work: Work, item: Wait | Timer, at: datetime | None = None) -> None:
    """Fire `item`, which fell due at `at` (its own time when not given)."""
    if isinstance(item, Timer):
        fire_timer(work, item, at or item.due_at)
    else:
        reminders.nudge(work, item, at)


def fire_timer(work: Work, timer: Timer, at: datetime | None = None) -> None:
    late = work.is_late(at or timer.due_at)
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
