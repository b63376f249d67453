"""Issue 11, point 3: an alert is never held back for a field only a later step needs.

Through the service, on the real store and templates: the form goes at once, the
sender is asked once for what is still to come (the receipt is that request), the
approver sees it as still to come, only the step that needs it waits, an update
brings it and the step goes on, chasers fire if it never comes; a form without what
routing needs is still refused, with one answer naming every problem (R-ALL,
R-OFSTED, R-DEATH, T-NAT-3W, T-QA, R-UPD)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.workflow.conftest import MONDAY, Bot

PAT = "Pat Head <pat.head@kent.test>"       # C1 in Swale (East): Sue Manager, Ed East
PAT_EMAIL = "pat.head@kent.test"
SM, AD, AD_SQA = "sue.manager@kent.test", "ad.east@kent.test", "ad.sqa@kent.test"
NO_OFSTED = {"Ofsted notification required": None}


def _reply_to_receipt(bot: Bot, ref: str, lines: str, sender: str | None = None) -> None:
    bot.answer(PAT_EMAIL, ref, f"Alert reference: {ref}\r\nAlert type: Updated alert\r\n{lines}",
               purpose="submitter_receipt", sender=sender)


def _approved(bot: Bot, **changes: str | None) -> str:
    ref = bot.send_form("C1", sender=PAT, **changes)
    assert ref is not None
    bot.answer(SM, ref, "APPROVE")
    bot.answer(AD, ref, "APPROVE")
    return ref


def test_a_form_missing_only_a_later_field_is_routed_at_once(bot: Bot) -> None:
    """Issue 11: the procedure wants cases of concern with senior managers at the
    earliest opportunity; whether Ofsted must be told is the Ofsted step's business."""
    ref = bot.send_form("C1", sender=PAT, **{**NO_OFSTED, "Form A sent to the Board": None})
    assert ref is not None, "routed, not refused"
    assert bot.purposes_to(SM, ref) == ["approval_request"]
    assert bot.record.to(PAT_EMAIL, "form_problems") == []


def test_the_submitter_gets_one_mail_listing_what_is_still_to_come(bot: Bot) -> None:
    """Issue 11: one follow-up, which is the receipt itself, naming each field, what
    it takes and what it is for, and how to send it; it is answerable."""
    ref = bot.send_form("C1", sender=PAT, **{**NO_OFSTED, "Form A sent to the Board": None})
    assert ref is not None
    mails = bot.record.to(PAT_EMAIL, ref=ref)
    assert [o.purpose for o in mails] == ["submitter_receipt"], "one mail, not two"
    receipt = mails[0]
    assert "two answers still to come" in receipt.subject
    assert receipt.context["still_to_come"] == [
        "Ofsted notification required, for the Ofsted notification: answer Yes or No.",
        "Form A sent to the Board, for Form A to the Safeguarding Children Board: answer Yes or No."]
    assert receipt.context["reply_lines"] == [
        f"Alert reference: {ref}", "Alert type: Updated alert",
        "Ofsted notification required:", "Form A sent to the Board:"]
    wait = bot.alert(ref).wait("still_to_come")
    assert wait is not None and wait.kind == "task" and wait.owner == f"email:{PAT_EMAIL}"
    assert wait.still_to_come == ("ofsted_required", "form_a_sent")
    assert receipt.reply_token == wait.token and not receipt.sensitive
    text, _ = bot.service.renderer.bodies(receipt)
    assert "STILL TO COME" in text and "  Ofsted notification required:\n" in text


def test_the_approver_sees_the_field_as_still_to_come(bot: Bot) -> None:
    ref = bot.send_form("C1", sender=PAT, **NO_OFSTED)
    assert ref is not None
    request = bot.request(SM, ref)
    assert request.context["still_to_come"] == (
        "Pat Head, who sent the alert, has been asked for Ofsted notification required (for "
        "the Ofsted notification). Only that step waits for it: you can answer now.")
    text, html = bot.service.renderer.bodies(request)
    assert "STILL TO COME: Pat Head, who sent the alert" in text
    assert "Still to come:" in html
    complete = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    assert complete is not None
    assert bot.request("sm.west@kent.test", complete).context["still_to_come"] == ""


def test_only_the_step_that_needs_the_field_waits(bot: Bot) -> None:
    """R-DEATH goes ahead (its field is on the form); R-OFSTED waits for its answer."""
    ref = _approved(bot, **NO_OFSTED)
    alert = bot.alert(ref)
    assert alert.status == "open", "the route is complete"
    assert alert.deferred == ("ofsted",)
    assert bot.purposes_to(AD_SQA, ref) == [], "not asked before the form says Ofsted is needed"
    form_a = bot.request(PAT_EMAIL, ref, "task_request")
    assert form_a.context["task"]["task"] == "form_a", "Form A is not held up"
    assert "waits_for_fields" in [e.what for e in bot.record.events(ref)]


def test_an_update_supplying_the_field_releases_the_waiting_step(bot: Bot) -> None:
    ref = _approved(bot, **NO_OFSTED)
    _reply_to_receipt(bot, ref, "Ofsted notification required: Yes")
    assert bot.purposes_to(AD_SQA, ref) == ["task_request"]
    task = bot.request(AD_SQA, ref, "task_request")
    assert task.context["task"]["task"] == "ofsted_notification"
    alert = bot.alert(ref)
    assert alert.deferred == () and alert.wait("still_to_come") is None, "the follow-up closes"
    assert "fields_arrived" in [e.what for e in bot.record.events(ref)]


def test_an_answer_of_no_releases_the_step_which_then_has_nothing_to_do(bot: Bot) -> None:
    ref = _approved(bot, **NO_OFSTED)
    bot.update(PAT, ref, "Alert type: Updated alert\r\nOfsted notification required: No")
    assert bot.purposes_to(AD_SQA, ref) == []
    assert bot.alert(ref).wait("still_to_come") is None and bot.alert(ref).deferred == ()


def test_an_update_with_some_of_the_fields_leaves_the_rest_still_to_come(bot: Bot) -> None:
    ref = bot.send_form("C1", sender=PAT, **{**NO_OFSTED, "Form A sent to the Board": None})
    assert ref is not None
    bot.update(PAT, ref, "Alert type: Updated alert\r\nForm A sent to the Board: Yes")
    wait = bot.alert(ref).wait("still_to_come")
    assert wait is not None and wait.still_to_come == ("ofsted_required",)


def test_chasers_fire_if_the_field_never_comes(bot: Bot) -> None:
    """T-QA: the follow-up is chased like any task: a reminder, chasers, then the tier
    above (the area Service Manager), who is asked in words that fit."""
    ref = bot.send_form("C1", sender=PAT, **NO_OFSTED)
    assert ref is not None
    bot.at(MONDAY + timedelta(days=8))
    wait = bot.alert(ref).wait("still_to_come")
    assert wait is not None
    chased = [o for o in bot.record.to(PAT_EMAIL, ref=ref) if o.reply_token == wait.token
              and o.purpose != "submitter_receipt"]
    assert chased, "the sender is chased, answerable as the receipt was"
    wait = bot.alert(ref).wait("still_to_come")
    assert wait is not None and wait.escalated_to, "escalated when nobody answers"
    handed = [o for o in bot.record.to(SM, "task_request", ref)
              if o.context["task"]["id"] == "still_to_come"]
    assert len(handed) == 1
    assert handed[0].context["task"]["still_to_come"] == ["Ofsted notification required"]
    text, _ = bot.service.renderer.bodies(handed[0])
    assert "HOW TO SEND THEM" in text and "DONE on the first line" not in text


def test_a_done_reply_does_not_close_the_follow_up(bot: Bot) -> None:
    """The follow-up is closed by the field arriving, not by a word: DONE is answered
    with what is still needed and how to send it."""
    ref = bot.send_form("C1", sender=PAT, **NO_OFSTED)
    assert ref is not None
    bot.answer(PAT_EMAIL, ref, "DONE", purpose="submitter_receipt")
    assert bot.alert(ref).wait("still_to_come") is not None
    (question,) = bot.record.to(PAT_EMAIL, "reply_question")
    assert question.context["why"].startswith(
        f"Alert {ref} still needs Ofsted notification required, and a reply of DONE does not "
        "send it.")


def test_hostile_an_update_from_someone_not_allowed_does_not_release_the_step(bot: Bot) -> None:
    """Issue 10's authority policy: only the alert's own people may update it, so a
    colleague's answer, by update or by a reply to the receipt, moves nothing."""
    ref = _approved(bot, **NO_OFSTED)
    bot.update("Nosy Colleague <nosy.colleague@kent.test>", ref,
               "Alert type: Updated alert\r\nOfsted notification required: Yes")
    _reply_to_receipt(bot, ref, "Ofsted notification required: Yes",
                      sender="other.colleague@kent.test")
    alert = bot.alert(ref)
    assert alert.form.ofsted_required is None and alert.deferred == ("ofsted",)
    assert alert.wait("still_to_come") is not None
    assert bot.purposes_to(AD_SQA, ref) == []
    assert bot.purposes_to("nosy.colleague@kent.test") == ["reply_refused"]


def test_a_form_missing_a_routing_field_is_still_refused_naming_every_problem(bot: Bot) -> None:
    """R-ALL: what routing needs (the district, what the category needs) still blocks,
    in one answer; the later field is not among the problems."""
    ref = bot.send_form("C1", sender=PAT, **{**NO_OFSTED, "District": None,
                                              "Date and time of incident": None})
    assert ref is None
    (answer,) = bot.record.to(PAT_EMAIL, "form_problems")
    problems = answer.context["problems"]
    assert [p.split(":", 1)[0] for p in problems] == ["District", "Date and time of incident"]
    assert not any("Ofsted" in p for p in problems)


def test_the_national_step_waits_for_its_details_while_the_rest_goes_on(bot: Bot) -> None:
    """T-NAT-3W, R-NAT: the national notification's details do not hold back the
    missing-child alert; the national step waits for them, then holds for three weeks."""
    ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>", **{
        "National alert requested": None, "Exceptional circumstances": None})
    assert ref is not None
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    alert = bot.alert(ref)
    assert alert.status == "held" and alert.national.status == "not_requested"
    assert bot.request("miu@kent.test", ref, "task_request"), "MIU still records the dates"
    bot.update("Dee Lead <dee.lead@kent.test>", ref, "Alert type: Updated alert\r\n"
               "National alert requested: Yes\r\nExceptional circumstances: None")
    alert = bot.alert(ref)
    assert alert.national.status == "held", "now the three-week gate decides"
    assert alert.national.gate_opens_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert alert.wait("still_to_come") is None


def test_a_child_found_before_the_national_details_came_closes_the_follow_up(bot: Bot) -> None:
    ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>",
                        **{"National alert requested": None})
    assert ref is not None
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    bot.update("Dee Lead <dee.lead@kent.test>", ref,
               "Alert type: Updated alert\r\nDate and time found: 17/11/2026 10:00")
    assert bot.alert(ref).wait("still_to_come") is None, "nothing still needs it"
