"""UK dates and times: read what staff write; refuse, never guess, the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mailbot.core.reading.dates import Invalid, parse_date, parse_datetime

LONDON = "Europe/London"


@pytest.mark.parametrize("text", [
    "23/11/2026", "23/11/2026 14:30", "23 Nov 2026", "23 November 2026 2:30pm", "2026-11-23T14:30",
    "23.11.2026", "23-11-2026", "Monday 23rd November 2026", "November 23, 2026", "23 Nov. 2026",
])
def test_uk_date_styles_all_read_as_23_november(text: str) -> None:
    assert parse_date(text) == date(2026, 11, 23)


@pytest.mark.parametrize("text", [
    "23/11/2026 14:30", "23 November 2026 2:30pm", "2026-11-23T14:30", "23/11/2026 at 14:30",
    "14:30 on 23/11/2026", "23/11/2026 1430hrs", "23.11.2026 14.30", "Mon 23 Nov 2026, 2.30 pm",
    "2026-11-23T14:30:00Z", "23/11/2026 14:30 GMT",
])
def test_a_november_local_time_is_the_same_in_utc(text: str) -> None:
    assert parse_datetime(text, LONDON) == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def test_a_summer_local_time_is_an_hour_ahead_of_utc() -> None:
    assert parse_datetime("15/07/2026 16:00", LONDON) == datetime(2026, 7, 15, 15, 0, tzinfo=UTC)


def test_noon_and_12am_are_read_as_meant() -> None:
    assert parse_datetime("23/11/2026 noon", LONDON) == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_datetime("23/11/2026 12am", LONDON) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, says", [
    ("31/02/2015", "31/02/2015 is not a real date"),
    ("11/23/2026", "11/23/2026 is not a real date (dates are day/month/year)"),
    ("3/4/26", "3/4/26 is ambiguous: write the year in full"),
    ("15/11/26 16:00", "15/11/26 16:00 is ambiguous: write the year in full"),
    ("yesterday", "yesterday is not a date"),
    ("last Friday", "last Friday is not a date"),
    ("about a week ago", "about a week ago is not a date"),
    ("23/11/0026", "23/11/0026 is not a real date"),
])
def test_impossible_or_ambiguous_dates_are_refused_not_guessed(text: str, says: str) -> None:
    got = parse_date(text)
    assert isinstance(got, Invalid) and got.message.startswith(says)


def test_a_datetime_field_refuses_a_date_without_a_time() -> None:
    got = parse_datetime("15/11/2026", LONDON)
    assert isinstance(got, Invalid) and "has no time" in got.message


@pytest.mark.parametrize("text", ["23/11/2026 25:00", "23/11/2026 14:30 and more", "23/11/2026 13pm"])
def test_a_bad_time_is_refused(text: str) -> None:
    assert isinstance(parse_datetime(text, LONDON), Invalid)


def test_a_date_field_keeps_the_day_of_a_date_and_time() -> None:
    assert parse_date("17/11/2026 10:00") == date(2026, 11, 17)


def test_a_time_the_clocks_skipped_is_refused() -> None:
    got = parse_datetime("29/03/2026 01:30", LONDON)
    assert isinstance(got, Invalid) and "clocks went forward" in got.message


def test_a_time_that_happened_twice_is_refused_unless_bst_or_gmt_is_written() -> None:
    got = parse_datetime("25/10/2026 01:30", LONDON)
    assert isinstance(got, Invalid) and "add GMT or BST" in got.message
    assert parse_datetime("25/10/2026 01:30 BST", LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_datetime("25/10/2026 01:30 GMT", LONDON) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_an_explicit_offset_is_honoured() -> None:
    assert parse_datetime("2026-11-23T14:30+02:00", LONDON) == datetime(2026, 11, 23, 12, 30,
                                                                        tzinfo=UTC)
