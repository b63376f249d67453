"""Working time for T-QA chasers: office hours, weekends, bank holidays and both
clock changes (Europe/London), with the real England and Wales holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.adapters.bank_holidays import england_and_wales_holidays
from mailbot.core.clocks.business_time import (
    add_working_time,
    is_working_moment,
    next_working_moment,
    working_seconds,
    working_time_between,
)
from mailbot.core.config import BusinessHours
from mailbot.core.durations import Duration, parse_duration

LONDON = ZoneInfo("Europe/London")
HOURS = BusinessHours()          # 09:00-17:00, Monday to Friday
HOLIDAYS = england_and_wales_holidays(range(2026, 2028))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def add(start: datetime, duration: str | timedelta) -> datetime:
    amount = parse_duration(duration) if isinstance(duration, str) else duration
    return add_working_time(start, amount, HOURS, HOLIDAYS, LONDON)


def test_time_inside_one_working_day_is_plain_addition() -> None:
    assert add(london(2026, 11, 17, 10, 0), "2h") == london(2026, 11, 17, 12, 0)


def test_a_full_working_day_from_opening_ends_at_that_days_closing() -> None:
    assert add(london(2026, 11, 17, 9, 0), "8h") == london(2026, 11, 17, 17, 0)


def test_friday_afternoon_runs_on_into_monday_not_the_weekend() -> None:
    assert add(london(2026, 11, 20, 15, 0), "4h") == london(2026, 11, 23, 11, 0)


def test_a_day_of_working_time_is_one_working_day_not_24_working_hours() -> None:
    """T-QA `due: 1d` asked on Friday 15:00 falls due on Monday 15:00."""
    assert add(london(2026, 11, 20, 15, 0), "1d") == london(2026, 11, 23, 15, 0)
    assert add(london(2026, 11, 20, 15, 0), "1d 3h") == london(2026, 11, 24, 10, 0)
    # 24h and 1d are the same to the parser: write longer spans as days plus hours
    assert add(london(2026, 11, 20, 15, 0), "10h") == add(london(2026, 11, 20, 15, 0), "1d 2h")


def test_a_start_at_the_weekend_counts_from_mondays_opening() -> None:
    assert add(london(2026, 11, 21, 12, 0), "1h") == london(2026, 11, 23, 10, 0)
    assert add(london(2026, 11, 23, 7, 30), "30m") == london(2026, 11, 23, 9, 30)


def test_christmas_and_boxing_day_observed_2026_are_skipped() -> None:
    """Fri 25 Dec and Mon 28 Dec 2026 (Boxing Day observed) are bank holidays."""
    assert add(london(2026, 12, 24, 15, 0), "1d") == london(2026, 12, 29, 15, 0)
    assert add(london(2026, 12, 24, 16, 0), "2h") == utc(2026, 12, 29, 10, 0)


def test_easter_2027_with_the_spring_clock_change_in_the_middle() -> None:
    """Good Friday 26 Mar, clocks go forward Sun 28 Mar, Easter Monday 29 Mar 2027:
    one hour left on Thursday (GMT), one on Tuesday from 09:00 BST = 08:00 UTC."""
    start = utc(2027, 3, 25, 16, 0)                       # Thu 16:00 GMT
    assert add(start, "2h") == utc(2027, 3, 30, 9, 0)     # Tue 10:00 BST
    assert add(start, "2h").astimezone(LONDON).hour == 10


def test_the_autumn_clock_change_keeps_opening_at_nine_local_time() -> None:
    start = london(2026, 10, 23, 16, 0)                   # Fri 16:00 BST = 15:00 UTC
    assert start == utc(2026, 10, 23, 15, 0)
    assert add(start, "2h") == utc(2026, 10, 26, 10, 0)   # Mon 10:00 GMT


def test_negative_working_time_counts_back_over_holidays_and_the_clock_change() -> None:
    """A reminder `4h` before a Tuesday 10:00 BST deadline after Easter 2027 goes
    out on Maundy Thursday at 14:00 GMT."""
    due = london(2027, 3, 30, 10, 0)
    assert add(due, -timedelta(hours=4)) == utc(2027, 3, 25, 14, 0)
    assert add(london(2026, 11, 23, 7, 0), -timedelta(hours=1)) == london(2026, 11, 20, 16, 0)


def test_next_working_moment_is_now_inside_hours_and_the_next_opening_outside() -> None:
    assert next_working_moment(london(2026, 11, 18, 13, 5), HOURS, HOLIDAYS, LONDON) == \
        london(2026, 11, 18, 13, 5)
    # closing time itself is not working time
    assert next_working_moment(london(2026, 11, 18, 17, 0), HOURS, HOLIDAYS, LONDON) == \
        london(2026, 11, 19, 9, 0)
    # Easter Sunday 2027 (clocks change that night) -> Tuesday 09:00 BST
    assert next_working_moment(utc(2027, 3, 28, 12, 0), HOURS, HOLIDAYS, LONDON) == \
        utc(2027, 3, 30, 8, 0)
    assert not is_working_moment(london(2026, 12, 25, 11, 0), HOURS, HOLIDAYS, LONDON)
    assert is_working_moment(london(2026, 12, 24, 11, 0), HOURS, HOLIDAYS, LONDON)


def test_working_time_between_counts_only_open_hours() -> None:
    friday, monday = london(2026, 11, 20, 15, 0), london(2026, 11, 23, 10, 30)
    assert working_time_between(friday, monday, HOURS, HOLIDAYS, LONDON) == timedelta(hours=3.5)
    assert working_time_between(monday, friday, HOURS, HOLIDAYS, LONDON) == timedelta(0)


def test_results_are_aware_utc_and_naive_input_is_refused() -> None:
    assert add(london(2026, 11, 17, 10, 0), "1h").tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        add(datetime(2026, 11, 17, 10, 0), "1h")


def test_months_and_hours_with_no_working_time_are_refused() -> None:
    with pytest.raises(ValueError, match="months"):
        working_seconds(Duration(months=1), HOURS)
    with pytest.raises(ValueError, match="no working time"):
        add_working_time(utc(2026, 11, 17), timedelta(hours=1), BusinessHours(days=()),
                         HOLIDAYS, LONDON)


@settings(max_examples=150, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1),
                          timezones=st.just(UTC)),
       minutes=st.integers(min_value=1, max_value=5 * 8 * 60))
def test_adding_then_measuring_or_subtracting_gives_the_same_working_time(
        start: datetime, minutes: int) -> None:
    amount = timedelta(minutes=minutes)
    end = add(start, amount)
    assert working_time_between(start, end, HOURS, HOLIDAYS, LONDON) == \
        timedelta(seconds=working_seconds(amount, HOURS))
    assert add(end, -amount) == next_working_moment(start, HOURS, HOLIDAYS, LONDON)
    local = end.astimezone(LONDON)
    assert local.weekday() < 5 and local.date() not in HOLIDAYS
    assert 9 * 60 < local.hour * 60 + local.minute + local.second / 60 <= 17 * 60
