"""Section 6 (T-REVIEW): when each area's weekly review of its open alerts is owed: the
digest's day at the start of working hours unless routing.yaml says otherwise, once a
week, recorded in the state by the tick that sends it."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.core.config import Config
from mailbot.core.digest import review
from mailbot.core.values.state import State


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def with_review(config: Config, **changes: object) -> Config:
    spec = config.timers.area_review.model_copy(update=changes)
    return config.model_copy(update={"timers": config.timers.model_copy(
        update={"area_review": spec})})


def test_owed_from_monday_at_the_start_of_working_hours(config: Config) -> None:
    assert review.owed(State(), config, at(11, 23, 8, 59)) == \
        review.ReviewWeek("2026-W47", at(11, 16, 9)), "last week's, if never sent"
    week = review.owed(State(), config, at(11, 23, 9))
    assert week == review.ReviewWeek("2026-W48", at(11, 23, 9))
    sent = State(review_sent=("2026-W48",))
    assert review.owed(sent, config, at(11, 27, 12)) is None
    assert review.next_moment(sent, config, at(11, 23, 9)) == at(11, 30, 9)
    assert review.next_moment(State(), config, at(11, 23, 9)) == at(11, 23, 9)


def test_summer_time_keeps_the_local_hour(config: Config) -> None:
    """09:00 in London is 08:00 UTC in British Summer Time."""
    assert review.owed(State(), config, at(6, 15, 8)) == review.ReviewWeek("2026-W25",
                                                                          at(6, 15, 8))


def test_routing_yaml_may_move_it_or_switch_it_off(config: Config) -> None:
    friday = with_review(config, day="friday", hour=14)
    assert review.owed(State(), friday, at(11, 27, 14)) == review.ReviewWeek("2026-W48",
                                                                            at(11, 27, 14))
    off = with_review(config, role=None)
    assert review.owed(State(), off, at(11, 23, 9)) is None
    assert review.next_moment(State(), off, at(11, 23, 9)) is None
    assert review.reviewers(off) == {}


def test_each_area_is_reviewed_by_its_service_manager(config: Config) -> None:
    assert review.reviewers(config) == {"nia.north": ["north"], "sue.manager": ["east"],
                                        "sol.south": ["south"], "wyn.west": ["west"]}
