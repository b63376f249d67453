"""Bank holidays come from the maintained `holidays` package, by the name
routing.yaml gives them (T-QA business hours)."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.adapters.bank_holidays import bank_holidays, england_and_wales_holidays


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
