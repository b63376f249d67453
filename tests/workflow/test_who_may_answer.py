"""Nobody is let in: only the person a step waits on (or their deputy) moves it."""

from __future__ import annotations

from tests.workflow.conftest import Bot


def test_forged_approval_from_the_wrong_sender_changes_nothing(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE", sender="tara.manager@kent.test")
    assert bot.alert(ref).wait("sm_qa") is not None
    assert "reply_refused" in bot.purposes_to("tara.manager@kent.test", ref) or \
        "reply_refused" in bot.purposes_to("tara.manager@kent.test")


def test_right_sender_without_the_step_token_changes_nothing(bot: Bot) -> None:
    ref = bot.send_form("C8")
    bot.deliver(bot.email("Sue Manager <sue.manager@kent.test>", f"RE: [{ref}] Alert for QA",
                          "APPROVE"))
    assert bot.alert(ref).wait("sm_qa") is not None


def test_a_replayed_approval_is_spent(bot: Bot) -> None:
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    request = bot.request("sm.west@kent.test", ref)
    bot.answer("sm.west@kent.test", ref, "RETURN\r\nmore detail please")
    bot.update("Kim Lead <kim.lead@kent.test>", ref,
               "Alert type: Updated alert\r\nSummary of concern: more detail")
    # the old request's token comes back: refused, the new step still waits
    raw = bot.email("Wyn West <sm.west@kent.test>", f"RE: {request.subject}", "APPROVE",
                    headers={"In-Reply-To": f"<{request.message_id}>"})
    bot.deliver(raw)
    assert bot.alert(ref).wait("sm_qa") is not None
    assert bot.alert(ref).wait("sm_qa").attempt == 2


def test_outside_sender_cannot_submit_and_is_never_answered(bot: Bot) -> None:
    from tests.workflow.conftest import form_body

    bot.deliver(bot.email("Someone <someone@elsewhere.example>", "Alert", form_body("C8")))
    assert bot.service.store.load().alerts == {}
    assert [o for _, o in bot.record.sent] == []


def test_refusal_notice_at_most_once_a_day_per_sender(bot: Bot) -> None:
    ref = bot.send_form("C8")
    for _ in range(3):
        bot.answer("sue.manager@kent.test", ref, "APPROVE", sender="ed.east@kent.test")
    refused = [o for _, o in bot.record.sent if o.purpose == "reply_refused"]
    assert len(refused) <= 1
