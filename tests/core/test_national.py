"""R-NAT, T-NAT-3W, T-NAT-6M, T-NAT-12M: a C7 alert's national chain on plain values.

The C7 sample is from Dover (South): the family went missing on Monday 9 Nov 10:00,
so three weeks have passed on Monday 30 Nov 10:00."""

from __future__ import annotations

from datetime import timedelta

from mailbot.core.config import Config
from mailbot.core.durations import add_months
from mailbot.core.values.state import Decision, State
from tests.core.desk import FIRST, answer, at, new_form, request, sent, tick

SUBMITTER = "Dee Lead <dee.lead@kent.test>"
SM, PDO, SM_SQA, MIU = ("sm.south@kent.test", "pdo.south@kent.test", "sm.sqa@kent.test",
                        "miu@kent.test")
GATE_OPENS = at(11, 30, 10)


def held(config: Config) -> Decision:
    """Raised and approved by the SM on Monday 16 Nov: a week short of three."""
    first = new_form(State(), config, "C7", sender=SUBMITTER)
    return answer(first.state, request(first, SM), "APPROVE", config, sender=SM)


def national_steps(decision: Decision) -> list[str]:
    return [o.context["step"]["id"] for o in sent(decision, "approval_request")
            if o.context["step"]["id"].startswith("nat_")]


def test_the_national_gate_holds_a_c7_alert_under_three_weeks_and_the_tick_opens_it(
        config: Config) -> None:
    """T-NAT-3W: not issued until three weeks since the family went missing; the SM is
    told it is held, and asked about the national template the moment it may go."""
    decision = held(config)
    alert = decision.state.alerts[FIRST]
    assert alert.status == "held" and alert.national.status == "held"
    assert alert.national.gate_opens_at == GATE_OPENS
    assert "three weeks" in alert.national.held_reason
    assert [o.context["clock"] for o in sent(decision, "deadline_notice", SM)] == ["national_held"]
    assert national_steps(decision) == [], "no national QA while the alert is held"

    before = tick(decision.state, config, GATE_OPENS - timedelta(minutes=1))
    assert national_steps(before) == [] and before.state.alerts[FIRST].status == "held"
    opened = tick(before.state, config, GATE_OPENS)
    assert national_steps(opened) == ["nat_sm_qa"], "put back to the SM the moment it may go"
    assert request(opened, SM).context["step"]["id"] == "nat_sm_qa"
    assert opened.state.alerts[FIRST].national.status == "in_qa"


def test_renewal_clocks_count_from_the_cascade_task_done(config: Config) -> None:
    """T-NAT-6M: the PDO is asked to re-issue 14 days before six months from the national
    notification; T-NAT-12M: lapse warnings at 11 months and 11 months 15 days. The
    notification goes out when the MIU replies DONE to the cascade task (R-CASCADE)."""
    decision = tick(held(config).state, config, GATE_OPENS)
    signing = GATE_OPENS + timedelta(hours=1)
    for who in (SM, PDO, SM_SQA):
        decision = answer(decision.state, request(decision, who), "APPROVE", config, sender=who,
                          now=signing)
    cascade = request(decision, MIU, "task_request")
    assert cascade.context["task"]["task"] == "cascade_national_alert"

    done = at(12, 1, 9, 30)      # the next morning
    decision = answer(decision.state, cascade, "DONE cascaded", config, sender=MIU, now=done)

    alert = decision.state.alerts[FIRST]
    assert "cascade" not in {w.id for w in alert.waits}, "the cascade task is closed"
    assert (alert.national.status, alert.national.issued_at, alert.national.last_notice_at) == \
        ("issued", done, done)
    renewal = {c.id: (c.rule, c.due_at, c.roles) for c in alert.clocks
               if c.id.startswith(("nat_reissue", "nat_lapse"))}
    six_months = add_months(done, 6)
    assert renewal == {
        "nat_reissue.0": ("T-NAT-6M", six_months - timedelta(days=14), ("pdo",)),
        "nat_lapse.0.0": ("T-NAT-12M", add_months(done, 11), ("pdo",)),
        "nat_lapse.0.1": ("T-NAT-12M", add_months(done, 11) + timedelta(days=15), ("pdo",)),
    }, "the renewal clocks must count from the national notification going out"
    assert all(c.cc_roles == ("sm_sqa",) for c in alert.clocks if c.id.startswith("nat_lapse"))
