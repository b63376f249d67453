"""Which kind a message is, and why: the order of the rules matters."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import Command, MessageKind
from tests.reading.helpers import FORM, raw

BOT_ID = "<ka-2026-0042.sm_qa.1.Tok3n@kent.test>"
DSN = (
    "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
    "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.kent.test\r\n\r\n"
    "Final-Recipient: rfc822; gone@kent.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ka-2026-0042.sm_qa.1.x@kent.test>\r\n"
    "Subject: [KA-2026-0042]\r\n--b--\r\n")


def test_mail_from_the_bot_itself_is_own_before_anything_else(config: Config) -> None:
    got = read_message(raw("APPROVE", sender="Alerts <safeguardingunitalerts@kent.test>",
                           Auto_Submitted="auto-generated"), config)
    assert got.kind is MessageKind.OWN and got.why == "own: From is the bot's address"


def test_the_bots_plus_address_in_from_is_its_own_mail_too(config: Config) -> None:
    got = read_message(raw("x", sender="safeguardingunitalerts+abc@kent.test"), config)
    assert got.kind is MessageKind.OWN


@pytest.mark.parametrize("headers", [{"X_Mailbot_Ref": "KA-2026-0042"},
                                     {"X_Mailbot_Purpose": "approval_request"},
                                     {"message_id": "<ka-2026-0042.sm_qa.1.T@kent.test>"}])
def test_headers_only_the_bot_writes_do_not_file_a_staff_form_away_unread(
        headers: dict[str, str], config: Config) -> None:
    """Issue 10 (6): X-Mailbot-* and bot-pattern Message-IDs are anyone's to write; on a
    staff form they are ignored and the form is read as what it is."""
    got = read_message(raw(FORM, subject="Alert C9", **headers), config)
    assert got.kind is MessageKind.NEW_FORM, got.why
    assert got.form is not None and got.form.problems == ()


def test_a_sender_written_item_class_header_does_not_make_a_form_an_auto_reply(
        config: Config) -> None:
    """Issue 10 (6): only the mailbox adapter's X-Mailbot-Item-Class (the first header,
    where it prepends it) counts; a sender's own is ignored."""
    got = read_message(raw(FORM, subject="Alert C9",
                           X_Mailbot_Item_Class="IPM.Note.Rules.OofTemplate.Microsoft"), config)
    assert got.kind is MessageKind.NEW_FORM, got.why


def test_a_bot_id_only_in_references_does_not_hide_a_forwarded_form(config: Config) -> None:
    """Issue 10 (6): a form forwarded in a thread the bot once wrote in is read; only a
    direct answer (In-Reply-To naming a bot id) has all its quotes cut."""
    body = "Please raise this\n\nFrom: Jo <jo@kent.test>\nSent: today\nTo: me\n\n" + FORM
    got = read_message(raw(body, subject="FW: alert", References=BOT_ID), config)
    assert got.kind is MessageKind.NEW_FORM, got.why


def test_a_delivery_report_is_a_bounce_even_when_marked_auto_replied(config: Config) -> None:
    got = read_message(raw(DSN, sender="MAILER-DAEMON@kent.test", Auto_Submitted="auto-replied",
                           Content_Type='multipart/report; report-type=delivery-status; boundary="b"'),
                       config)
    assert got.kind is MessageKind.BOUNCE
    assert got.bounced_recipients == ("gone@kent.test",)
    assert got.bounced_ids == ("ka-2026-0042.sm_qa.1.x@kent.test",)


def test_an_undeliverable_from_postmaster_without_a_report_is_a_bounce(config: Config) -> None:
    got = read_message(raw("Delivery has failed to these recipients:\n\n  gone@kent.test\n",
                           sender="postmaster@kent.test", subject="Undeliverable: [KA-2026-0042]",
                           Return_Path="<>", In_Reply_To=BOT_ID), config)
    assert got.kind is MessageKind.BOUNCE
    assert got.bounced_recipients == ("gone@kent.test",)
    assert got.bounced_ids == ("ka-2026-0042.sm_qa.1.Tok3n@kent.test",)


@pytest.mark.parametrize("headers, why", [
    ({"Auto_Submitted": "auto-replied"}, "auto-reply: Auto-Submitted: auto-replied"),
    ({"X_Autoreply": "yes"}, "auto-reply: X-Autoreply header"),
    ({"X_Autorespond": "yes"}, "auto-reply: X-Autorespond header"),
    ({"Precedence": "bulk"}, "auto-reply: Precedence: bulk"),
    ({"Precedence": "auto_reply"}, "auto-reply: Precedence: auto_reply"),
    ({"List_Id": "<news.kent.test>"}, "auto-reply: List-Id header (mailing list)"),
    ({"List_Unsubscribe": "<mailto:x@kent.test>"}, "auto-reply: List-Unsubscribe header (mailing list)"),
    ({"X_MS_Exchange_Inbox_Rules_Loop": "sue@kent.test"},
     "auto-reply: X-MS-Exchange-Inbox-Rules-Loop header"),
    ({"Return_Path": "<>"}, "auto-reply: null Return-Path <>"),
    ({"subject": "Automatic reply: [KA-2026-0042]"}, "auto-reply: subject starts 'Automatic reply'"),
    ({"subject": "Out of Office: alert"}, "auto-reply: subject starts 'Out of Office'"),
    ({"subject": "Auto: alert"}, "auto-reply: subject starts 'Auto:'"),
    ({"subject": "Abwesenheitsnotiz: alert"}, "auto-reply: subject starts 'Abwesenheitsnotiz'"),
    ({"subject": "=?utf-8?q?R=C3=A9ponse_automatique_:_alert?="},
     "auto-reply: subject starts 'Réponse automatique'"),
])
def test_automatic_replies_are_recognised_before_replies(headers: dict[str, str], why: str,
                                                         config: Config) -> None:
    """Each rule alone makes an APPROVE answering the bot an auto-reply: never acted on."""
    got = read_message(raw("APPROVE", In_Reply_To=BOT_ID, **headers), config)
    assert (got.kind, got.why) == (MessageKind.AUTO_REPLY, why)


def test_auto_submitted_no_is_a_person(config: Config) -> None:
    got = read_message(raw("APPROVE", In_Reply_To=BOT_ID, Auto_Submitted="no"), config)
    assert got.kind is MessageKind.REPLY


def test_a_reply_is_found_by_the_bots_message_id(config: Config) -> None:
    got = read_message(raw("RETURN: missing police ref\n\n> old", In_Reply_To=BOT_ID,
                           References="<a@x> " + BOT_ID), config)
    assert got.kind is MessageKind.REPLY
    assert got.command is not None and got.command.command is Command.RETURN
    assert got.in_reply_to == ("ka-2026-0042.sm_qa.1.Tok3n@kent.test", "a@x")


def test_a_reply_is_found_by_the_reference_in_its_subject_and_a_command(config: Config) -> None:
    got = read_message(raw("Approved.\n", subject="RE: [KA-2026-0042] Alert for QA"), config)
    assert got.kind is MessageKind.REPLY and got.command is not None
    assert got.why == "reply: subject names KA-2026-0042 and the reply starts with a command"


def test_a_reference_without_a_command_or_form_is_not_a_reply(config: Config) -> None:
    got = read_message(raw("Can we talk about this?", subject="RE: [KA-2026-0042]"), config)
    assert got.kind is MessageKind.NOT_FORM


def test_a_reply_to_the_plus_address_carries_its_token(config: Config) -> None:
    message = raw("APPROVE").replace(b"To: safeguardingunitalerts@kent.test",
                                     b"To: Alerts <SafeguardingUnitAlerts+Ab3dEf@kent.test>")
    got = read_message(message, config)
    assert got.kind is MessageKind.REPLY and got.plus_token == "Ab3dEf"
    assert got.to == ("safeguardingunitalerts+ab3def@kent.test",)


def test_a_command_reply_carrying_form_fields_is_still_a_reply(config: Config) -> None:
    got = read_message(raw("DE-ALERT\nAlert type: De-alert\nAlert reference: KA-2026-0042",
                           In_Reply_To=BOT_ID), config)
    assert got.kind is MessageKind.REPLY and got.command is not None
    assert got.command.command is Command.DEALERT


def test_an_answer_to_the_bot_with_changed_fields_is_an_update(config: Config) -> None:
    got = read_message(raw("Date and time found: 07/12/2026 21:00\nReturn interview date: 09/12/2026",
                           subject="RE: [KA-2026-0042]", In_Reply_To=BOT_ID), config)
    assert got.kind is MessageKind.UPDATE and got.form is not None
    assert got.form.form.reference == "KA-2026-0042"


def test_a_form_quoted_below_a_reply_to_the_bot_is_not_read(config: Config) -> None:
    body = "Looks fine to me\n\nFrom: Someone\nSent: today\nTo: me\n\n" + FORM
    assert read_message(raw(body, In_Reply_To=BOT_ID), config).kind is MessageKind.REPLY


def test_a_forwarded_copy_of_the_bots_own_alert_is_not_a_new_form(config: Config) -> None:
    body = ("FYI\n\n-----Original Message-----\nFrom: Safeguarding Unit Alerts "
            "<safeguardingunitalerts@kent.test>\nSent: today\n\n" + FORM)
    assert read_message(raw(body, subject="FW: alert"), config).kind is MessageKind.NOT_FORM


def test_a_colleagues_form_forwarded_inline_is_a_new_form(config: Config) -> None:
    body = "FYI\n\n-----Original Message-----\nFrom: Jo <jo@kent.test>\nSent: today\n\n" + FORM
    got = read_message(raw(body, subject="FW: alert"), config)
    assert got.kind is MessageKind.NEW_FORM and got.form is not None and got.form.problems == ()


@pytest.mark.parametrize("subject, body", [
    ("Missing Child Notification", "Please circulate."),
    ("FOUND", "Re our national alert of last month: the child is safe."),
    ("CP Alert - family missing", "x"),
    ("Information", "National Child Protection Alert\nIssuing authority: Other"),
])
def test_another_councils_alert_is_an_ola_notification(subject: str, body: str,
                                                       config: Config) -> None:
    got = read_message(raw(body, subject=subject, sender="lead@othercouncil.example"), config)
    assert got.kind is MessageKind.OLA_NOTIFICATION


def test_a_national_alert_from_inside_the_council_is_not_an_ola(config: Config) -> None:
    got = read_message(raw("National Child Protection Alert", subject="FW: national alert"), config)
    assert got.kind is MessageKind.NOT_FORM


def test_a_text_form_from_outside_is_read_so_the_workflow_can_refuse_it(config: Config) -> None:
    got = read_message(raw(FORM, sender="someone@gmail.example"), config)
    assert got.kind is MessageKind.NEW_FORM and got.sender == "someone@gmail.example"


def _multipart(text: str, html: str | None = None, docx: bytes | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Sam Worker <sam.worker@kent.test>"
    msg["To"] = "safeguardingunitalerts@kent.test"
    msg["Subject"] = "alert"
    msg["Message-ID"] = "<m@kent.test>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if docx is not None:
        msg.add_attachment(docx, maintype="application", subtype="vnd.openxmlformats-"
                           "officedocument.wordprocessingml.document", filename="form.docx")
    return msg.as_bytes()


def _docx(category: str) -> bytes:
    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for line in FORM.replace("C9", category).strip().split("\n"):
        label, value = line.split(": ", 1)
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_word_form_is_preferred_to_html_and_text(config: Config) -> None:
    pairs = (x.split(": ", 1) for x in FORM.replace("C9", "C3").strip().split("\n"))
    html = "<table>" + "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in pairs) + "</table>"
    got = read_message(_multipart(FORM, html, _docx("C4")), config)
    assert got.form is not None and (got.form.source, got.form.form.category) == ("docx", "C4")
    got = read_message(_multipart(FORM, html), config)
    assert got.form is not None and (got.form.source, got.form.form.category) == ("html", "C3")


def test_when_the_word_file_is_no_form_the_body_form_is_read(config: Config) -> None:
    got = read_message(_multipart(FORM, None, b"PK\x03\x04 not really a zip"), config)
    assert got.form is not None and got.form.source == "text"


def test_the_envelope_is_read_plainly(config: Config) -> None:
    message = raw("Subject KA-2026-0002 and ka-2026-0001 again KA-2026-0002",
                  subject="[KA-2026-0001] x", message_id="<AbC@Kent.Test>",
                  Cc="Pat <Pat.Head@KENT.test>, x@y.example", date="Mon, 07 Dec 2026 10:00:00 +0100",
                  Return_Path="<Sam.Worker@kent.test>")
    got = read_message(message, config)
    assert got.message_id == "AbC@Kent.Test"
    assert got.sha256 == hashlib.sha256(message).hexdigest()
    assert (got.sender, got.sender_name) == ("sam.worker@kent.test", "Sam Worker")
    assert got.cc == ("pat.head@kent.test", "x@y.example")
    assert got.return_path == "sam.worker@kent.test"
    assert got.refs == ("KA-2026-0001", "KA-2026-0002")
    assert got.date == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_nothing_at_all_is_not_a_form_with_a_synthesised_id(config: Config) -> None:
    got = read_message(b"", config)
    sha = hashlib.sha256(b"").hexdigest()
    assert (got.kind, got.sha256, got.message_id) == (MessageKind.NOT_FORM, sha, f"no-id-{sha[:16]}")
