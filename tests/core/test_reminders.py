"""T-QA: the reminder before a step is due, the chasers after, then the deputy; each
sent once however often the clock ticks, because the returned state records it.

The C8 form arrives Monday 16 Nov 09:00; the Service Manager's step is due in one
working day (Monday 17:00), the reminder comes four hours before (13:00), a chaser
each working day after (Monday and Tuesday 17:00), then the deputy (Wednesday 17:00)."""

from __future__ import annotations

from datetime import datetime

from mailbot.core.clocks import calendar
from mailbot.core.config import Config
from mailbot.core.digest import review
from mailbot.core.values.state import State
from tests.core.desk import FIRST, at, new_form, request, sent, tick

SM = "sue.manager@kent.test"
DEPUTY = "sm.south@kent.test"          # Sue Manager's deputy: Sol South


def waiting(config: Config, now: datetime) -> State:
    """The C8 alert waiting on the SM, with the digest and the area review owed at `now`
    already sent (they are T-WEEKLY's and T-REVIEW's business, not these tests')."""
    state = new_form(State(), config, "C8").state
    owed = calendar.owed(state, config, now)
    week = review.owed(state, config, now)
    return state.model_copy(update={"digest_sent": (owed,) if owed else (),
                                    "review_sent": (week.key,) if week else ()})


def test_a_tick_before_anything_is_due_does_nothing(config: Config) -> None:
    """T-QA: nothing falls due before the reminder time."""
    state = waiting(config, at(11, 16, 12, 59))
    decision = tick(state, config, at(11, 16, 12, 59))

    assert decision.outgoing == () and decision.events == ()
    assert decision.state == state, "a tick with nothing due changes nothing"


def test_a_tick_after_the_reminder_time_sends_the_reminder_once(config: Config) -> None:
    """T-QA: the reminder goes at due minus four hours; the returned state records it, so
    a second tick at the same moment sends nothing."""
    now = at(11, 16, 13)
    state = waiting(config, now)
    first = tick(state, config, now)

    reminder = request(first, SM, "reminder")
    assert reminder.context["stage"] == "before" and reminder.rule == "T-QA"
    assert [o.purpose for o in first.outgoing] == ["reminder"]
    assert first.state.alerts[FIRST].waits[0].reminded, "the state must record the reminder"

    again = tick(first.state, config, now)
    assert again.outgoing == (), "the same reminder must not go twice"
    assert again.state == first.state


def test_an_unanswered_step_goes_to_the_deputy_after_the_chasers(config: Config) -> None:
    """T-QA: two chasers (routing.yaml `chasers_before_escalation: 2`), then the step is
    also asked of the owner's deputy, who may answer it."""
    state = waiting(config, at(11, 16, 13))
    stages: list[str] = []
    for now in (at(11, 16, 13), at(11, 16, 17), at(11, 17, 17)):
        decision = tick(state, config, now)
        stages += [o.context["stage"] for o in sent(decision, "reminder", SM)]
        assert sent(decision, "approval_request", DEPUTY) == [], f"deputy asked too soon, {now}"
        state = decision.state
    assert stages == ["before", "overdue", "overdue"]

    decision = tick(state, config, at(11, 18, 17))
    escalated = request(decision, DEPUTY)
    assert escalated.context["escalated"] and "deputy" in escalated.context["escalation_reason"]
    assert escalated.late is False
    wait = decision.state.alerts[FIRST].waits[0]
    assert (wait.escalation, wait.escalated_to) == (1, ("sol.south",))
    assert [o.context["stage"] for o in sent(decision, "reminder", SM)] == ["escalated"], \
        "the owner is told the step has gone to their deputy"
