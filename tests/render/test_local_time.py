"""The `local` filter: the council's wall clock, across the BST/GMT changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.adapters.render import Renderer


@pytest.mark.parametrize(("utc", "shown"), [
    # last Sunday of March 2026: clocks go forward at 01:00 UTC
    ("2026-03-29T00:59:00Z", "Sun 29 Mar 2026 00:59 GMT"),
    ("2026-03-29T01:00:00Z", "Sun 29 Mar 2026 02:00 BST"),
    # last Sunday of October 2026: clocks go back at 01:00 UTC
    ("2026-10-25T00:59:00Z", "Sun 25 Oct 2026 01:59 BST"),
    ("2026-10-25T01:00:00Z", "Sun 25 Oct 2026 01:00 GMT"),
    ("2026-11-16T14:30:00+00:00", "Mon 16 Nov 2026 14:30 GMT"),
    ("2026-07-01T12:00:00+02:00", "Wed 1 Jul 2026 11:00 BST"),
])
def test_local_shows_the_london_clock_across_bst_and_gmt(
        renderer: Renderer, utc: str, shown: str) -> None:
    assert renderer.local(utc) == shown
    assert renderer.local(datetime.fromisoformat(utc)) == shown


def test_local_refuses_a_time_without_a_zone(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        renderer.local("2026-11-16T14:30:00")


OFFSETS = {"GMT": timedelta(0), "BST": timedelta(hours=1)}
SHOWN = re.compile(r"(\w{3}) (\d{1,2}) (\w{3}) (\d{4}) (\d\d):(\d\d) (GMT|BST)")


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                    timezones=st.just(UTC)))
def test_local_reads_back_as_the_same_instant(renderer: Renderer, when: datetime) -> None:
    """Whatever the time of year, the shown time plus its zone is the same moment
    (to the minute), so nobody misses a deadline by an hour."""
    match = SHOWN.fullmatch(renderer.local(when))
    assert match, renderer.local(when)
    _, day, month, year, hour, minute, zone = match.groups()
    wall = datetime.strptime(f"{day} {month} {year} {hour}:{minute}", "%d %b %Y %H:%M")
    back = wall.replace(tzinfo=timezone(OFFSETS[zone]))
    assert back == when.replace(second=0, microsecond=0)


def test_role_title_names_the_role_as_people_know_it(renderer: Renderer) -> None:
    assert renderer.role_title("sm") == "Service Manager"
    assert renderer.role_title("ad_sqa") == "Assistant Director, Safeguarding and Quality Assurance"
    assert renderer.role_title("nobody") == "nobody"
