"""R-NAT and its clocks: T-NAT-3W, T-NAT-6M, T-NAT-12M, T-NAT-FOUND; R-CONF (2010 edition)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.core.clocks import office_hours
from mailbot.core.durations import add_months
from tests.workflow.conftest import MONDAY, ROOT, Bot


def signed_off(bot: Bot) -> str:
    """A C7 alert taken through QA, the three-week gate and sign-off, then cascaded."""
    ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>")
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    bot.at(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    bot.answer("pdo.south@kent.test", ref, "APPROVE")
    bot.answer("sm.sqa@kent.test", ref, "APPROVE\r\nSigned off.")
    bot.answer("miu@kent.test", ref, "DONE cascaded", purpose="task_request", mailbox="miu")
    return ref


def test_t_nat_3w_national_alert_held_until_three_weeks_then_back_to_sm(bot: Bot) -> None:
    ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>")   # missing 09/11 10:00
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    alert = bot.alert(ref)
    assert alert.status == "held" and alert.national.status == "held"
    assert alert.national.gate_opens_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    held = bot.record.to("sm.south@kent.test", "deadline_notice", ref)
    assert [o.context["clock"] for o in held] == ["national_held"]
    assert "miu@kent.test" in {r.email for _, o in bot.record.sent for r in o.to if o.ref == ref}

    bot.at(datetime(2026, 11, 30, 9, 59, tzinfo=UTC))
    assert bot.alert(ref).status == "held"
    bot.at(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    request = bot.request("sm.south@kent.test", ref)
    assert request.context["step"]["id"] == "nat_sm_qa", "put back to the sm the day it may go"


def test_t_nat_3w_held_without_recorded_attempts_until_an_update_gives_them(bot: Bot) -> None:
    """T-NAT-3W, issue 11: the reasonable attempts are what the national step needs, so
    the alert goes at once, the sender is asked for them, and the national step waits."""
    ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>",
                        **{"Date and time missing": "01/10/2026 10:00",
                           "Agencies contacted / reasonable attempts": None})
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    assert bot.alert(ref).status == "held"
    wait = bot.alert(ref).wait("still_to_come")
    assert wait is not None and wait.still_to_come == ("attempts_to_locate",)
    bot.update("Dee Lead <dee.lead@kent.test>", ref,
               "Alert type: Updated alert\r\nAgencies contacted / reasonable attempts: Police, GP.")
    assert bot.request("sm.south@kent.test", ref).context["step"]["id"] == "nat_sm_qa"


def test_r_nat_chain_sm_pdo_sign_off_then_miu_cascade(bot: Bot) -> None:
    ref = signed_off(bot)
    assert bot.request("pdo.south@kent.test", ref).context["step"]["id"] == "nat_pdo_qa"
    assert bot.request("sm.sqa@kent.test", ref).context["step"]["id"] == "nat_signoff"
    cascade = bot.request("miu@kent.test", ref, "task_request")
    assert cascade.context["task"]["task"] == "cascade_national_alert"
    alert = bot.alert(ref)
    assert alert.national.status == "issued" and alert.national.issued_at is not None
    whats = [e.what for e in bot.record.events(ref)]
    assert whats.index("national_signed_off") < whats.index("national_issued")


def test_t_nat_6m_pdo_asked_to_reissue_ahead_of_six_months_with_original_date(bot: Bot) -> None:
    ref = signed_off(bot)
    issued = bot.alert(ref).national.issued_at
    six_months = add_months(issued, 6)
    # a procedural notice, not a real-time clock: it waits for working hours (issue 11)
    asked = in_hours(bot, six_months - timedelta(days=14))
    assert asked != six_months - timedelta(days=14), "this one falls on a Sunday"
    bot.at(asked - timedelta(minutes=1))
    assert "task_request" not in [o.purpose for o in bot.record.to("pdo.south@kent.test", ref=ref)
                                  if o.context.get("task", {}).get("task") == "national_reissue"]
    bot.at(asked)
    reissue = [o for o in bot.record.to("pdo.south@kent.test", "task_request", ref)
               if o.context["task"]["task"] == "national_reissue"]
    assert len(reissue) == 1 and reissue[0].context["due_at"] == six_months.isoformat()
    assert "9 Nov 2026 10:00" in str(reissue[0].context["alert"]["fields"]), "original missing date"
    bot.answer("pdo.south@kent.test", ref, "DONE re-issued", purpose="task_request")
    assert bot.alert(ref).national.reissues == 1


def test_t_nat_12m_warnings_well_before_lapse(bot: Bot) -> None:
    ref = signed_off(bot)
    issued = bot.alert(ref).national.issued_at
    bot.at(add_months(issued, 12) - timedelta(days=1))
    warnings = [o for o in bot.record.to("pdo.south@kent.test", "deadline_notice", ref)
                if o.context["clock"] == "national_lapse_warning"]
    assert [o.rule for o in warnings] == ["T-NAT-12M", "T-NAT-12M"]
    assert all("sm.sqa@kent.test" in {r.email for r in o.cc} for o in warnings)
    sent_at = [t for t, o in bot.record.sent if o in warnings]
    # each at its day, or the next working-hours opening when that is out of hours
    assert sent_at[0] == in_hours(bot, add_months(issued, 11))
    assert sent_at[1] == in_hours(bot, add_months(issued, 11) + timedelta(days=15))


def in_hours(bot: Bot, when: datetime) -> datetime:
    return office_hours.next_open(when, bot.config, bot.service.holidays)


def test_t_nat_found_after_issue_asks_miu_to_cascade_found(bot: Bot) -> None:
    ref = signed_off(bot)
    bot.at(datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    bot.update("Dee Lead <dee.lead@kent.test>", ref,
               "Alert type: Updated alert\r\nDate and time found: 05/01/2027 08:00")
    found = [o for o in bot.record.to("miu@kent.test", "task_request", ref)
             if o.context["task"]["task"] == "cascade_found"]
    assert len(found) == 1 and found[0].rule == "T-NAT-FOUND"
    assert bot.alert(ref).national.status == "found"
    assert not [c for c in bot.alert(ref).clocks if c.id.startswith("nat_")], \
        "no re-issue or lapse warnings once found"


def test_r_conf_2010_edition_routes_a_national_alert_by_config_alone(tmp_path: Path) -> None:
    from mailbot.service.config_file import read_config

    config = read_config(ROOT / "examples" / "routing-2010.yaml")
    bot = Bot(tmp_path / "state", MONDAY, config=config)
    try:
        ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>")
        bot.answer("sm.south@kent.test", ref, "APPROVE")
        bot.at(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
        assert bot.request("pso.south@kent.test", ref).context["step"]["role_title"] == \
            "Performance and Standards Officer"
        bot.answer("pso.south@kent.test", ref, "APPROVE")
        signoff = bot.request("sm.sqa@kent.test", ref)
        assert signoff.context["step"]["role_title"] == \
            "Safeguarding Performance and Quality Assurance Manager"
        bot.answer("sm.sqa@kent.test", ref, "APPROVE")
        assert bot.request("miu@kent.test", ref, "task_request").context["task"]["task"] == \
            "cascade_national_alert"
        assert "Looked After Child" in config.categories["C8"].name
    finally:
        bot.close()
