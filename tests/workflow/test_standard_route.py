"""R-STD, R-OFSTED, R-DEATH: the standard route, driven by email through the service."""

from __future__ import annotations

from datetime import timedelta

from tests.workflow.conftest import Bot


def test_r_std_sm_quality_assures_then_ad_reviews_and_may_forward(bot: Bot) -> None:
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    assert ref == "KA-2026-0001"
    assert bot.purposes_to("sm.west@kent.test", ref) == ["approval_request"]
    assert bot.purposes_to("kim.lead@kent.test", ref) == ["submitter_receipt"]
    assert bot.purposes_to("ad.west@kent.test", ref) == [], "the AD is asked only after the SM"

    bot.answer("sm.west@kent.test", ref, "APPROVE")
    assert bot.purposes_to("ad.west@kent.test", ref) == ["approval_request"]

    bot.answer("ad.west@kent.test", ref, "FORWARD director\r\nPress are calling.")
    assert bot.purposes_to("director@kent.test", ref) == ["alert_notice"]
    assert bot.purposes_to("ad.sqa@kent.test", ref) == [], "only the named role is forwarded to"
    assert bot.purposes_to("pdo.west@kent.test", ref) == ["alert_notice"]
    alert = bot.alert(ref)
    assert alert.status == "open" and alert.waits == ()
    assert alert.forwarded_to == ("director",)
    whats = [e.what for e in bot.record.events(ref)]
    assert whats[:2] == ["raised", "asked"] and "route_complete" in whats


def test_r_std_request_carries_the_alert_only_to_route_people(bot: Bot) -> None:
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    request = bot.request("sm.west@kent.test", ref)
    assert request.sensitive and request.context["alert"]["fields"]
    receipt = bot.request("kim.lead@kent.test", ref, "submitter_receipt")
    assert not receipt.sensitive and "alert" not in receipt.context
    assert "Sky" not in receipt.subject and "S.E." in receipt.subject


def test_r_ofsted_and_r_death_tasks_follow_a_priority_one_death(bot: Bot) -> None:
    ref = bot.send_form("C1", sender="Pat Head <pat.head@kent.test>")
    request = bot.request("sue.manager@kent.test", ref)
    assert request.context["due_at"] == (bot.now + timedelta(hours=2)).isoformat(), \
        "a Priority One alert is due in 2 real hours, not a working day"
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    assert bot.purposes_to("ad.sqa@kent.test", ref) == ["task_request"]      # R-OFSTED
    assert bot.purposes_to("pat.head@kent.test", ref)[-1] == "task_request"  # R-DEATH: Form A
    form_a = bot.request("pat.head@kent.test", ref, "task_request")
    assert form_a.context["task"]["task"] == "form_a"

    bot.answer("ad.sqa@kent.test", ref, "DONE - notified Ofsted", purpose="task_request")
    tasks = {w.task for w in bot.alert(ref).waits}
    assert tasks == {"form_a"}


def test_r_ofsted_not_asked_when_the_form_says_no_notification(bot: Bot) -> None:
    ref = bot.send_form("C1", sender="Pat Head <pat.head@kent.test>",
                        **{"Ofsted notification required": "No", "Form A sent to the Board": "Yes"})
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    assert bot.purposes_to("ad.sqa@kent.test", ref) == []
    assert "task_request" not in bot.purposes_to("pat.head@kent.test", ref)
    assert bot.alert(ref).waits == ()


def test_r_std_approval_counts_only_from_the_person_asked_or_their_deputy(bot: Bot) -> None:
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    # the AD answers the SM's request: refused, nothing moves
    bot.answer("sm.west@kent.test", ref, "APPROVE", sender="ad.west@kent.test")
    assert bot.alert(ref).wait("sm_qa") is not None
    assert bot.purposes_to("ad.west@kent.test", ref) == ["reply_refused"]
    # Wyn West's deputy (Nia North) may answer for them
    bot.answer("sm.west@kent.test", ref, "APPROVE", sender="sm.north@kent.test")
    assert bot.alert(ref).wait("sm_qa") is None
    assert bot.alert(ref).wait("ad_review") is not None


def test_r_auth_the_refusal_says_who_can_answer_and_how_in_sentences(bot: Bot) -> None:
    """Issue 11 §2: a refused reply names who can answer (from the directory) and what to do."""
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    bot.answer("sm.west@kent.test", ref, "APPROVE", sender="ad.west@kent.test")
    [refused] = bot.record.to("ad.west@kent.test", "reply_refused", ref)
    why = refused.context["why"]
    assert why.startswith("Only the person the step waits on") and why.endswith(".")
    assert "For this alert that is Wyn West, or their deputy." in why
    assert "ask them to reply to the request they were sent" in why
    assert ".." not in why
    assert "Alex" not in why and "Sample" not in why, "no case data in a refusal"


def test_r_std_return_goes_back_to_the_submitter_and_an_update_asks_again(bot: Bot) -> None:
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    first = bot.request("sm.west@kent.test", ref)
    bot.answer("sm.west@kent.test", ref, "RETURN\r\nPlease add the date of the press enquiry.")
    returned = bot.request("kim.lead@kent.test", ref, "submitter_returned")
    assert "press enquiry" in returned.context["reasons"]
    assert bot.alert(ref).status == "returned"
    assert [c.rule for c in bot.alert(ref).clocks] == ["T-REVIEW"], \
        "a returned alert keeps an owner and a next deadline (the pdo's review)"

    bot.update("Kim Lead <kim.lead@kent.test>", ref,
               "Alert type: Updated alert\r\nSummary of concern: Press enquiry on 14/11/2026.")
    second = bot.request("sm.west@kent.test", ref)
    assert second.message_id != first.message_id and second.reply_token != first.reply_token
    assert bot.alert(ref).status == "in_qa"
