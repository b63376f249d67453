"""The bot and its people on the real mail stack: issue 3's acceptance tests.

* `County`: the shipped routing.yaml with every `@kent.test` address given a tag
  of its own (`sue.manager-e3@kent.test`), so tests sharing the session's
  Dovecot never read each other's mail. Its `mailboxes:` watch the unit and MIU
  inboxes over IMAP and its `sender:` sends over SMTP with a sent copy, exactly
  as an administrator would write them (secrets as `env:MAILBOT_TEST_PW`).
* `People`: the staff. They send forms by SMTP, read what the bot sent them in
  their own IMAP mailbox and reply as a mail program does: to the Reply-To
  address, quoting the request's Message-ID in In-Reply-To and References.
* `LiveBot`: the real service in-process (real store, templates, IMAP, SMTP) on
  a clock the test moves, for the deadlines (T-48H, T-NAT-3W).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import yaml

from mailbot.core import on_tick
from mailbot.core.values.alert import Alert
from mailbot.service.bootstrap import bootstrap
from mailbot.service.service import Service
from mailbot.simulation import SimClock
from tests.support.mailstack import DOMAIN, MailStack
from tests.workflow.conftest import form_body

ROOT = Path(__file__).resolve().parents[2]
PASSWORD_ENV = "MAILBOT_TEST_PW"
_tags = itertools.count(1)
_ADDRESS = re.compile(rf"^([^@\s]+)@{re.escape(DOMAIN)}$")


def retag(value: Any, tag: str) -> Any:
    """Every `local@kent.test` in a parsed routing.yaml becomes `local-TAG@kent.test`."""
    if isinstance(value, dict):
        return {k: retag(v, tag) for k, v in value.items()}
    if isinstance(value, list):
        return [retag(v, tag) for v in value]
    if isinstance(value, str) and (m := _ADDRESS.match(value)):
        return f"{m.group(1)}-{tag}@{DOMAIN}"
    return value


@dataclass
class County:
    """One test's routing.yaml and state folder, with addresses of its own."""

    stack: MailStack
    folder: Path
    tag: str
    data: dict[str, Any]

    @classmethod
    def create(cls, stack: MailStack, folder: Path, *, mailboxes: Iterable[str] = ("unit", "miu"),
               resend_grace: str = "0.1m",
               edit: Callable[[dict[str, Any]], None] | None = None) -> County:
        """`resend_grace` 6 s: loopback Postfix files a sent copy within a second."""
        tag = f"e{next(_tags)}"
        data = retag(yaml.safe_load((ROOT / "routing.yaml").read_text()), tag)
        county = cls(stack, folder, tag, data)
        bot = data["organisation"]["bot_address"]
        addresses = {"unit": bot, "miu": data["people"]["miu"]["email"]}
        data["mailboxes"] = {name: county.imap(addresses[name]) for name in mailboxes}
        local, _, domain = bot.partition("@")
        data["sender"] = {
            "backend": "smtp", "host": stack.host, "port": stack.smtp_port, "security": "none",
            "username": bot, "password": f"env:{PASSWORD_ENV}", "timeout": 10,
            "resend_grace": resend_grace,
            "sent_copy": {**county.imap(f"{local}+Sent@{domain}"), "username": bot,
                          "folders": ["Sent"]},
        }
        del data["sender"]["sent_copy"]["backend"]
        if edit is not None:
            edit(data)
        folder.mkdir(parents=True, exist_ok=True)
        county.config_path.write_text(yaml.safe_dump(data, sort_keys=False))
        return county

    def imap(self, address: str) -> dict[str, Any]:
        return {"backend": "imap", "address": address, "host": self.stack.host,
                "port": self.stack.imap_port, "username": address,
                "password": f"env:{PASSWORD_ENV}", "security": "none", "timeout": 10}

    @property
    def config_path(self) -> Path:
        return self.folder / "routing.yaml"

    @property
    def state(self) -> Path:
        return self.folder / "state"

    @property
    def bot(self) -> str:
        return str(self.data["organisation"]["bot_address"])

    @property
    def miu(self) -> str:
        return str(self.data["people"]["miu"]["email"])

    def email(self, local: str) -> str:
        """`sue.manager` -> this county's `sue.manager-e3@kent.test`."""
        return f"{local}-{self.tag}@{DOMAIN}"

    def person(self, key: str) -> str:
        return str(self.data["people"][key]["email"])

    def form(self, category: str, **changes: str | None) -> str:
        """The workflow tests' form, its social worker and team manager in this county."""
        body = form_body(category, **changes)
        return re.sub(rf"<([^<>@\s]+)@{re.escape(DOMAIN)}>",
                      lambda m: f"<{self.email(m.group(1))}>", body)


# -- the people ------------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def purpose(message: EmailMessage) -> str:
    return str(message.get("X-Mailbot-Purpose", ""))


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return body.get_content() if body is not None else ""


class People:
    def __init__(self, county: County) -> None:
        self.county = county
        self.stack = county.stack

    def send(self, sender: str, to: str, subject: str, body: str, *, name: str = "",
             headers: dict[str, str] | None = None, envelope_from: str | None = None) -> str:
        """A plain-text message by SMTP, as a mail program sends it; its Message-ID."""
        mid = make_msgid("staff", domain=DOMAIN)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        frm = f"{name} <{sender}>" if name else sender
        raw = (f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\n"
               f"Date: {format_datetime(datetime.now().astimezone())}\r\nMessage-ID: {mid}\r\n"
               f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               f"{body}\r\n").encode()
        self.stack.deliver(raw, parseaddr(to)[1], sender=envelope_from or sender)
        return mid.strip("<>")

    def send_form(self, sender: str, category: str, **changes: str | None) -> str:
        return self.send(sender, self.county.bot, f"Alert {category}",
                         self.county.form(category, **changes))

    def update(self, sender: str, ref: str, body: str) -> str:
        return self.send(sender, self.county.bot, f"RE: [{ref}] update",
                         f"Alert reference: {ref}\r\n{body}")

    def mail(self, who: str, *, kind: str | None = None, ref: str | None = None,
             folders: Iterable[str] = ("INBOX",), subject: str = "") -> list[EmailMessage]:
        """What the bot sent `who`, in the given folders, oldest first."""
        found = [parse(raw) for folder in folders
                 for raw in self.stack.mailbox_messages(who, folder)]
        return [m for m in found if (kind is None or purpose(m) == kind)
                and (ref is None or m.get("X-Mailbot-Ref") == ref)
                and subject in str(m.get("Subject", ""))]

    def wait_mail(self, who: str, kind: str | None, ref: str | None = None, *, count: int = 1,
                  folders: Iterable[str] = ("INBOX",), subject: str = "",
                  timeout: float = 10.0) -> list[EmailMessage]:
        """Wait for Postfix to deliver (it is asynchronous); at least `count` or fail."""
        folders = tuple(folders)
        deadline = time.monotonic() + timeout
        while True:
            found = self.mail(who, kind=kind, ref=ref, folders=folders, subject=subject)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{who} expected {count} x {kind} on {ref}, found {len(found)}; they have: "
                    f"{[(purpose(m), m['X-Mailbot-Ref']) for m in self.mail(who, folders=folders)]}")
            time.sleep(0.05)

    def reply(self, who: str, request: EmailMessage, text: str, *, sender: str | None = None,
              headers: dict[str, str] | None = None) -> str:
        """Answer on top, the request quoted below Outlook's From:/Sent: block; sent by
        SMTP to the Reply-To address with the request's id in In-Reply-To/References."""
        parent = str(request["Message-ID"]).strip()
        references = " ".join(x for x in (str(request.get("References", "")).strip(), parent) if x)
        quoted = "\r\n".join(f"> {line}" for line in text_of(request).splitlines()[:20])
        body = (f"{text}\r\n\r\nFrom: {request['From']}\r\nSent: {request['Date']}\r\n"
                f"To: {who}\r\nSubject: {request['Subject']}\r\n\r\n{quoted}")
        return self.send(sender or who, str(request.get("Reply-To") or request["From"]),
                         f"RE: {request['Subject']}", body,
                         headers={"In-Reply-To": parent, "References": references,
                                  **(headers or {})})

    def arrived(self, user: str, message_id: str, folder: str = "INBOX",
                timeout: float = 10.0) -> None:
        """Wait until `message_id` is in the user's folder (Postfix delivers in the background)."""
        deadline = time.monotonic() + timeout
        while not self.holds(user, message_id, folder):
            if time.monotonic() > deadline:
                raise AssertionError(f"{message_id} never reached {user} {folder}:\n"
                                     f"{self.stack.logs()[-2000:]}")
            time.sleep(0.03)

    def holds(self, user: str, message_id: str, folder: str = "INBOX") -> bool:
        client = self.stack.imap_client(user)
        try:
            if not client.folder_exists(folder):
                return False
            client.select_folder(folder, readonly=True)
            return bool(client.search(["HEADER", "Message-ID", f"<{message_id}>"]))
        finally:
            client.logout()


def ids_by_recipient(stack: MailStack, users: Iterable[str],
                     folders: Iterable[str] = ("INBOX",)) -> dict[str, list[str]]:
    """Each user's Message-IDs of mail the bot sent (it marks each with X-Mailbot-Purpose)."""
    found: dict[str, list[str]] = {}
    for user in users:
        ids: list[str] = []
        for folder in folders:
            for raw in stack.mailbox_messages(user, folder):
                message = parse(raw)
                if purpose(message):
                    ids.append(str(message["Message-ID"]).strip().strip("<>"))
        found[user] = ids
    return found


# -- the bot, in-process ---------------------------------------------------------------


class LiveBot:
    """The real service on the county's config, driven one pass at a time."""

    def __init__(self, county: County, start: datetime) -> None:
        self.county = county
        self.people = People(county)
        self.clock = SimClock(start)
        self.service: Service = bootstrap(county.config_path, county.state, clock=self.clock)

    def close(self) -> None:
        for mailbox in self.service.mailboxes.values():
            mailbox.close()
        self.service.store.close()

    def run(self) -> int:
        """One pass, as `mailbot once` does: read, act on what is due, send."""
        return self.service.once()

    def receive(self, message_id: str, mailbox: str = "unit") -> None:
        """Wait for the message to reach the watched inbox, then make a pass."""
        user = self.county.bot if mailbox == "unit" else self.county.miu
        self.people.arrived(user, message_id)
        self.run()
        assert not self.people.holds(user, message_id), f"{message_id} is still in the inbox"

    def at(self, when: datetime) -> None:
        """Move the clock to `when`, ticking and sending at every deadline on the way."""
        while True:
            nxt = on_tick.next_due(self.service.store.load(), self.service.config, self.clock.now())
            if nxt is None or nxt > when:
                break
            self.clock.t = max(self.clock.t, nxt)
            self.service.tick()
            self.service.flush()
        self.clock.t = max(self.clock.t, when)
        self.run()

    def alert(self, ref: str) -> Alert:
        store: Any = self.service.store
        found = store.load().alerts.get(ref) or store.archived_alert(ref)
        assert found is not None, f"no alert {ref}"
        return found

    def only_ref(self) -> str:
        refs = list(self.service.store.load().alerts)
        assert len(refs) == 1, refs
        return refs[0]
