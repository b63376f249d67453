"""`read_message`: raw bytes in, an `Incoming` out, whatever the bytes are.

Order of the rules (each records why it fired): mail From the bot's own address
(the shell confirms the bot sent it, `Service._decide`); bounces;
automatic replies; a reply to the bot that starts with a command; another
authority's national alert (outside senders only); a form (Word, then HTML, then
text); any other answer to the bot; and otherwise "not a form".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from mailbot.core.config import Config
from mailbot.core.intake.form.blocks import Block, Para, blocks_text
from mailbot.core.intake.form.docx_form import docx_blocks
from mailbot.core.intake.form.forms import Source, cut_quoted, find_form, quote_cutter
from mailbot.core.intake.form.html_form import html_blocks
from mailbot.core.intake.mail import identity, mime
from mailbot.core.intake.mail.alternative import richer_text
from mailbot.core.intake.mail.authres import parse_auth_results
from mailbot.core.intake.mail.bounces import bounce_details, bounce_reason
from mailbot.core.intake.mail.classify import auto_reason, is_bot_message_id, ola_reason, own_reason
from mailbot.core.intake.mail.reply_text import parse_command, strip_quotes
from mailbot.core.values.mail import Incoming, MessageKind

UNSUPPORTED = (".doc", ".pdf", ".msg", ".rtf", ".odt", ".docm", ".dot", ".pages", ".wps")
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def read_message(raw: bytes, config: Config) -> Incoming:
    """Never raises: the worst case is NOT_FORM with `why` saying what went wrong."""
    sha = hashlib.sha256(raw).hexdigest()
    try:
        return _read(raw, sha, config)
    except Exception as exc:   # a reader that crashes would stop the inbox: never
        return Incoming(message_id=f"no-id-{sha[:16]}", sha256=sha, sender="",
                        kind=MessageKind.NOT_FORM,
                        why=f"not-form: unreadable message ({type(exc).__name__})")


def find_refs(text: str, config: Config) -> list[str]:
    prefix = config.organisation.reference_prefix
    return [r.upper() for r in re.findall(rf"(?<![A-Za-z0-9]){prefix}-\d{{4}}-\d{{4}}(?!\d)",
                                          text, re.I)]


def _read(raw: bytes, sha: str, config: Config) -> Incoming:
    msg = mime.parse(raw)
    env = _envelope(msg, sha, config)
    leaves = mime.leaves(msg)
    plain = "\n".join(mime.text_of(x.part) for x in leaves if x.body and x.content_type == "text/plain")
    html = "\n".join(mime.text_of(x.part) for x in leaves if x.body and x.content_type == "text/html")
    html_parsed = html_blocks(html) if html.strip() else []
    body_text = richer_text(plain, blocks_text(html_parsed))
    new_text = strip_quotes(body_text)
    subject_refs = find_refs(env["subject"], config)
    env.update(
        attachments=tuple(mime.attachment(x) for x in leaves if not x.body),
        unsupported=tuple(x.filename for x in leaves
                          if x.filename.lower().endswith(UNSUPPORTED)),
        refs=tuple(dict.fromkeys(subject_refs + find_refs(body_text, config))),
        body_text=body_text, new_text=new_text)

    def done(kind: MessageKind, why: str, **more: Any) -> Incoming:
        return Incoming(kind=kind, why=why, **{**env, **more})

    sender, subject, return_path = env["sender"], env["subject"], env["return_path"]
    if reason := own_reason(sender, config):
        return done(MessageKind.OWN, reason)
    if reason := bounce_reason(msg, sender, env["sender_name"], return_path, subject, leaves):
        ids, recipients = bounce_details(msg, raw, leaves, body_text)
        return done(MessageKind.BOUNCE, reason, bounced_ids=ids, bounced_recipients=recipients)
    if reason := auto_reason(msg, return_path, subject):
        return done(MessageKind.AUTO_REPLY, reason)

    answered = next((i for i in env["in_reply_to"] if is_bot_message_id(i, config)), None)
    answering_bot = answered is not None or env["plus_token"] is not None
    command = parse_command(new_text) if answering_bot or subject_refs else None
    if command is not None:
        why = (f"reply: answers bot message {answered}" if answered else
               "reply: sent to the bot's reply address" if answering_bot else
               f"reply: subject names {subject_refs[0]} and the reply starts with a command")
        return done(MessageKind.REPLY, why, command=command)
    internal = bool(sender) and config.is_internal(sender)
    if not internal and (reason := ola_reason(sender, subject, body_text, config)):
        return done(MessageKind.OLA_NOTIFICATION, reason)

    words = [x for x in leaves if _is_docx(x)]
    # quotes are all cut only from a direct answer to the bot: its plus address, or an
    # In-Reply-To naming a bot id; a bot-pattern id further up the References (a
    # colleague forwarding a thread) must not hide the form they forward (issue 10)
    parent = mime.message_ids(" ".join(mime.raw_headers(msg, "In-Reply-To")))
    direct = env["plus_token"] is not None or any(is_bot_message_id(i, config) for i in parent)
    cutter = quote_cutter(config, direct)
    refs = tuple(subject_refs + find_refs(new_text, config))

    def candidates() -> Iterator[tuple[Source, list[Block]]]:
        if internal:   # Word files from outside are never opened (see decisions-reading.md)
            for leaf in words:
                blocks = docx_blocks(mime.payload_bytes(leaf.part))
                if blocks:
                    yield "docx", blocks
        if html_parsed:
            yield "html", cut_quoted(html_parsed, cutter)
        if plain.strip():
            yield "text", cut_quoted([Para(tuple(plain.split("\n")))], cutter)

    found = find_form(candidates(), config, refs)
    if found is not None:
        ref = f" on {found.reading.form.reference}" if found.reading.form.reference else ""
        return done(found.kind, f"form: {found.kind.value}{ref} read from the "
                    f"{found.reading.source} ({len(found.reading.problems)} problems)",
                    form=found.reading)
    if answering_bot:
        return done(MessageKind.REPLY, f"reply: answers the bot ({answered or 'reply address'}) "
                    "but starts with no command")
    return done(MessageKind.NOT_FORM, _not_form_why(words, internal, env["unsupported"]))


def _not_form_why(words: list[mime.Leaf], internal: bool, unsupported: tuple[str, ...]) -> str:
    if words and not internal:
        return "not-form: a Word attachment from outside the organisation (not opened)"
    if words:
        return "not-form: the Word attachment is not an alert form"
    if unsupported:
        kinds = sorted({name.rsplit(".", 1)[-1].lower() for name in unsupported})
        return f"not-form: only attachments that cannot be read (.{', .'.join(kinds)})"
    return "not-form: no alert form, reply or notification found"


def _is_docx(leaf: mime.Leaf) -> bool:
    return leaf.filename.lower().endswith(".docx") or leaf.content_type == _DOCX_TYPE


def _envelope(msg: Message, sha: str, config: Config) -> dict[str, Any]:
    ids = mime.message_ids(mime.header(msg, "Message-ID"))
    senders = mime.addresses(msg, "From")
    name, sender = senders[0] if senders else ("", "")
    return_path = mime.header(msg, "Return-Path")
    # raw: ids need no decoding, and a long References must not be cut short
    replied = mime.message_ids(" ".join(mime.raw_headers(msg, "In-Reply-To")))
    references = mime.message_ids(" ".join(mime.raw_headers(msg, "References")))
    return {
        "message_id": ids[0] if ids else f"no-id-{sha[:16]}",
        "sha256": sha,
        "sender": sender,
        "sender_name": name,
        "on_behalf": identity.on_behalf(msg, sender),
        "address_problems": identity.address_problems(msg),
        "return_path": None if return_path is None else return_path.strip(" <>").lower(),
        "to": tuple(a for _, a in mime.addresses(msg, "To") if a),
        "cc": tuple(a for _, a in mime.addresses(msg, "Cc") if a),
        "subject": " ".join((mime.header(msg, "Subject") or "").split()),
        "date": _date(mime.header(msg, "Date")),
        "in_reply_to": tuple(dict.fromkeys(replied + references[::-1])),
        "auth_results": tuple(parse_auth_results(v)
                              for v in mime.raw_headers(msg, "Authentication-Results")),
        "plus_token": _plus_token(msg, config),
    }


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _plus_token(msg: Message, config: Config) -> str | None:
    """TOKEN from `bot+TOKEN@domain` in To/Cc, as written (tokens may carry case)."""
    local, _, domain = config.organisation.bot_address.partition("@")
    pattern = re.compile(rf"(?<![\w.+-]){re.escape(local)}\+([A-Za-z0-9._=-]+)@{re.escape(domain)}",
                         re.I)
    for name in ("To", "Cc"):
        for value in mime.headers(msg, name):
            m = pattern.search(value)
            if m:
                return m.group(1)
    return None
