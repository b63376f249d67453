"""Issue 10 (6): the same alert twice is one alert (R-ALL, R-UPD).

A new form for the same child (Liberi ID) and category as an open alert, sent again
with a new Message-ID within `authority.duplicate_window`, opens no second chain:
its sender is asked one plain question, and UPDATE, NEW or nothing decides."""

from __future__ import annotations

from datetime import timedelta

from mailbot.core.alerts.duplicate import log_ref
from mailbot.core.ids import parse_request_id
from tests.workflow.conftest import Bot, form_body

TARA = "tara.manager@kent.test"          # sends the C8 form (its team manager)
SUE = "sue.manager@kent.test"            # the Service Manager the C8 goes to
QUESTION = "duplicate_question"


def _alerts(bot: Bot) -> str:
    state = bot.service.store.load()
    return "".join(a.model_dump_json() for _, a in sorted(state.alerts.items()))


def _held(bot: Bot) -> int:
    return len(bot.service.store.load().held_forms)


def _again(bot: Bot, **changes: str | None) -> None:
    """The same child's C8 form, sent again (a new Message-ID), as its team manager."""
    bot.send_form("C8", **changes)


def test_the_same_child_and_category_again_opens_no_second_chain_and_asks_once(
        bot: Bot) -> None:
    ref = bot.send_form("C8")
    before, sent_before = _alerts(bot), len(bot.record.sent)
    bot.clock.t += timedelta(hours=2)
    _again(bot, **{"Summary of concern": "Seen near Margate station at 18:00."})

    assert list(bot.service.store.load().alerts) == [ref], "no second alert was raised"
    assert _alerts(bot) == before, "the open alert is untouched until the sender answers"
    new_mail = [o for _, o in bot.record.sent[sent_before:]]
    assert [(o.purpose, o.to[0].email) for o in new_mail] == [(QUESTION, TARA)], \
        "the submitter gets one question and nobody else hears of the second form"
    question = new_mail[0]
    assert question.context["question"] == (
        f"This looks like alert {ref} for the same child. If it is news about that alert, "
        f"reply UPDATE and it will be added to {ref}; if it is a separate episode, reply NEW "
        "and it will be raised as a new alert.")
    assert not question.sensitive and "Jordan" not in str(question.context)
    claim = parse_request_id(question.message_id)
    assert claim is not None and claim.ref == ref and claim.token == question.reply_token
    _, decision, _ = bot.record.decisions[-1]
    assert decision.disposition == "needs_attention", "the held message is kept for a person"
    assert _held(bot) == 1
    assert [e.what for e in bot.service.store.events(log_ref(ref))] == ["held"]


def test_update_adds_the_held_form_to_the_open_alert(bot: Bot) -> None:
    ref = bot.send_form("C8")
    _again(bot, **{"Summary of concern": "Seen near Margate station at 18:00."})
    bot.answer(TARA, ref, "UPDATE", purpose=QUESTION)

    state = bot.service.store.load()
    assert list(state.alerts) == [ref] and state.held_forms == {}
    alert = bot.alert(ref)
    assert alert.form.summary == "Seen near Margate station at 18:00."
    assert alert.form.alert_type == "update"
    updated = [e for e in bot.service.store.events(ref) if e.what == "updated"]
    assert len(updated) == 1 and "update: submitter" in updated[0].detail["authority"]
    assert "alert_notice" in bot.purposes_to(SUE, ref), "those who hold it hear of the update"
    assert [e.what for e in bot.service.store.events(log_ref(ref))] == [
        "held", "held_form_answered"]


def test_new_raises_the_held_form_as_a_separate_alert(bot: Bot) -> None:
    ref = bot.send_form("C8")
    _again(bot)
    held_id = next(iter(bot.service.store.load().held_forms.values())).message_id
    bot.answer(TARA, ref, "New - a separate episode", purpose=QUESTION)

    state = bot.service.store.load()
    assert len(state.alerts) == 2 and state.held_forms == {}
    second = next(a for r, a in state.alerts.items() if r != ref)
    assert second.source_message == held_id, "the new alert is the held form itself"
    assert "submitter_receipt" in bot.purposes_to(TARA, second.ref)
    assert "approval_request" in bot.purposes_to(SUE, second.ref)


def test_only_the_sender_of_the_held_form_may_answer(bot: Bot) -> None:
    ref = bot.send_form("C8")
    _again(bot)
    before = _alerts(bot)
    bot.answer(TARA, ref, "UPDATE", purpose=QUESTION,
               sender="Nosy Colleague <nosy.colleague@kent.test>")

    assert _alerts(bot) == before and _held(bot) == 1, "nothing moved; the form stays held"
    refused = bot.record.to("nosy.colleague@kent.test", "reply_refused")
    assert len(refused) == 1
    bot.answer(TARA, ref, "UPDATE", purpose=QUESTION)
    assert _held(bot) == 0 and bot.alert(ref).form.alert_type == "update"


def test_an_answer_that_says_neither_is_asked_again_and_the_next_answer_counts(
        bot: Bot) -> None:
    ref = bot.send_form("C8")
    _again(bot)
    bot.answer(TARA, ref, "Not sure, is it?", purpose=QUESTION)

    asked = bot.record.to(TARA, QUESTION)
    assert len(asked) == 2 and _held(bot) == 1
    assert '"Not sure, is it?"' in asked[1].context["unclear"]
    assert asked[1].reply_token == asked[0].reply_token, "either question can be answered"
    assert asked[1].message_id != asked[0].message_id
    bot.answer(TARA, ref, "NEW", purpose=QUESTION)
    assert len(bot.service.store.load().alerts) == 2 and _held(bot) == 0


def test_a_held_form_nobody_answers_for_is_dropped_after_the_window_and_recorded(
        bot: Bot) -> None:
    ref = bot.send_form("C8")
    _again(bot)
    held_at = bot.now
    bot.at(held_at + timedelta(days=13, hours=23))
    assert _held(bot) == 1
    bot.at(held_at + timedelta(days=14, minutes=1))
    assert _held(bot) == 0
    assert [e.what for e in bot.service.store.events(log_ref(ref))] == [
        "held", "held_form_expired"]
    assert list(bot.service.store.load().alerts) == [ref]


def test_another_child_another_category_or_after_the_window_is_raised_at_once(
        bot: Bot) -> None:
    first = bot.send_form("C8")
    assert bot.send_form("C8", **{"Liberi ID": "9990001"}) is not None, "another child"
    assert bot.send_form("C6", **{"Liberi ID": "4410293"}) is not None, "another category"
    bot.at(bot.now + timedelta(days=15))
    assert bot.alert(first).status != "closed"
    assert bot.send_form("C8") is not None, "after the window it is a new alert"
    assert bot.record.to(TARA, QUESTION) == []


def test_the_same_message_delivered_again_is_not_raised_twice_nor_asked_about(
        bot: Bot) -> None:
    """A re-delivery: the Message-ID of the form that raised the alert, other bytes."""
    ref = bot.send_form("C8")
    source = bot.alert(ref).source_message
    raw = bot.email("Tara Manager <tara.manager@kent.test>", "Alert C8", form_body("C8"))
    raw = raw.replace(raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0],
                      f"<{source}>".encode(), 1)
    bot.deliver(b"X-Received: again\r\n" + raw)
    assert list(bot.service.store.load().alerts) == [ref]
    assert bot.record.to(TARA, QUESTION) == []
    _, decision, _ = bot.record.decisions[-1]
    assert decision.disposition == "needs_attention"
