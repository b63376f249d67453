"""R-UPD and R-ALL: updated alerts and de-alerts on the same reference; bad forms."""

from __future__ import annotations

from tests.workflow.conftest import ROOT, Bot


def test_r_upd_update_goes_to_everyone_who_has_the_alert_with_the_changes(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.update("Sam Worker <sam.worker@kent.test>", ref,
               "Alert type: Updated alert\r\nStrategy meeting date: 18/11/2026")
    for who in ("sue.manager@kent.test", "ad.east@kent.test"):
        update = [o for o in bot.record.to(who, "alert_notice", ref) if o.context["notice"] == "update"]
        assert len(update) == 1, who
        assert ["Strategy meeting date", "17/11/2026", "18/11/2026"] in update[0].context["changes"]
    assert bot.alert(ref).form.strategy_meeting.isoformat() == "2026-11-18"
    assert "updated" in [e.what for e in bot.record.events(ref)]


def test_r_upd_de_alert_closes_the_alert_and_moves_it_out_of_the_hot_store(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.update("Tara Manager <tara.manager@kent.test>", ref, "Alert type: De-alert")
    assert ref not in bot.service.store.load().alerts
    archived = bot.service.store.archived_alert(ref)
    assert archived is not None and archived.status == "closed"
    assert archived.waits == () and archived.clocks == ()
    dealert = [o for o in bot.record.to("sue.manager@kent.test", "alert_notice", ref)
               if o.context["notice"] == "dealert"]
    assert len(dealert) == 1
    whats = [e.what for e in bot.service.store.events(ref)]
    assert whats[0] == "raised" and whats[-1] == "dealerted", "the event log survives closing"


def test_r_upd_update_on_an_unknown_reference_is_answered_not_guessed(bot: Bot) -> None:
    bot.update("Tara Manager <tara.manager@kent.test>", "KA-2026-0999",
               "Alert type: Updated alert\r\nSummary of concern: more news")
    answer = bot.record.to("tara.manager@kent.test", "form_problems")
    assert len(answer) == 1 and "KA-2026-0999" in " ".join(answer[0].context["problems"])


def test_r_all_references_are_unique_and_never_reused(bot: Bot) -> None:
    first = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    bot.update("Kim Lead <kim.lead@kent.test>", first, "Alert type: De-alert")
    second = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    assert (first, second) == ("KA-2026-0001", "KA-2026-0002")


def test_r_all_bad_form_gets_one_reply_naming_every_problem(bot: Bot) -> None:
    bot.form(ROOT / "examples" / "forms" / "bad-form.eml")
    answers = bot.record.to("jo.new@kent.test")
    assert [o.purpose for o in answers] == ["form_problems"]
    problems = " | ".join(answers[0].context["problems"])
    for words in ("Lost property", "District", "31/02/2015", "12AB"):
        assert words in problems, words
    assert bot.service.store.load().alerts == {}
    rejected = bot.service.mailboxes["unit"]
    assert list(rejected.fetch()) == [], "the original left the inbox (kept in Rejected)"
