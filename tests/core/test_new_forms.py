"""R-ALL, R-CIC: a new form, decided on plain values with a fixed `now`."""

from __future__ import annotations

from mailbot.core.config import Config
from mailbot.core.values.state import State
from tests.core.desk import FIRST, NOW, new_form, request, sent


def test_a_new_c8_form_raises_the_first_reference_asks_the_area_sm_and_receipts_the_submitter(
        config: Config) -> None:
    """R-ALL: recorded under a new reference and the submitter told it; R-CIC: the
    area's Service Manager (Thanet is East: Sue Manager) quality-assures first."""
    decision = new_form(State(), config, "C8")

    assert list(decision.state.alerts) == [FIRST], "the first alert of 2026 is KA-2026-0001"
    assert decision.state.counters == {"2026": 1}, "the reference counter moved on"
    alert = decision.state.alerts[FIRST]
    assert (alert.category, alert.area, alert.status) == ("C8", "east", "in_qa")
    assert [(w.id, w.owner) for w in alert.waits] == [("sm_qa", "sue.manager")]
    asked = request(decision, "sue.manager@kent.test")
    assert asked.rule == "R-CIC" and asked.reply_token == alert.waits[0].token
    receipt = request(decision, "tara.manager@kent.test", "submitter_receipt")
    assert receipt.context["ref"] == FIRST and "Sue Manager" in receipt.context["next_step"]
    assert not receipt.sensitive and "alert" not in receipt.context, \
        "the submitter gets the reference and who is asked, without the child's details"
    assert [o.purpose for o in decision.outgoing] == ["approval_request", "submitter_receipt"]
    assert [e.what for e in decision.events] == ["raised", "asked"]
    assert all(e.at == NOW for e in decision.events)


def test_a_form_with_problems_gets_one_answer_and_raises_no_alert(config: Config) -> None:
    """R-ALL: one reply naming every problem in the form's words; nothing routed, no
    reference used up."""
    decision = new_form(State(), config, "C8", {"District": None, "Reported to police": None})

    assert decision.state == State(), "no alert, and the reference counter did not move"
    assert decision.disposition == "rejected"
    assert [(o.purpose, [r.email for r in o.to]) for o in decision.outgoing] == \
        [("form_problems", ["tara.manager@kent.test"])], "exactly one answer, to the sender"
    problems = " | ".join(decision.outgoing[0].context["problems"])
    assert "District" in problems and "police" in problems.lower(), problems
    assert sent(decision, "approval_request") == [], "nobody is asked to approve a bad form"
