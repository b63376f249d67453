"""Durations as people write them in routing.yaml: `72h`, `21d`, `6mo`, `30m`, `2w`, `6y`.

Months (and years, twelve of them) are calendar months (six months from 31 August is 28 or 29 February),
so they are kept apart from fixed-length durations.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(mo|y|w|d|h|m)")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
          "m": timedelta(minutes=1)}


@dataclass(frozen=True)
class Duration:
    """A length of time: whole calendar months plus a fixed part."""

    months: int = 0
    fixed: timedelta = timedelta(0)

    def after(self, start: datetime) -> datetime:
        return add_months(start, self.months) + self.fixed

    def before(self, end: datetime) -> datetime:
        return add_months(end, -self.months) - self.fixed

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        parts = []
        if self.months and self.months % 12 == 0:
            parts.append(f"{self.months // 12}y")
        elif self.months:
            parts.append(f"{self.months}mo")
        seconds = int(self.fixed.total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size:
                parts.append(f"{seconds // size}{unit}")
                seconds %= size
        return " ".join(parts) or "0h"

    @property
    def is_negative(self) -> bool:
        return self.months < 0 or self.fixed < timedelta(0)


def parse_duration(text: str | int | float) -> Duration:
    """Parse `72h`, `21d`, `6mo`, `11mo 15d`, `1.5h`; a bare number is hours.

    Raises ValueError with a sentence fit for a config error.
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a duration (use e.g. 72h, 21d, 6mo)")
    if isinstance(text, int | float):
        return Duration(fixed=timedelta(hours=text))
    raw = text.strip().lower()
    negative = raw.startswith("-")
    body = raw.lstrip("-").strip()
    if not body or _PART.sub("", body).strip():
        raise ValueError(f"{text!r} is not a duration (use e.g. 72h, 21d, 6mo)")
    months = 0
    fixed = timedelta(0)
    for number, unit in _PART.findall(body):
        if unit in ("mo", "y"):
            if "." in number:
                raise ValueError(f"{text!r}: months and years must be whole (write 11mo 15d, "
                                 "not 11.5mo)")
            months += int(number) * (12 if unit == "y" else 1)
        else:
            fixed += float(number) * _UNITS[unit]
    if negative:
        return Duration(months=-months, fixed=-fixed)
    return Duration(months=months, fixed=fixed)


def add_months(when: datetime, months: int) -> datetime:
    """The same day and time `months` later, clamped to the month's last day."""
    if months == 0:
        return when
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)
