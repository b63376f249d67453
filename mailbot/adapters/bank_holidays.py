"""Bank holidays for working-time chasing (T-QA), from the maintained `holidays` package.

The package tracks substitute days ("Boxing Day (observed)") and one-off
holidays by proclamation, which a hand-written list would miss. The set a
config names is looked up once per range of years and kept.

Asking the package costs every command about 0.15 s (it imports the tables of
all its countries to find one), so its answer for England and Wales is also kept
in `bank_holidays_table.py`, with the package version that gave it. That table is
read only while the same version is installed; any other version, or a year
outside the table, is asked of the package itself. After upgrading `holidays`,
write the table again (a test says when it is stale):

    .venv/bin/python -m mailbot.adapters.bank_holidays
"""

from __future__ import annotations

import importlib.metadata
from datetime import date
from functools import lru_cache
from pathlib import Path

from mailbot.adapters import bank_holidays_table as table

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
    years = range(start, stop, step)
    if installed_version() == table.HOLIDAYS_VERSION and all(y in table.BY_YEAR for y in years):
        return frozenset(date(y, int(day[:2]), int(day[3:]))
                         for y in years for day in table.BY_YEAR[y].split())
    return from_package(years)


def from_package(years: range) -> frozenset[date]:
    import holidays  # a large table of countries: only loaded when the shipped table is not enough

    found = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return frozenset(found.keys())


def installed_version() -> str | None:
    try:
        return importlib.metadata.version("holidays")
    except importlib.metadata.PackageNotFoundError:
        return None


def table_source(years: range = range(2000, 2076)) -> str:
    """`bank_holidays_table.py` as the installed package would write it."""
    found = from_package(years)
    lines = [f"    {y}: \"{' '.join(f'{d:%m-%d}' for d in sorted(d for d in found if d.year == y))}\","
             for y in years]
    return (f'"""England and Wales bank holidays as `holidays` {installed_version()} gives them.\n\n'
            "Written by `python -m mailbot.adapters.bank_holidays`; do not edit by hand. Read only\n"
            'while that version is installed (mailbot.adapters.bank_holidays says why)."""\n\n'
            f'HOLIDAYS_VERSION = "{installed_version()}"\n\n'
            "# year: month-day of each bank holiday\n"
            "BY_YEAR = {\n" + "\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    path = Path(__file__).with_name("bank_holidays_table.py")
    path.write_text(table_source())
    print(f"{path}: written from holidays {installed_version()}")
