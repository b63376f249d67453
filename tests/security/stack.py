"""The same World on the real Dovecot + Postfix stack (tests/mailstack/bot.py's county).

Each case gets a county of its own (every `@kent.test` address tagged, so cases
sharing the session's Dovecot never read each other's mail). A hostile message is
handed to Postfix by SMTP with its envelope sender; Dovecot adds Return-Path and
Delivered-To and files it (a plus address in the bot's INBOX); the bot reads it
over IMAP in one pass, as `mailbot once` does, and answers over SMTP.
"""

from __future__ import annotations

import re
from datetime import datetime
from email import message_from_bytes
from email.policy import compat32
from email.utils import getaddresses
from pathlib import Path

import yaml

from mailbot.simulation import Record
from tests.mailstack.bot import County, LiveBot
from tests.security.world import ConfigEdit, message_id_of, plainly_internal, sender_of
from tests.support.mailstack import DOMAIN, MailStack
from tests.workflow.conftest import MONDAY, form_body


class StackWorld:
    carries_envelope = True   # the server writes Return-Path from the SMTP envelope

    def __init__(self, stack: MailStack, folder: Path, *, edit: ConfigEdit | None = None) -> None:
        county = County.create(stack, folder)
        if edit is not None:
            edit(county.data, county.email)
            county.config_path.write_text(yaml.safe_dump(county.data, sort_keys=False))
        self.county = county
        self.stack = stack
        self.live = LiveBot(county, MONDAY)
        self.service = self.live.service
        self.config = self.service.config
        self.record = Record()
        self.service.observers.append(self.record.observe)

    def close(self) -> None:
        self.live.close()

    @property
    def now(self) -> datetime:
        return self.live.clock.now()

    def addr(self, local: str) -> str:
        return self.county.email(local)

    def person(self, key: str) -> str:
        return self.county.person(key)

    def form_text(self, category: str, **changes: str | None) -> str:
        """The form, its people given this county's addresses (those already given them kept)."""
        tag = f"-{self.county.tag}"
        return re.sub(rf"<([^<>@\s]+)@{re.escape(DOMAIN)}>",
                      lambda m: m.group(0) if m.group(1).endswith(tag) else f"<{self.addr(m.group(1))}>",
                      form_body(category, **changes))

    def deliver(self, raw: bytes, mailbox: str = "unit", envelope: str | None = None) -> None:
        headers = message_from_bytes(raw, policy=compat32)
        rcpts = [a for _, a in getaddresses([str(v) for v in (*headers.get_all("To", []),
                                                              *headers.get_all("Cc", []))]) if a]
        if envelope is None:
            frm = sender_of(raw)
            envelope = frm if frm and (plainly_internal(self.config, frm) or
                                       re.fullmatch(r"[\w.+-]+@[\w.-]+\.\w+", frm)) \
                else self.addr("tester")
        self.stack.deliver(raw, rcpts, sender=envelope)
        self.live.receive(message_id_of(raw), mailbox)

    def at(self, when: datetime) -> None:
        self.live.at(when)
