"""UK dates and times (mailbot.core.dates): read what people write; never guess the rest.

One reader for two callers: a form field (`parse_date`), which refuses what it
cannot read so the sender writes it again, and another council's notification
(`find_date`, R-OLA), which reads it as "not sure" so the MIU is asked to confirm.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mailbot.core.dates import DateRead, Invalid, find_date, parse_date, parse_datetime

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
    "14.30 - 23/11/2026",   # a time first: "14.30 - 23" is not a date with a two-digit year
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
    ("23.11/2026", "23.11/2026 is not a date"),   # one separator throughout, or it is not a date
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


# -- free text: the first date in another council's notification (R-OLA) ---------------

@pytest.mark.parametrize(("text", "expected"), [
    ("20/10/2026", date(2026, 10, 20)),
    ("10.10.2026", date(2026, 10, 10)),
    ("2016-07-22", date(2016, 7, 22)),
    ("1st February 2015", date(2015, 2, 1)),
    ("14 Sept 2026", date(2026, 9, 14)),
    ("4th of April, 2018", date(2018, 4, 4)),
    ("April 4, 2018", date(2018, 4, 4)),
    ("seen at school on 03/11/2026 at 15:00", date(2026, 11, 3)),
    ("last seen 15.00 - 12/03/2017", date(2017, 3, 12)),
])
def test_the_first_date_in_free_text_is_read_day_first(text: str, expected: date) -> None:
    read = find_date(text)
    assert read is not None and read.sure and read.value == expected


def test_free_text_without_a_date_has_none() -> None:
    assert find_date("early October, we think") is None


# -- one reader: a form and a notification agree ------------------------------------------

AGREED = [   # as written, and the day it is (None: it cannot be read without a guess)
    ("03/04/2026", date(2026, 4, 3)),      # day first: 3 April, never 4 March
    ("3 April 2026", date(2026, 4, 3)),
    ("April 3, 2026", date(2026, 4, 3)),   # a month in words is not ambiguous
    ("2026-04-03", date(2026, 4, 3)),
    ("4TH OF APRIL 2018", date(2018, 4, 4)),
    ("03/04/26", None),                    # two-digit year: 1926 or 2026?
    ("5.6.14", None),
    ("3 Apr 26", None),
    ("April 3, 26", None),
    ("31/02/2026", None),                  # impossible
    ("23/11/0026", None),
    ("11/23/2026", None),                  # month first (American): impossible day first
    ("12/25/2026", None),
]


@pytest.mark.parametrize(("text", "expected"), AGREED)
def test_a_form_and_a_notification_read_a_date_alike(text: str, expected: date | None) -> None:
    """The form (alert-form.md: dates are day/month/year) and another council's
    notification (R-OLA) read the same day, or both decline to guess: the form
    refuses it, the notification keeps it as written, not sure."""
    form = parse_date(text)
    notice = find_date(f"Date missing: {text}")
    if expected is None:
        assert isinstance(form, Invalid), f"the form guessed {form} from {text!r}"
        assert notice == DateRead(value=None, text=text, sure=False)
    else:
        assert form == expected
        assert notice == DateRead(value=expected, text=text, sure=True)


def test_a_two_digit_year_is_refused_by_the_form_and_not_sure_in_a_notification() -> None:
    """A form asks the sender to write the year in full; a notification cannot be
    sent back, so the register asks the MIU to confirm the date (R-OLA)."""
    form = parse_date("03/04/26")
    assert isinstance(form, Invalid) and "write the year in full" in form.message
    assert find_date("Child: Kit GREY d.o.b. 03/04/26") == DateRead(value=None, text="03/04/26",
                                                                    sure=False)


def test_a_month_first_date_is_refused_with_a_hint_and_not_sure_in_a_notification() -> None:
    form = parse_date("11/23/2026")
    assert isinstance(form, Invalid) and "(dates are day/month/year)" in form.message
    read = find_date("missing since 11/23/2026")
    assert read is not None and read.value is None and not read.sure
