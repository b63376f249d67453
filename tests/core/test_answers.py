"""R-STD, T-REVIEW and who may answer: replies to an approval request, decided on plain
values. The C3 sample is from Maidstone (West): Wyn West is its Service Manager,
Abe West its Assistant Director."""

from __future__ import annotations

from datetime import timedelta

from mailbot.core.config import Config
from mailbot.core.values.state import Decision, State
from tests.core.desk import FIRST, NOW, answer, new_form, request, sent

SUBMITTER = "Kim Lead <kim.lead@kent.test>"
SM = "sm.west@kent.test"
LATER = NOW + timedelta(hours=2)


def raised(config: Config) -> Decision:
    return new_form(State(), config, "C3", sender=SUBMITTER)


def test_approve_from_the_person_asked_moves_the_alert_to_the_next_step(config: Config) -> None:
    """R-STD: the Service Manager quality-assures, then the area AD reviews."""
    first = raised(config)
    decision = answer(first.state, request(first, SM), "APPROVE", config, sender=SM, now=LATER)

    alert = decision.state.alerts[FIRST]
    assert [w.id for w in alert.waits] == ["ad_review"], "the SM's step is done, the AD's begun"
    assert alert.stage == 1 and alert.status == "in_qa"
    assert request(decision, "ad.west@kent.test").context["step"]["id"] == "ad_review"
    assert [e.what for e in decision.events] == ["approved", "asked"]


def first_ref(decision) -> str:  # type: ignore[no-untyped-def]
    return next(iter(decision.state.alerts))


def test_approve_from_someone_else_changes_nothing_and_is_refused(config: Config) -> None:
    """Who may answer: only the person the step waits on, their deputy or whoever it
    was escalated to. The AD answering the SM's request moves nothing (R-STD)."""
    first = raised(config)
    intruder = "ad.west@kent.test"
    decision = answer(first.state, request(first, SM), "APPROVE", config, sender=intruder,
                      now=LATER)

    assert decision.state.alerts == first.state.alerts, "the alert must not move on a wrong APPROVE"
    # the refusal is logged beside the alert (for explain), not on it (issue 10)
    assert [(e.ref, e.what) for e in decision.events] == [(f"{first_ref(first)}.refused", "refused")]
    assert decision.disposition == "rejected"
    assert [(o.purpose, [r.email for r in o.to]) for o in decision.outgoing] == \
        [("reply_refused", [intruder])], "the sender is told once, and nobody else hears of it"
    assert "Only the person the step waits on" in decision.outgoing[0].context["why"]
    assert sent(decision, "approval_request") == []


def test_return_sends_the_alert_back_to_the_submitter_and_starts_the_review_clock(
        config: Config) -> None:
    """R-STD: return for more information goes back to the submitter; T-REVIEW: a
    returned alert stays on the area PDO's review clock, so it cannot fall out of sight."""
    first = raised(config)
    decision = answer(first.state, request(first, SM),
                      "RETURN\r\nPlease add the date of the strategy meeting.", config,
                      sender=SM, now=LATER)

    alert = decision.state.alerts[FIRST]
    assert alert.status == "returned" and alert.waits == ()
    returned = request(decision, "kim.lead@kent.test", "submitter_returned")
    assert "strategy meeting" in returned.context["reasons"]
    assert not returned.sensitive
    assert sent(decision, "approval_request") == [], "the AD is not asked about a returned alert"
    review = [(c.id, c.rule, c.roles, c.due_at) for c in alert.clocks]
    assert review == [("review", "T-REVIEW", ("pdo",), LATER + config.timers.review_interval.fixed)]
