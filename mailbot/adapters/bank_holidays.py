"""Bank holidays for working-time chasing (T-QA), from the maintained `holidays` package.

The package tracks substitute days ("Boxing Day (observed)") and one-off
holidays by proclamation, which a hand-written list would miss. The set a
config names is looked up once per range of years and kept.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

SUPPORTED = ("england_and_wales",)


def england_and_wales_holidays(years: range) -> frozenset[date]:
    """Bank holidays in England and Wales for `years` (Wales shares England's)."""
    return _cached(years.start, years.stop, years.step)


def bank_holidays(name: str, years: range) -> frozenset[date]:
    """The holidays `BusinessHours.holidays` names; ValueError for one we don't know."""
    if name == "england_and_wales":
        return england_and_wales_holidays(years)
    raise ValueError(
        f"business_hours.holidays: {name!r} is not supported; use one of: {', '.join(SUPPORTED)}")


@lru_cache(maxsize=32)
def _cached(start: int, stop: int, step: int) -> frozenset[date]:
    import holidays  # a large table of countries: only loaded when chasing needs it

    found = holidays.country_holidays("GB", subdiv="ENG", years=range(start, stop, step))
    return frozenset(found.keys())
