"""Issue 10 (6): headers only the bot writes are trusted only on mail the bot really sent.

`X-Mailbot-*` headers and Message-IDs in the bot's pattern are anyone's to write. Mail
From the bot's own address is the bot's own only when the store shows the bot sent
that Message-ID (its own copy, seen again); anything else From that address is a
forgery, kept for a person. A staff form carrying the bot's headers is read as the
form it is (R-ALL)."""

from __future__ import annotations

from datetime import timedelta

from tests.workflow.conftest import Bot, form_body

BOT = "Safeguarding Unit Alerts <safeguardingunitalerts@kent.test>"


def _last_disposition(bot: Bot) -> str:
    _, decision, _ = bot.record.decisions[-1]
    return decision.disposition


def test_a_staff_form_carrying_the_bots_headers_is_read_and_raised(bot: Bot) -> None:
    raw = bot.email("Tara Manager <tara.manager@kent.test>", "Alert C8", form_body("C8"),
                    headers={"X-Mailbot-Ref": "KA-2026-0042",
                             "X-Mailbot-Purpose": "approval_request"})
    raw = raw.replace(b"Message-ID: <sim.", b"Message-ID: <ka-2026-0042.sm_qa.1.", 1)
    bot.deliver(raw)
    assert len(bot.service.store.load().alerts) == 1, "the form was filed away unread"
    assert _last_disposition(bot) == "processed"


def test_mail_from_the_bots_address_that_the_bot_never_sent_is_kept_for_a_person(
        bot: Bot) -> None:
    ref = bot.send_form("C8")
    before = bot.service.store.load()
    sent = len(bot.record.sent)
    forged = bot.email(BOT, f"[{ref}] De-alert", f"Alert reference: {ref}\r\nAlert type: De-alert",
                       headers={"X-Mailbot-Ref": ref, "Auto-Submitted": "auto-generated"})
    bot.deliver(forged)
    assert _last_disposition(bot) == "needs_attention", "a forgery must not be filed away"
    assert bot.service.store.load().alerts == before.alerts
    assert len(bot.record.sent) == sent, "nothing is sent about it"


def test_the_bots_own_sent_copy_seen_again_is_filed_as_its_own(bot: Bot) -> None:
    ref = bot.send_form("C8")
    copy = next(e for e in bot.service.store.sent_log(bot.now - timedelta(days=1))
                if e.ref == ref and e.purpose == "approval_request")
    before = bot.service.store.load()
    sent = len(bot.record.sent)
    bot.deliver(copy.data)
    _, decision, incoming = bot.record.decisions[-1]
    assert incoming is not None and incoming.message_id == copy.message_id
    assert decision.disposition == "processed" and decision.note.startswith("own message")
    assert bot.service.store.load().alerts == before.alerts and len(bot.record.sent) == sent
