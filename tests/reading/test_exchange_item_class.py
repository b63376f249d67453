"""EWS items whose MIME lacks the usual signs carry their item class (mailbot.adapters.microsoft.mime)."""

from __future__ import annotations

from typing import Any

from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import MessageKind

PLAIN = (b"From: Sue Manager <sue.manager@kent.test>\r\nTo: safeguardingunitalerts@kent.test\r\n"
         b"Subject: [KA-2026-0001] Alert for QA\r\nMessage-ID: <oof.1@kent.test>\r\n"
         b"Content-Type: text/plain\r\n\r\nI am away until Monday.\r\n")


def test_oof_item_class_is_an_auto_reply_never_answered(config: Any) -> None:
    raw = b"X-Mailbot-Item-Class: IPM.Note.Rules.OofTemplate.Microsoft\r\n" + PLAIN
    assert read_message(raw, config).kind is MessageKind.AUTO_REPLY
    assert read_message(PLAIN, config).kind is not MessageKind.AUTO_REPLY


def test_ndr_report_item_class_is_a_bounce(config: Any) -> None:
    raw = b"X-Mailbot-Item-Class: REPORT.IPM.Note.NDR\r\n" + PLAIN.replace(
        b"Sue Manager <sue.manager@kent.test>", b"Microsoft Outlook <postmaster@kent.test>")
    assert read_message(raw, config).kind is MessageKind.BOUNCE
