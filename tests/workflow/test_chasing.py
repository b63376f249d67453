"""T-QA and T-REVIEW: reminders, chasers, escalation, out-of-office hand-over, reviews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.workflow.conftest import ROOT, Bot


def test_t_qa_reminder_chasers_then_deputy_then_next_tier(bot: Bot) -> None:
    ref = bot.send_form("C1", sender="Pat Head <pat.head@kent.test>")   # Priority One: 2h, 1h chasers
    asked = bot.now
    bot.at(asked + timedelta(hours=1))
    assert bot.purposes_to("sue.manager@kent.test", ref)[-1] == "reminder"      # 1h before due
    bot.at(asked + timedelta(hours=2))
    stages = [o.context["stage"] for o in bot.record.to("sue.manager@kent.test", "reminder", ref)]
    assert stages == ["before", "overdue"]
    bot.at(asked + timedelta(hours=3))
    # one chaser allowed for Priority One, then the deputy (Sol South) is asked
    assert bot.purposes_to("sm.south@kent.test", ref) == ["approval_request"]
    escalated = bot.request("sm.south@kent.test", ref)
    assert escalated.context["escalated"] and "deputy" in escalated.context["escalation_reason"]
    bot.at(asked + timedelta(hours=5))
    # then the tier above the sm: the area AD
    assert "approval_request" in bot.purposes_to("ad.east@kent.test", ref)
    # the deputy may answer the original step
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    assert bot.alert(ref).wait("sm_qa") is None


def test_t_qa_working_hours_for_ordinary_alerts(bot: Bot) -> None:
    bot.at(datetime(2026, 11, 20, 16, 0, tzinfo=UTC))           # Friday 16:00
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    due = datetime.fromisoformat(bot.request("sm.west@kent.test", ref).context["due_at"])
    assert due == datetime(2026, 11, 23, 16, 0, tzinfo=UTC), "one working day: Monday 16:00"


def test_t_qa_out_of_office_moves_chasing_to_the_deputy_at_once(bot: Bot) -> None:
    ref = bot.send_form("C8")
    oof = (ROOT / "examples" / "replies" / "sue-out-of-office.eml").read_bytes()
    bot.deliver(oof)
    assert bot.purposes_to("sm.south@kent.test", ref) == ["approval_request"]
    assert bot.record.to("sue.manager@kent.test", "reply_refused") == [], "never answered"
    assert "out_of_office" in [e.what for e in bot.record.events(ref)]


def test_t_review_pdo_reviews_each_open_alert_and_asks_tm_sw_for_update(bot: Bot) -> None:
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    bot.answer("sm.west@kent.test", ref, "APPROVE")
    bot.answer("ad.west@kent.test", ref, "APPROVE")
    opened = bot.now
    bot.at(opened + timedelta(days=27))
    assert [o for o in bot.record.to("pdo.west@kent.test", "deadline_notice", ref)] == []
    bot.at(opened + timedelta(days=28))
    review = bot.record.to("pdo.west@kent.test", "deadline_notice", ref)
    assert [o.context["clock"] for o in review] == ["review"]
    assert {r.email for r in review[0].cc} == {"kim.lead@kent.test", "lee.worker@kent.test"}
    assert not review[0].sensitive and "Sky" not in str(review[0].context)
    bot.at(opened + timedelta(days=56))
    assert len(bot.record.to("pdo.west@kent.test", "deadline_notice", ref)) == 2


def test_nothing_is_sent_twice_however_often_the_clock_ticks(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    for minute in range(0, 60 * 60, 7):
        bot.clock.t = datetime(2026, 11, 17, 15, 30, tzinfo=UTC) + timedelta(minutes=minute)
        bot.service.tick()
    ids = [o.message_id for _, o in bot.record.sent]
    assert len(ids) == len(set(ids))
    assert len([o for o in bot.record.to("miu@kent.test", "task_request", ref)
                if o.context["task"]["task"] == "record_missing_48h"]) == 1
