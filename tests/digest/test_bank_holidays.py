"""Bank holidays come from the maintained `holidays` package, by the name
routing.yaml gives them (T-QA business hours)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mailbot.adapters import bank_holidays as bank_holidays_module
from mailbot.adapters import bank_holidays_table as table
from mailbot.adapters.bank_holidays import (
    bank_holidays,
    england_and_wales_holidays,
    from_package,
    installed_version,
    table_source,
)


def test_england_and_wales_includes_substitute_days_and_easter() -> None:
    found = england_and_wales_holidays(range(2026, 2028))
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 3, 26), date(2027, 3, 29),
            date(2027, 12, 27), date(2027, 12, 28)} <= found
    assert date(2026, 12, 24) not in found
    assert date(2026, 12, 26) in found          # Saturday, but still the holiday itself


def test_the_config_name_selects_the_table_and_the_lookup_is_kept() -> None:
    first = bank_holidays("england_and_wales", range(2026, 2027))
    assert first is bank_holidays("england_and_wales", range(2026, 2027))
    assert all(d.year == 2026 for d in first)


def test_an_unknown_holiday_table_names_the_supported_one() -> None:
    with pytest.raises(ValueError, match="'scotland' is not supported; use one of: "
                                         "england_and_wales"):
        bank_holidays("scotland", range(2026, 2027))


# -- start-up cost: the package's answer kept in a table (docs/decisions.md) -------------

def test_the_shipped_table_is_what_the_installed_package_says() -> None:
    """The table answers only for the package version that wrote it. Another version
    installed (a fresh machine gets the newest) is asked itself: slower by 0.15 s a
    command, never wrong, so it is not a failure; `python -m mailbot.adapters.
    bank_holidays` writes the table again."""
    years = range(min(table.BY_YEAR), max(table.BY_YEAR) + 1)
    assert england_and_wales_holidays(years) == from_package(years)
    if installed_version() == table.HOLIDAYS_VERSION:
        assert Path(table.__file__).read_text() == table_source(), \
            "bank_holidays_table.py differs from what the installed package says"


def test_a_year_outside_the_table_is_asked_of_the_package() -> None:
    years = range(max(table.BY_YEAR) - 1, max(table.BY_YEAR) + 2)
    assert england_and_wales_holidays(years) == from_package(years)
    assert date(max(table.BY_YEAR) + 1, 12, 25) in england_and_wales_holidays(years)


def test_another_version_of_the_package_is_asked_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[range] = []

    def from_package(years: range) -> frozenset[date]:
        asked.append(years)
        return frozenset()

    monkeypatch.setattr(bank_holidays_module, "installed_version", lambda: "0.1")
    monkeypatch.setattr(bank_holidays_module, "from_package", from_package)
    bank_holidays_module._cached.cache_clear()
    try:
        assert england_and_wales_holidays(range(2030, 2032)) == frozenset()
    finally:
        bank_holidays_module._cached.cache_clear()
    assert asked == [range(2030, 2032)]
