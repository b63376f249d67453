"""Whether each clock was met, read back from the event log (core/records/deadlines.py),
on plain values: the export's section 3 for an alert that keeps no clocks of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mailbot.core.records.deadlines import deadlines
from mailbot.core.values.alert import Alert, Event, Timer
from mailbot.core.values.form import Contact, Form

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def alert(**changes: Any) -> Alert:
    return Alert(ref="KA-2026-0009", category="C8", area="east", district="Thanet",
                 form=Form(), submitter=Contact(), created_at=T0, updated_at=T0, **changes)


def ev(seq: int, hours: float, what: str, rule: str = "R-CIC", **detail: Any) -> Event:
    return Event(ref="KA-2026-0009", seq=seq, at=T0 + timedelta(hours=hours), rule=rule,
                 what=what, detail=detail)


def due(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def test_a_step_answered_in_time_is_met_and_one_answered_after_its_due_time_is_late() -> None:
    rows = deadlines(alert(), [
        ev(1, 0, "asked", stage="sm_qa", owner="sue.manager", due_at=due(8)),
        ev(2, 1, "approved", stage="sm_qa"),
        ev(3, 1, "asked", stage="director_decision", owner="dana", due_at=due(25)),
        ev(4, 25, "chased", rule="T-QA", stage="director_decision", chasers=1),
        ev(5, 30, "approved", stage="director_decision"),
    ])
    assert [(r.name, r.outcome(T0 + timedelta(days=9), closed=True), r.chasers) for r in rows] \
        == [("sm_qa", "met", 0), ("director_decision", "late", 1)]


def test_a_clock_fires_on_time_or_late_and_a_task_left_undone_shows_as_such() -> None:
    rows = deadlines(alert(), [
        ev(1, 0, "clock_set", rule="T-48H", clock="miu_48h", due_at=due(48)),
        ev(2, 48, "task_set", rule="T-48H", task="record_missing_48h", owner="miu",
           due_at=due(96)),
        ev(3, 60, "deadline_notice", rule="T-72H", clock="return_interview_due", late=True),
    ])
    got = {r.name: r.outcome(T0 + timedelta(hours=100), closed=False) for r in rows}
    assert got == {"miu_48h": "fired on time", "record_missing_48h": "overdue",
                   "return_interview_due": "fired late"}
    [undone] = deadlines(alert(), [ev(1, 0, "task_set", task="t", due_at=due(1))])
    assert undone.outcome(T0, closed=True) == "not done (alert closed)"


def test_the_return_interview_is_judged_by_the_day_it_was_held() -> None:
    rows = deadlines(alert(), [
        ev(1, 0, "found", rule="T-72H", found_at=due(0), interview_due=due(72)),
        ev(2, 100, "return_interview_recorded", rule="T-72H",
           on=(T0 + timedelta(hours=72)).date().isoformat()),
    ])
    assert [(r.kind, r.outcome(T0, closed=True)) for r in rows] == [("return interview", "met")]


def test_an_open_alerts_running_clock_is_shown_even_before_the_log_names_it() -> None:
    running = Timer(id="r1", rule="T-REVIEW", kind="review", due_at=T0 + timedelta(days=28))
    [row] = deadlines(alert(clocks=(running,)), [])
    assert (row.kind, row.name, row.outcome(T0, closed=False)) == ("clock", "review", "open")
