"""Issue 11 on plain values: a C7 form without the national notification's details is
routed at once; only the national step waits for them (R-NAT, T-NAT-3W, R-MIU)."""

from __future__ import annotations

from mailbot.core.config import Config
from mailbot.core.values.state import State
from tests.core.desk import FIRST, answer, new_form, request, sent, update

DEE = "Dee Lead <dee.lead@kent.test>"
NATIONAL = {"National alert requested": None, "Family known to be in a particular locality": None}


def test_a_c7_without_its_national_details_is_routed_and_the_sender_asked(config: Config) -> None:
    decision = new_form(State(), config, "C7", NATIONAL, sender=DEE)
    alert = decision.state.alerts[FIRST]
    assert [w.id for w in alert.waits] == ["still_to_come", "sm_qa"]
    assert alert.waits[0].still_to_come == ("national_alert", "known_locality")
    receipt = request(decision, "dee.lead@kent.test", "submitter_receipt")
    assert receipt.reply_token == alert.waits[0].token
    assert [o.purpose for o in decision.outgoing] == ["approval_request", "submitter_receipt"]
    assert "National alert requested (for the national missing-child alert) and Family known " \
           "to be in a particular locality (for the national missing-child alert)" in \
           request(decision, "sm.south@kent.test").context["still_to_come"]


def test_only_the_national_step_waits_and_an_update_lets_it_decide(config: Config) -> None:
    raised = new_form(State(), config, "C7", NATIONAL, sender=DEE)
    approved = answer(raised.state, request(raised, "sm.south@kent.test"), "APPROVE", config,
                      sender="sm.south@kent.test")
    alert = approved.state.alerts[FIRST]
    assert alert.status == "held" and alert.national.status == "not_requested"
    assert sent(approved, "task_request", "miu@kent.test"), "MIU records the dates meanwhile"
    assert sent(approved, "deadline_notice") == [], "no national hold yet: nothing to hold"
    given = update(approved.state, config, FIRST, "Alert type: Updated alert\r\n"
                   "National alert requested: Yes\r\n"
                   "Family known to be in a particular locality: No", sender=DEE)
    alert = given.state.alerts[FIRST]
    assert alert.wait("still_to_come") is None
    assert alert.national.status == "held", "the three-week gate now decides (T-NAT-3W)"
    assert [o.context["clock"] for o in sent(given, "deadline_notice")] == ["national_held"]
