"""Delivery failures: RFC 3464 reports and the common non-standard ones.

A bounce names what bounced (Message-IDs from the returned message or its headers,
else from In-Reply-To/References) and who it failed for (Original-Recipient, else
Final-Recipient, else X-Failed-Recipients, else the address lines of a text bounce).
A report whose every recipient was only delayed is still a bounce, but names no
recipient: nothing failed yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

from mailbot.core.intake.mail import mime

_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|undeliverable mail|mail delivery failed|"
    r"delivery status notification|failure notice|returned mail|delivery failure|"
    r"mail system error|non remis|non recapitabile|unzustellbar|onbestelbaar|"
    r"no se puede entregar|delayed mail|warning: could not send|mail failed|"
    r"message not delivered|delivery notification: delivery has failed|"
    r"email bounce notification|undelivered message)", re.I)
_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@|^mailer-daemon$", re.I)
_DAEMON_NAME = re.compile(r"mail delivery (?:subsystem|system|service)|mailer.?daemon", re.I)
_ADDRESS = r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+\.[A-Za-z0-9-]+"
_ADDRESS_LINE = re.compile(rf"^\s*<?({_ADDRESS})>?:?(?:\s+on\s.*)?\s*$")
_COPY_STARTS = re.compile(r"^\s*(?:-{2,}.*(?:copy|original|returned|below|message)|"
                          r"original message|message-id:|received:)", re.I)


def bounce_reason(msg: Message, sender: str, sender_name: str, return_path: str | None,
                  subject: str, leaves: list[mime.Leaf]) -> str | None:
    """Why this message is a delivery failure report, or None."""
    ctype = mime.safe(msg.get_content_type, "").lower()
    report = str(mime.safe(lambda: msg.get_param("report-type"), "") or "").lower()
    if ctype == "multipart/report" and report == "delivery-status":
        return "bounce: multipart/report delivery-status (RFC 3464)"
    if any(leaf.content_type in ("message/delivery-status", "message/global-delivery-status")
           for leaf in leaves):
        return "bounce: delivery-status part"
    if mime.header(msg, "X-Failed-Recipients"):
        return "bounce: X-Failed-Recipients header"
    # Exchange (EWS) item classes the adapter carries over when the MIME does not say
    item_class = (mime.adapter_header(msg, "X-Mailbot-Item-Class") or "").strip().upper()
    if item_class.startswith("REPORT.") and ".NDR" in item_class:
        return f"bounce: Exchange item class {item_class[:60]}"
    daemon = bool(_DAEMON.search(sender)) or bool(_DAEMON_NAME.search(sender_name)) or (
        not sender and bool(sender_name))
    returned = any(leaf.content_type in ("message/rfc822", "text/rfc822-headers")
                   for leaf in leaves)
    if daemon and (_SUBJECT.match(subject) or return_path == "" or returned):
        return "bounce: mailer-daemon sender reporting a failure"
    if _SUBJECT.match(subject) and (return_path == "" or returned):
        return "bounce: delivery-failure subject from a null sender"
    return None


def bounce_details(msg: Message, raw: bytes, leaves: list[mime.Leaf],
                   body_text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(Message-IDs of what bounced, recipients it failed for)."""
    own_id = mime.message_ids(mime.header(msg, "Message-ID"))
    ids: list[str] = []
    recipients: list[str] = []
    any_status = False
    for leaf in leaves:
        if leaf.content_type in ("message/delivery-status", "message/global-delivery-status"):
            found, seen = _status_recipients(_status_blocks(leaf.part))
            recipients += found
            any_status = any_status or seen
        elif leaf.content_type == "message/rfc822":
            inner = mime.safe(leaf.part.get_payload, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                ids += mime.message_ids(mime.header(inner[0], "Message-ID"))
        elif leaf.content_type == "text/rfc822-headers":
            parsed = HeaderParser(policy=compat32).parsestr(mime.text_of(leaf.part))
            ids += mime.message_ids(parsed.get("Message-ID"))
    if not ids:     # the original copied inline (Exim, qmail, Gmail)
        ids += re.findall(r"(?im)^\s*message-id:\s*<([^<>\s]+)>", body_text)
    if not ids:
        ids += mime.message_ids(mime.header(msg, "In-Reply-To"))
        ids += mime.message_ids(mime.header(msg, "References"))
    if not any_status:   # a report whose MIME is broken: its fields are still in the text
        found, any_status = _status_recipients(
            re.split(r"\r?\n\s*\r?\n", raw[:2_000_000].decode("utf-8", "replace")))
        recipients += found
    if not any_status:
        for value in mime.headers(msg, "X-Failed-Recipients"):
            recipients += [a.strip().lower() for a in value.split(",") if "@" in a]
        if not recipients:
            recipients = _text_recipients(body_text)
    return _unique(i for i in ids if i not in own_id), _unique(recipients)


def _status_blocks(part: Message) -> list[str]:
    """The per-message and per-recipient field blocks of a delivery-status part."""
    blocks = mime.safe(part.get_payload, None)
    if isinstance(blocks, list):
        return [str(mime.safe(b.as_string, "")) for b in blocks if isinstance(b, Message)]
    if isinstance(blocks, str):
        return re.split(r"\r?\n\s*\r?\n", blocks)
    return []


def _status_recipients(texts: list[str]) -> tuple[list[str], bool]:
    """Failed recipients in delivery-status blocks, and whether any recipient was named."""
    found: list[str] = []
    seen = False
    for text in texts:
        original = re.search(r"(?im)^original-recipient:\s*[^;\n]*;\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$", text)
        final = re.search(r"(?im)^final-recipient:\s*[^;\n]*;\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$", text)
        action = re.search(r"(?im)^action:\s*(\S+)", text)
        if not (original or final):
            continue
        seen = True
        if action and action.group(1).lower() != "failed":
            continue
        chosen = original or final
        assert chosen is not None
        found.append(chosen.group(1).lower())
    return found, seen


def _text_recipients(body_text: str) -> list[str]:
    """Addresses alone on a line before the returned copy ("<a@b>:", "  a@b")."""
    found = []
    for line in body_text.split("\n"):
        if _COPY_STARTS.match(line):
            break
        m = _ADDRESS_LINE.match(line)
        if m and not _DAEMON.search(m.group(1)):
            found.append(m.group(1).lower())
    return found


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
