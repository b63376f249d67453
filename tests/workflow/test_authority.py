"""Issue 10: only the right person, and only what they meant, for every message that
changes state (R-UPD, R-STD, T-QA), checked by the one authority policy."""

from __future__ import annotations

from tests.workflow.conftest import Bot

SM_EAST = "sue.manager@kent.test"       # C8 in Thanet: the area Service Manager


def _snapshot(bot: Bot) -> str:
    state = bot.service.store.load()
    return "".join(a.model_dump_json() for _, a in sorted(state.alerts.items()))


def test_a_colleague_not_on_the_alert_cannot_de_alert_it_with_a_form(bot: Bot) -> None:
    """Today's hole: any internal address could close any alert by naming its reference."""
    ref = bot.send_form("C8")
    before = _snapshot(bot)
    bot.update("Nosy Colleague <nosy.colleague@kent.test>", ref,
               "Alert type: De-alert\r\nSummary of concern: closing")
    assert _snapshot(bot) == before
    assert bot.alert(ref).status != "closed"
    refused = [o for _, o in bot.record.sent if o.purpose == "reply_refused"]
    assert len(refused) == 1 and refused[0].to[0].email == "nosy.colleague@kent.test"
    assert "team manager" in refused[0].context["why"]


def test_a_colleague_cannot_mark_a_child_found(bot: Bot) -> None:
    ref = bot.send_form("C8")
    before = _snapshot(bot)
    bot.update("Nosy Colleague <nosy.colleague@kent.test>", ref,
               "Alert type: Updated alert\r\n"
               "Date and time found: 17/11/2026 10:00")
    assert _snapshot(bot) == before
    assert bot.alert(ref).found_at is None


def test_the_alerts_own_team_manager_may_update_it(bot: Bot) -> None:
    ref = bot.send_form("C8", sender="Sam Worker <sam.worker@kent.test>")
    bot.update("Tara Manager <tara.manager@kent.test>", ref,
               "Alert type: Updated alert\r\n"
               "Date and time found: 17/11/2026 10:00")
    assert bot.alert(ref).found_at is not None


def test_a_sender_acting_on_behalf_without_delegation_is_refused(bot: Bot) -> None:
    ref = bot.send_form("C8")
    request = bot.request(SM_EAST, ref)
    bot.deliver(bot.email("Sue Manager <sue.manager@kent.test>", f"RE: {request.subject}",
                          "APPROVE", to=f"safeguardingunitalerts+{request.reply_token}@kent.test",
                          headers={"In-Reply-To": f"<{request.message_id}>",
                                   "Sender": "mallory@kent.test"}))
    assert bot.alert(ref).wait("sm_qa") is not None


def test_a_dmarc_failure_stamped_by_our_own_server_refuses_a_form(bot: Bot) -> None:
    from tests.workflow.conftest import form_body

    raw = bot.email("Tara Manager <tara.manager@kent.test>", "Alert C8", form_body("C8"),
                    headers={"Authentication-Results":
                             "mx.kent.test; dmarc=fail header.from=kent.test"})
    bot.deliver(raw)
    assert bot.service.store.load().alerts == {}


def test_an_unclear_answer_is_never_acted_on_and_the_approver_always_hears_back(bot: Bot) -> None:
    """"Not yet approved" is not an approval; a second unclear answer the same day is
    still answered (the once-a-day cap is for strangers)."""
    ref = bot.send_form("C8")
    for text in ("Approve? I have a question", "Not yet approved"):
        bot.answer(SM_EAST, ref, text)
    assert bot.alert(ref).wait("sm_qa") is not None
    answers = [o for _, o in bot.record.sent if o.purpose == "reply_question"
               and o.to[0].email == SM_EAST]
    assert len(answers) == 2
    assert "reads as a question" in answers[0].context["why"]
    assert '"Not yet approved"' in answers[1].context["why"]
    assert "APPROVE" in answers[1].context["why"]


def test_a_reply_to_a_reminder_counts_like_a_reply_to_the_request(bot: Bot) -> None:
    """T-QA: the chaser carries the step's token; answering it approves."""
    ref = bot.send_form("C8")
    bot.at(bot.alert(ref).wait("sm_qa").due_at)
    assert bot.record.to(SM_EAST, "reminder", ref)
    bot.answer(SM_EAST, ref, "APPROVE", purpose="reminder")
    assert bot.alert(ref).wait("sm_qa") is None


def test_a_reply_whose_subject_names_another_alert_is_not_acted_on(bot: Bot) -> None:
    first = bot.send_form("C8")
    second = bot.send_form("C8", **{"Liberi ID": "9990001", "Child's name": "Other Child"})
    request = bot.request(SM_EAST, first)
    bot.deliver(bot.email("Sue Manager <sue.manager@kent.test>",
                          f"RE: [{second}] Alert for QA", "APPROVE",
                          to=f"safeguardingunitalerts+{request.reply_token}@kent.test",
                          headers={"In-Reply-To": f"<{request.message_id}>"}))
    assert bot.alert(first).wait("sm_qa") is not None
    assert bot.alert(second).wait("sm_qa") is not None
    asked = [o for _, o in bot.record.sent if o.purpose == "reply_question"]
    assert asked and second in asked[-1].context["why"]


def test_nobody_approves_the_alert_they_manage(bot: Bot) -> None:
    """Separation of duties: the area SM is the team manager on the form, so the step
    goes to their deputy, and the SM's own APPROVE would not count."""
    ref = bot.send_form("C8", **{"Team manager": f"Sue Manager <{SM_EAST}>"})
    wait = bot.alert(ref).wait("sm_qa")
    assert wait is not None and wait.owner == "sol.south"
    assert not bot.record.to(SM_EAST, "approval_request", ref)
    events = [e.what for e in bot.service.store.events(ref)]
    assert "separation_of_duties" in events


def test_explain_shows_which_rule_allowed_and_which_refused(bot: Bot) -> None:
    """Issue 10: `mailbot explain` names the authority rule for each message."""
    from mailbot.service.views import explain

    ref = bot.send_form("C8")
    bot.answer(SM_EAST, ref, "APPROVE", sender="nosy.colleague@kent.test")
    bot.answer(SM_EAST, ref, "APPROVE")
    text = explain(bot.service, ref)
    assert "raise: staff" in text
    assert "answer: not a party" in text and "refused" in text
    assert "answer: asked by sue.manager@kent.test" in text


def test_a_reply_to_the_question_back_counts_as_the_answer(bot: Bot) -> None:
    """R-QA, issue 10 §4: the question back carries the step's reply address, so the
    approver answers it as they would the request, and the step moves."""
    ref = bot.send_form("C8")
    bot.answer(SM_EAST, ref, "Approve? I have a question")
    assert bot.alert(ref).wait("sm_qa") is not None
    bot.answer(SM_EAST, ref, "APPROVE", purpose="reply_question")
    assert bot.alert(ref).wait("sm_qa") is None
