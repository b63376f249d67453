"""T-WEEKLY: the digest is owed once a week, from the configured day and hour (Monday
08:00 in the shipped routing.yaml), and the tick that finds it owed records it."""

from __future__ import annotations

from mailbot.core.clocks import calendar
from mailbot.core.config import Config
from mailbot.core.values.state import State
from tests.core.desk import at, tick

MONDAY_0800 = at(11, 23, 8)            # Monday 23 Nov 2026, 08:00 GMT
LAST_WEEKS = "2026-W47"                # recorded when the 16 Nov digest went out


def test_the_digest_is_owed_once_a_week_from_the_digest_hour(config: Config) -> None:
    """T-WEEKLY: owed from Monday 08:00, once; not again until the next Monday."""
    state = State(digest_sent=(LAST_WEEKS,))
    assert calendar.owed(state, config, at(11, 23, 7, 59)) is None, "not before the hour"
    assert calendar.owed(state, config, MONDAY_0800) == "2026-W48"

    first = tick(state, config, MONDAY_0800)
    assert first.digest_week == "2026-W48"
    assert first.state.digest_sent == (LAST_WEEKS, "2026-W48"), "the state records it is sent"
    assert tick(first.state, config, MONDAY_0800).digest_week is None, "owed once, not per tick"
    assert tick(first.state, config, at(11, 27, 12)).digest_week is None, "nor later that week"
    assert tick(first.state, config, at(11, 30, 8)).digest_week == "2026-W49"


def test_the_digest_reports_the_seven_local_days_before_the_digest_day(config: Config) -> None:
    """T-WEEKLY: the Monday 23 Nov digest covers Monday 16 to Sunday 22 Nov, and falls
    due at 08:00; the next one is due a week later."""
    week = calendar.digest_week(MONDAY_0800, config)
    assert (week.start, week.end, week.due_at) == (at(11, 16), at(11, 23), MONDAY_0800)
    assert (week.key, week.last_day.isoformat()) == ("2026-W47", "2026-11-22")
    sent = State(digest_sent=("2026-W48",))
    assert calendar.next_digest_moment(config, MONDAY_0800, sent) == at(11, 30, 8)
