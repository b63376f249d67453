"""R-UPD and T-72H: updated alerts and de-alerts on the same reference, decided on plain
values."""

from __future__ import annotations

from datetime import timedelta

from mailbot.core.config import Config
from mailbot.core.values.state import Decision, State
from tests.core.desk import FIRST, NOW, answer, at, new_form, request, sent, update

SM = "sue.manager@kent.test"


def approved_by_the_sm(config: Config) -> Decision:
    first = new_form(State(), config, "C8")
    return answer(first.state, request(first, SM), "APPROVE", config, sender=SM,
                  now=NOW + timedelta(hours=1))


def test_a_de_alert_closes_the_alert_and_tells_everyone_who_holds_it(config: Config) -> None:
    """R-UPD: a de-alert closes the alert: its waits and timers go, those who hold it are
    told, and the shell is told to move it out of the hot state."""
    before = approved_by_the_sm(config)
    decision = update(before.state, config, FIRST, "Alert type: De-alert",
                      now=NOW + timedelta(hours=3))

    alert = decision.state.alerts[FIRST]
    assert decision.closed == (FIRST,), "a closed alert leaves the hot state"
    assert alert.status == "closed" and alert.closed_at == NOW + timedelta(hours=3)
    assert alert.waits == () and alert.clocks == (), "nobody is chased about a closed alert"
    told = {r.email for o in sent(decision, "alert_notice") for r in o.to
            if o.context["notice"] == "dealert"}
    assert told == {SM, "ad.east@kent.test"}, "the SM and the AD asked so far both hold it"
    assert [e.what for e in decision.events] == ["dealerted"]


def test_an_update_with_a_found_time_starts_the_72_hour_return_interview_timers(
        config: Config) -> None:
    """T-72H: found at 22:15 on 17 Nov, the return interview is due 72 real hours later;
    the social worker and team manager are reminded at 48 hours (the PDO copied)."""
    before = approved_by_the_sm(config)
    found = at(11, 17, 22, 15)
    decision = update(before.state, config, FIRST,
                      "Alert type: Updated alert\r\nDate and time found: 17/11/2026 22:15",
                      sender="Sam Worker <sam.worker@kent.test>", now=at(11, 18, 9))

    alert = decision.state.alerts[FIRST]
    assert alert.found_at == found
    timers = {c.id: (c.rule, c.kind, c.due_at) for c in alert.clocks if not c.done}
    assert timers["ri.reminder"] == ("T-72H", "return_interview_due", found + timedelta(hours=48))
    assert timers["ri.overdue"] == ("T-72H", "return_interview_overdue",
                                    found + timedelta(hours=72)), "72 real hours, not working hours"
    notice = request(decision, "sam.worker@kent.test", "deadline_notice")
    assert notice.context["clock"] == "return_interview_due"
    assert {r.email for r in notice.to} == {"sam.worker@kent.test", "tara.manager@kent.test"}
    assert {r.email for r in notice.cc} == {"pdo.east@kent.test"}
    assert notice.attach_ics == found + timedelta(hours=72)
