"""UK dates as people write them: the one reader for forms and for other councils' notices.

Day/month/year always (a UK form, a UK council): 03/04/2026 is 3 April. Never
guessed: a two-digit year (which century a date of birth falls in is a guess),
an impossible date (31/02/2015), and so a month-first American one (11/23/2026).
A numeric date keeps one separator, so "14.30 - 23/11/2026" is a time and a date.
Each caller says so in its own way:

- a form field (`parse_date`, `parse_datetime`) refuses it with words for the
  sender (`Invalid`), who can write it again; relative words ("yesterday") and a
  datetime without a time are refused too;
- another council's notification (`find_date`, R-OLA) cannot be sent back, so the
  date is read as not sure (`DateRead(sure=False)`) and the register asks the MIU
  to confirm it from the original.

Form times are local to the organisation's timezone and are returned as aware
UTC; a local time that the clocks skipped is refused, and one that happened twice
(the autumn change) is refused unless GMT/BST is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Invalid:
    """Why a value could not be read, in words for the sender."""

    message: str


@dataclass(frozen=True)
class DateRead:
    """A date found in free text, as written; `sure` is False (and `value` None)
    when a date is written but cannot be read without guessing."""

    value: date | None
    text: str
    sure: bool


# -- the shapes of a written date, and what makes one readable ---------------------

_MONTHS = {name: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
_MONTH = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
# a two-digit "year" that runs on is not one: "4 May 18:00", "1st Sept 12/03/2017"
_YEAR = r"(?P<y>\d{4}(?!\d)|\d{2}(?!\d|[/.:\-]\d))"
# a numeric date keeps one separator, so "14.30 - 2016-07-22" is a time, then a date
_NUMERIC = r"(?P<d>\d{1,2})\s*SEP\s*(?P<m>\d{1,2})\s*SEP\s*" + _YEAR
_SHAPES = (
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)",
    *(_NUMERIC.replace("SEP", sep) for sep in ("/", r"\.", "-")),
    r"(?P<d>\d{1,2})" + _ORD + r"(?:\s+of)?[\s\-]+" + _MONTH + r"[\s\-,]+" + _YEAR,
    _MONTH + r"\s+(?P<d>\d{1,2})" + _ORD + r",?\s+" + _YEAR,
)
# a date starts a word: the "2/03/2017" in "12/03/2017" is not one
_DATES = tuple(re.compile(rf"\b(?:{shape})", re.I) for shape in _SHAPES)
DATE_TEXT = "(?i:" + "|".join(re.sub(r"\(\?P<\w+>", "(?:", s) for s in _SHAPES) + ")"
"""Any written date, as a pattern to build on (it has no groups of its own)."""

Unsure = Literal["two-digit year", "not a real date", "month first"]


def _written(m: re.Match[str]) -> date | Unsure:
    """The date a match names, or why it cannot be read without a guess."""
    parts = m.groupdict()
    day, year = int(parts["d"]), parts["y"]
    month = _MONTHS[parts["mon"].lower()] if "mon" in parts else int(parts["m"])
    if len(year) == 2:
        return "two-digit year"
    if not 1900 <= int(year) <= 2100:
        return "not a real date"
    try:
        return date(int(year), month, day)
    except ValueError:
        return "month first" if month > 12 and day <= 12 else "not a real date"


def find_date(text: str) -> DateRead | None:
    """The first date written in free text (another council's notification), or None."""
    starts = [m for m in (pattern.search(text) for pattern in _DATES) if m]
    if not starts:
        return None
    first = min(starts, key=lambda m: m.start())
    read = _written(first)
    if isinstance(read, date):
        return DateRead(value=read, text=first.group(0), sure=True)
    return DateRead(value=None, text=first.group(0), sure=False)


def uk(day: date | None) -> str:
    """A date as the unit writes it: 03/04/2026."""
    return day.strftime("%d/%m/%Y") if day else "not given"


# -- a form field: the whole value is a date, or a date and a time --------------------

_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")
_TIMES = (
    re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ap>am|pm|a\.m\.|p\.m\.)"),
    re.compile(r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?\s*(?:hrs|hours|h)?"),
    re.compile(r"(?P<h>\d{2})(?P<mi>\d{2})\s*(?:hrs|hours|h)?"),
    re.compile(r"(?P<noon>noon|midday)"),
)
# a zone after a time only: "-2026" ending "23-11-2026" is a year, not an offset
_ZONE = re.compile(r"(?:\s*\b(?P<w>utc|gmt|bst)|(?<=\d)(?P<z>z)|(?<=:\d\d)(?P<o>[+-]\d{2}:?\d{2}))$")
_CONNECTOR = re.compile(r"^(?:[,@\-]|at\b|on\b)\s*|\s*(?:[,@\-]|\bat|\bon)$")
_RELATIVE = re.compile(r"\b(?:today|tonight|yesterday|tomorrow|last|next|this|ago)\b")
_EXAMPLE_DATE = "23/11/2026"
_EXAMPLE_DATETIME = "23/11/2026 14:30"
_REFUSALS: dict[Unsure, str] = {
    "two-digit year": "{} is ambiguous: write the year in full, e.g. " + _EXAMPLE_DATE,
    "not a real date": "{} is not a real date",
    "month first": "{} is not a real date (dates are day/month/year)",
}


def _clean(text: str) -> str:
    s = " ".join(text.replace("\xa0", " ").lower().split()).rstrip(".")
    s = re.sub(r"(\d)t(\d)", r"\1 \2", s)        # ISO 8601 "T"
    s = _ORDINAL.sub("", _WEEKDAY.sub("", s))
    return s


def _match_date(s: str, original: str) -> tuple[date, str] | Invalid | None:
    """A date at the start of `s`, and what follows it."""
    for pattern in _DATES:
        m = pattern.match(s)
        if not m:
            continue
        read = _written(m)
        if isinstance(read, date):
            return read, s[m.end():]
        return Invalid(_REFUSALS[read].format(original))
    return None


def _match_time(s: str) -> tuple[time, str] | Invalid | None:
    for pattern in _TIMES:
        m = pattern.match(s)
        if not m:
            continue
        if "noon" in pattern.groupindex:
            return time(12, 0), s[m.end():]
        hour, minute = int(m["h"]), int(m["mi"] or 0)
        second = int(m["s"] or 0) if "s" in pattern.groupindex else 0
        ampm = m["ap"] if "ap" in pattern.groupindex else None
        if ampm:
            if not 1 <= hour <= 12:
                return Invalid("")
            hour = hour % 12 + (12 if ampm.startswith("p") else 0)
        if hour > 23 or minute > 59 or second > 59:
            return Invalid("")
        return time(hour, minute, second), s[m.end():]
    return None


def _split(text: str) -> tuple[date, time | None, str | None] | Invalid:
    """Date, optional time and optional zone, from either order ("14:30 on 23/11/2026")."""
    original = " ".join(text.split())
    s = _clean(text)
    zone = None
    zm = _ZONE.search(s)
    if zm and re.search(r"\d", s[: zm.start()]):
        zone, s = zm["w"] or zm["z"] or zm["o"], s[: zm.start()]
    if _RELATIVE.search(s):
        return Invalid(f"{original} is not a date: write it as {_EXAMPLE_DATE}")
    tried = _match_date(s, original)
    lead_time: time | None = None
    if tried is None:   # the time may come first
        t = _match_time(s)
        if isinstance(t, tuple):
            lead_time, rest = t
            tried = _match_date(_CONNECTOR.sub("", rest.strip()).strip(), original)
    if tried is None:
        return Invalid(f"{original} is not a date: write it as {_EXAMPLE_DATE}")
    if isinstance(tried, Invalid):
        return tried
    day, rest = tried
    rest = _CONNECTOR.sub("", rest.strip()).strip()
    if lead_time is not None:
        return (day, lead_time, zone) if not rest else Invalid(f"{original} is not a date")
    if not rest:
        return day, None, zone
    t = _match_time(rest)
    if isinstance(t, tuple) and not t[1].strip():
        return day, t[0], zone
    return Invalid(f"{original} is not a date and time: write it as {_EXAMPLE_DATETIME}")


def parse_date(text: str) -> date | Invalid:
    """A calendar date; a time after it is allowed and ignored (a meeting's time)."""
    got = _split(text)
    return got if isinstance(got, Invalid) else got[0]


def parse_datetime(text: str, zone_name: str) -> datetime | Invalid:
    """A local date and time on the form, as aware UTC."""
    got = _split(text)
    if isinstance(got, Invalid):
        return got
    day, at, zone = got
    original = " ".join(text.split())
    if at is None:
        return Invalid(f"{original} has no time: write the date and time, e.g. {_EXAMPLE_DATETIME}")
    naive = datetime.combine(day, at)
    if zone is not None:
        return naive.replace(tzinfo=_offset(zone)).astimezone(UTC)
    tz = ZoneInfo(zone_name)
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
            return Invalid(f"{original} did not happen: the clocks went forward that night")
        return Invalid(f"{original} happened twice (the clocks went back that night): "
                       "add GMT or BST after the time")
    return early.astimezone(UTC)


def _offset(zone: str) -> timezone:
    if zone in ("z", "utc", "gmt"):
        return UTC
    if zone == "bst":
        return timezone(timedelta(hours=1))
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def aware_instant(value: object) -> datetime | None:
    """An aware datetime from an event's or a mail's context (a datetime, or the ISO
    text JSON keeps it as); None for anything else, a naive time included."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
