"""R-CPCIN, R-CIC, T-48H, T-72H, R-ABSENT: missing children, through the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.workflow.conftest import Bot


def test_r_cpcin_sm_qa_then_area_ad_pdo_and_miu_task(bot: Bot) -> None:
    ref = bot.send_form("C6", sender="Morgan Lead <morgan.lead@kent.test>")
    assert bot.purposes_to("sm.north@kent.test", ref) == ["approval_request"]
    bot.answer("sm.north@kent.test", ref, "APPROVE")
    assert bot.purposes_to("ad.north@kent.test", ref) == ["alert_notice", "approval_request"]
    assert bot.purposes_to("pdo.north@kent.test", ref) == ["alert_notice"]
    miu = bot.request("miu@kent.test", ref, "task_request")
    assert miu.context["task"]["task"] == "record_missing_dates"       # R-MIU
    bot.answer("ad.north@kent.test", ref, "FORWARD director")
    assert bot.purposes_to("director@kent.test", ref) == ["alert_notice"]


def test_r_cic_sm_then_ad_then_director_pdo_sm_sqa(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    assert bot.purposes_to("director@kent.test", ref) == []
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    for who in ("director@kent.test", "pdo.east@kent.test", "sm.sqa@kent.test"):
        assert "alert_notice" in bot.purposes_to(who, ref), who
    assert bot.request("pdo.east@kent.test", ref, "task_request").context["task"]["task"] == \
        "contact_district"
    assert bot.request("director@kent.test", ref).context["step"]["id"] == "director_decision"


def test_t_48h_child_in_care_missing_48_hours_goes_to_miu_as_a_task(bot: Bot) -> None:
    # R-MIU (issue 6): what reaches MIU at 48 hours is a task (record it on Liberi),
    # chased until MIU replies DONE, no longer a notice
    ref = bot.send_form("C8")                       # missing since 15/11 16:00 UTC
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    bot.at(datetime(2026, 11, 17, 15, 59, tzinfo=UTC))
    assert bot.purposes_to("miu@kent.test", ref) == []
    bot.at(datetime(2026, 11, 17, 16, 0, tzinfo=UTC))
    tasks = bot.record.to("miu@kent.test", "task_request", ref)
    assert [o.context["task"]["task"] for o in tasks] == ["record_missing_48h"]
    assert tasks[0].rule == "T-48H"


def test_t_48h_not_sent_when_the_child_is_found_first(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    bot.update("Sam Worker <sam.worker@kent.test>", ref,
               "Alert type: Updated alert\r\nDate and time found: 16/11/2026 20:00")
    bot.at(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    kinds = [o.context["notice"] for o in bot.record.to("miu@kent.test", "alert_notice", ref)]
    assert "missing_48h" not in kinds and "found" in kinds
    assert "task_request" not in bot.purposes_to("miu@kent.test", ref), "no T-48H task either"


def test_t_72h_return_interview_reminder_at_48h_and_overdue_at_72h(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.update("Sam Worker <sam.worker@kent.test>", ref,
               "Alert type: Updated alert\r\nDate and time found: 17/11/2026 22:15")
    found = datetime(2026, 11, 17, 22, 15, tzinfo=UTC)
    at_once = bot.record.to("sam.worker@kent.test", "deadline_notice", ref)
    assert [o.context["clock"] for o in at_once] == ["return_interview_due"]
    assert at_once[0].attach_ics == found + timedelta(hours=72), "72 real hours, in the calendar"
    assert {r.email for r in at_once[0].to} == {"sam.worker@kent.test", "tara.manager@kent.test"}
    assert {r.email for r in at_once[0].cc} == {"pdo.east@kent.test"}

    bot.at(found + timedelta(hours=47, minutes=59))
    assert len(bot.record.to("sam.worker@kent.test", "deadline_notice", ref)) == 1
    bot.at(found + timedelta(hours=48))
    bot.at(found + timedelta(hours=72))
    clocks = [o.context["clock"] for o in bot.record.to("sam.worker@kent.test", "deadline_notice", ref)]
    assert clocks == ["return_interview_due", "return_interview_due", "return_interview_overdue"]
    assert all("Jordan" not in str(o.context) for o in bot.record.to("sam.worker@kent.test", ref=ref)
               if not o.sensitive)


def test_t_72h_recorded_return_interview_stops_the_clock(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.update("Sam Worker <sam.worker@kent.test>", ref,
               "Alert type: Updated alert\r\nDate and time found: 17/11/2026 22:15")
    bot.at(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    bot.update("Sam Worker <sam.worker@kent.test>", ref,
               "Alert type: Updated alert\r\nReturn interview date: 18/11/2026")
    bot.at(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    clocks = [o.context["clock"] for o in bot.record.to("sam.worker@kent.test", "deadline_notice", ref)]
    assert clocks == ["return_interview_due"], "no reminder or overdue once it is recorded"
    assert "return_interview_recorded" in [e.what for e in bot.record.events(ref)]


def test_r_absent_whereabouts_known_is_not_alerted_as_missing(bot: Bot) -> None:
    ref = bot.send_form("C8", **{"Whereabouts known": "Yes"})
    assert ref is None
    answer = bot.record.to("tara.manager@kent.test", "form_problems")
    assert len(answer) == 1
    # issue 11: what to do instead, not a list of missing-child fields to fill in
    (advice,) = answer[0].context["advice"]
    assert "this is not a missing-child alert" in advice
    assert answer[0].context["problems"] == []
    assert bot.purposes_to("sue.manager@kent.test") == []
