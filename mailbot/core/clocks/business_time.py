"""Working time: chasers and approval deadlines that only count office hours (T-QA).

A manager asked on Friday afternoon is not chased on Saturday, nor on a bank
holiday. Working time is counted on `hours.days` between `hours.start` and
`hours.end` o'clock local time (Europe/London), skipping the bank holidays the
caller passes in (`mailbot.adapters.bank_holidays` supplies them).

Instants go in and come out as aware UTC; opening and closing times are worked
out on the local calendar day, so a day across the last Sunday of March or
October still opens at 09:00 local time (08:00 or 09:00 UTC).

A *day* of working time is one working day (`hours.end - hours.start`), not 24
working hours: `1d` due from Friday 15:00 is Monday 15:00, as people read
"within a day"; the hours left over count as working hours. The parser keeps
no difference between `24h` and `1d`, so a span longer than a working day is
best written as days plus hours (`1d 2h`, which is the same as `10h`).
Statutory clocks counted in real hours (T-72H, T-48H) do not use this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from mailbot.core.config import BusinessHours
from mailbot.core.durations import Duration

_DAY = timedelta(days=1)


def working_seconds(duration: Duration | timedelta, hours: BusinessHours) -> float:
    """Seconds of working time in `duration`: each whole 24h counts as one working day.

    Calendar months have no working-time meaning, so they are refused."""
    if isinstance(duration, Duration):
        if duration.months:
            raise ValueError(f"{duration.text}: calendar months cannot be counted in working hours")
        duration = duration.fixed
    _check(hours)
    sign = -1 if duration < timedelta(0) else 1
    days, rest = divmod(abs(duration), _DAY)
    day_length = (hours.end - hours.start) * 3600
    return sign * (days * day_length + rest.total_seconds())


def add_working_time(start: datetime, duration: Duration | timedelta, hours: BusinessHours,
                     holidays: frozenset[date], tz: ZoneInfo) -> datetime:
    """`start` plus `duration` of working time (negative: minus), as aware UTC.

    A start outside working hours counts from the next opening (or, going
    back, from the last closing). Adding exactly a day's worth from an opening
    ends at that day's closing, not the next opening."""
    cursor = _utc(start)
    remaining = timedelta(seconds=working_seconds(duration, hours))
    if remaining >= timedelta(0):
        for opens, closes in _windows(cursor, hours, holidays, tz, forward=True):
            cursor = max(cursor, opens)
            if cursor >= closes:
                continue
            if remaining <= closes - cursor:
                return cursor + remaining
            remaining -= closes - cursor
    else:
        remaining = -remaining
        for opens, closes in _windows(cursor, hours, holidays, tz, forward=False):
            cursor = min(cursor, closes)
            if cursor <= opens:
                continue
            if remaining <= cursor - opens:
                return cursor - remaining
            remaining -= cursor - opens
    raise AssertionError("unreachable: working windows never run out")  # pragma: no cover


def next_working_moment(when: datetime, hours: BusinessHours, holidays: frozenset[date],
                        tz: ZoneInfo) -> datetime:
    """`when` itself if it falls in working hours, else the next opening (aware UTC)."""
    return add_working_time(when, timedelta(0), hours, holidays, tz)


def is_working_moment(when: datetime, hours: BusinessHours, holidays: frozenset[date],
                      tz: ZoneInfo) -> bool:
    return next_working_moment(when, hours, holidays, tz) == _utc(when)


def working_day(day: date, hours: BusinessHours, holidays: frozenset[date],
                tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The local `day`'s opening and closing (aware UTC), or None: not a working day."""
    _check(hours)
    if day.weekday() not in hours.days or day in holidays:
        return None
    return _at(day, hours.start, tz), _at(day, hours.end, tz)


def working_time_between(start: datetime, end: datetime, hours: BusinessHours,
                         holidays: frozenset[date], tz: ZoneInfo) -> timedelta:
    """Working time elapsed from `start` to `end` (zero if `end` is not later)."""
    begin, finish = _utc(start), _utc(end)
    total = timedelta(0)
    if finish <= begin:
        return total
    for opens, closes in _windows(begin, hours, holidays, tz, forward=True):
        if opens >= finish:
            return total
        total += max(timedelta(0), min(closes, finish) - max(opens, begin))
    raise AssertionError("unreachable: working windows never run out")  # pragma: no cover


def _windows(cursor: datetime, hours: BusinessHours, holidays: frozenset[date], tz: ZoneInfo,
             *, forward: bool) -> Iterator[tuple[datetime, datetime]]:
    """Each working day's (opening, closing) in UTC, from the local day of `cursor` on."""
    _check(hours)
    day = cursor.astimezone(tz).date()
    step = _DAY if forward else -_DAY
    while True:
        if day.weekday() in hours.days and day not in holidays:
            yield _at(day, hours.start, tz), _at(day, hours.end, tz)
        day += step


@lru_cache(maxsize=4096)  # a pure sum on the calendar; a store's alerts share few days
def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    # hour 24 is the next midnight; a wall time inside a spring-forward gap is
    # resolved by zoneinfo's fold rules and normalised through UTC
    if hour == 24:
        day, hour = day + _DAY, 0
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{when!r} is naive: working time needs an aware (UTC) datetime")
    return when.astimezone(UTC)


def _check(hours: BusinessHours) -> None:
    # an empty week or a closed day would make every search run for ever
    if not any(0 <= d <= 6 for d in hours.days) or hours.start >= hours.end:
        raise ValueError(f"business hours {hours.start}-{hours.end} on days {list(hours.days)} "
                         "leave no working time")
