"""When a reminder may go out (issue 11): reminders and chasers in working hours, the
statutory clocks in real time.

A T-QA reminder or chaser, and a procedural clock's notice (T-REVIEW, the national
alert's re-issue and lapse warnings), that falls due out of hours waits for the next
working-hours start (the configured hours, bank holidays skipped), and a reminder
never goes before the day's "waiting on you" hour, so that everything a person has
due that day can go in one mail (`clocks/waiting.py`). The real-time clocks keep
their minute: T-48H, the T-72H return interview, and the national gate's three weeks
(its end asks the next step at once). A Priority One alert is urgent: nothing of its
waits, day or night (`timers.qa_priority_one`, `Outgoing.urgent`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from mailbot.core.clocks.business_time import next_working_moment, working_day
from mailbot.core.config import Config
from mailbot.core.values.alert import Alert, Timer, Wait

# timers counted in real hours: they fire at their minute, day or night
REAL_TIME_TIMERS = frozenset({"missing_notice", "return_interview_due",
                              "return_interview_overdue", "national_gate_open"})


def urgent(alert: Alert, config: Config) -> bool:
    category = config.categories.get(alert.category)
    return category is not None and category.priority_one


def waits_for_office(alert: Alert, config: Config, item: Wait | Timer) -> bool:
    """Whether this reminder or notice goes in working hours only."""
    if urgent(alert, config):
        return False
    if isinstance(item, Timer):
        return item.kind not in REAL_TIME_TIMERS
    return config.qa_policy(alert.category, item.kind).business_hours


def _tz(config: Config) -> ZoneInfo:
    return ZoneInfo(config.organisation.timezone)


def next_open(when: datetime, config: Config, holidays: frozenset[date]) -> datetime:
    """`when` if it is in working hours, closing minute included (a step due at the
    close of a working day is chased at that minute), else the next opening."""
    window = working_day(day_of(when, config), config.timers.business_hours, holidays,
                         _tz(config))
    if window is not None and window[0] <= when <= window[1]:
        return when
    return next_working_moment(when, config.timers.business_hours, holidays, _tz(config))


def day_of(when: datetime, config: Config) -> date:
    return when.astimezone(_tz(config)).date()


def day_window(day: date, config: Config,
               holidays: frozenset[date]) -> tuple[datetime, datetime] | None:
    """When the day's "waiting on you" mail goes, and when its working hours close;
    None on a day that is not a working day."""
    window = working_day(day, config.timers.business_hours, holidays, _tz(config))
    if window is None:
        return None
    opens, closes = window
    hour = config.timers.waiting_on_you.hour
    if hour is None or not config.timers.waiting_on_you.enabled:
        return opens, closes
    at = datetime.combine(day, time(hour), _tz(config)).astimezone(UTC)
    return max(opens, at), closes


def reminder_moment(when: datetime, config: Config, holidays: frozenset[date]) -> datetime:
    """When a reminder due at `when` goes: in working hours, not before the day's
    "waiting on you" hour."""
    at = next_open(when, config, holidays)
    window = day_window(day_of(at, config), config, holidays)
    return max(at, window[0]) if window else at
