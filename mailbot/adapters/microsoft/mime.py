"""What Exchange does not say in the MIME, made up for: the item class of an
auto-reply or report it hands out, and the Bcc recipients it takes only from headers;
and the header block of the MIME it hands out, for `check-mailbox`."""

from __future__ import annotations

import email.parser
import email.policy
import email.utils

from mailbot.ports import RenderedMail

ITEM_CLASS_HEADER = "X-Mailbot-Item-Class"
# names the outbox entry on every mail sent through Exchange, so that the sent copy is
# found even where Exchange gave the message a Message-ID of its own (MS-OXCMAIL allows
# it): Exchange keeps an internet header as a named property in PS_INTERNET_HEADERS,
# which EWS (ExtendedFieldURI, InternetHeaders) and Graph (singleValueExtendedProperties)
# both filter on (issue 13)
OUTBOX_HEADER = "X-Mailbot-Outbox-Id"


def with_outbox_id(mail: RenderedMail) -> bytes:
    """The MIME with the outbox header first."""
    return f"{OUTBOX_HEADER}: <{mail.message_id}>\r\n".encode() + mail.data


def mark_item_class(raw: bytes, item_class: str | None) -> bytes:
    """Make an auto-reply or report recognisable from its MIME alone.

    Exchange knows an out-of-office or a delivery report by its item class; the
    MIME it hands out usually says so too (Auto-Submitted, multipart/report), but
    when it does not we prepend `X-Mailbot-Item-Class` so the core can classify it.
    """
    klass = (item_class or "").upper()
    is_oof = klass.startswith("IPM.NOTE.RULES.OOFTEMPLATE")
    if not (is_oof or klass.startswith("REPORT.")):
        return raw
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    if is_oof and head.get("Auto-Submitted"):
        return raw
    if not is_oof and head.get_content_type() == "multipart/report":
        return raw
    newline = b"\r\n" if b"\r\n" in raw[:1000] else b"\n"
    return f"{ITEM_CLASS_HEADER}: {item_class}".encode() + newline + raw


def blind_copies(mail: RenderedMail) -> list[str]:
    """Envelope recipients the headers do not name: they must be sent as Bcc."""
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(mail.data)
    named = {a.lower() for _, a in email.utils.getaddresses(
        [str(v) for k in ("To", "Cc", "Bcc") for v in head.get_all(k, [])])}
    return [a for a in mail.envelope_to if a.lower() not in named]


def header_block(raw: bytes) -> bytes:
    """The headers of a MIME message, up to and including its first empty line."""
    ends = [i + len(blank) for blank in (b"\r\n\r\n", b"\n\n") if (i := raw.find(blank)) >= 0]
    return raw[:min(ends)] if ends else raw
