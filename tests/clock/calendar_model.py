"""How staff count time, written out by hand for the clock tests.

An independent statement of the calendar the product must keep (T-QA working
time, the bank holidays of England and Wales, Europe/London), so the tests do
not check the product's arithmetic against itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
OPENS, CLOSES = time(9), time(17)

# England and Wales, from gov.uk/bank-holidays: 26 Dec 2026 is a Saturday, so
# Boxing Day is observed on Monday 28 Dec
BANK_HOLIDAYS = frozenset({
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
    date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29),
})


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in the council's office, as aware UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def wall(when: datetime) -> datetime:
    return when.astimezone(LONDON)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in BANK_HOLIDAYS


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_after(start: datetime, days: int) -> datetime:
    """`days` working days (09:00-17:00 Monday to Friday, not bank holidays) after
    `start`, as a person reads "within a day": from Tuesday 11:00, Wednesday 11:00;
    from Friday 18:00 or a Saturday, the clock starts at Monday's opening and one
    day ends at Monday's closing."""
    local = wall(start)
    day, clock = local.date(), local.timetz().replace(tzinfo=None)
    if is_working_day(day) and OPENS < clock <= CLOSES:
        for _ in range(days):
            day = next_working_day(day)
        return datetime.combine(day, clock, LONDON).astimezone(UTC)
    if not (is_working_day(day) and clock <= OPENS):
        day = next_working_day(day)
    for _ in range(days - 1):
        day = next_working_day(day)
    return datetime.combine(day, CLOSES, LONDON).astimezone(UTC)


def office_open(when: datetime) -> datetime:
    """When a reminder or procedural notice due at `when` goes (issue 11): at once in
    working hours (the closing minute included), else at the next opening."""
    local = wall(when)
    day, clock = local.date(), local.timetz().replace(tzinfo=None)
    if is_working_day(day) and OPENS <= clock <= CLOSES:
        return when
    if not (is_working_day(day) and clock < OPENS):
        day = next_working_day(day)
    return datetime.combine(day, OPENS, LONDON).astimezone(UTC)


def add_months(when: datetime, months: int) -> datetime:
    """Calendar months on the UTC clock, clamped to the month's end."""
    import calendar

    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month,
                        day=min(when.day, calendar.monthrange(year, month)[1]))


def mondays_at(hour: int, start: datetime, end: datetime) -> list[datetime]:
    """Every Monday `hour`:00 London time in [start, end], as UTC."""
    day = wall(start).date()
    day -= timedelta(days=day.weekday())
    found = []
    while True:
        moment = datetime.combine(day, time(hour), LONDON).astimezone(UTC)
        if moment > end:
            return found
        if moment >= start:
            found.append(moment)
        day += timedelta(days=7)
