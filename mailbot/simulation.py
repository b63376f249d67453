"""A bot on a simulated clock: the demo's engine and the tests' harness.

It drives the real service (real store, real templates, Maildir in, file
sender out) and plays the people: forms arrive, managers reply to what they
were sent, and the clock jumps from one deadline to the next, ticking at each.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from mailbot.core.values.mail import Incoming, Outgoing
from mailbot.core.values.state import Decision
from mailbot.service.bootstrap import DEFAULT_CONFIG, bootstrap

_ids = itertools.count(1)


@dataclass
class SimClock:
    t: datetime

    def now(self) -> datetime:
        return self.t


@dataclass
class Record:
    """Everything the service decided, in order, for the timeline and for tests."""

    decisions: list[tuple[datetime, Decision, Incoming | None]] = field(default_factory=list)

    def observe(self, now: datetime, decision: Decision, incoming: Incoming | None) -> None:
        self.decisions.append((now, decision, incoming))

    @property
    def sent(self) -> list[tuple[datetime, Outgoing]]:
        return [(t, o) for t, d, _ in self.decisions for o in d.outgoing]

    def to(self, email: str, purpose: str | None = None, ref: str | None = None) -> list[Outgoing]:
        return [o for _, o in self.sent if any(r.email == email for r in (*o.to, *o.cc))
                and (purpose is None or o.purpose == purpose) and (ref is None or o.ref == ref)]

    def events(self, ref: str | None = None) -> list[Any]:
        return [e for _, d, _ in self.decisions for e in d.events if ref is None or e.ref == ref]


class Simulation:
    def __init__(self, state: Path, start: datetime, *, config: Any = None,
                 observers: list[Callable[[datetime, Decision, Incoming | None], None]] | None = None
                 ) -> None:
        self.clock = SimClock(start)
        self.service = bootstrap(config or DEFAULT_CONFIG, state, clock=self.clock)
        self.config = self.service.config
        self.record = Record()
        self.service.observers.append(self.record.observe)
        for observer in observers or []:
            self.service.observers.append(observer)

    def close(self) -> None:
        self.service.store.close()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def at(self, when: datetime) -> None:
        """Move the clock to `when`, ticking at every deadline on the way."""
        while True:
            nxt = self.service.next_due()   # the alerts' clocks and the register's
            if nxt is None or nxt > when:
                break
            self.clock.t = max(self.clock.t, nxt)
            self.service.tick()
            self.service.flush()
        self.clock.t = max(self.clock.t, when)

    def deliver(self, raw: bytes, mailbox: str = "unit") -> None:
        # delivered at the simulated time, as the mail server would have: the time the
        # mailbox keeps is what `mailbot rebuild` replays by
        self.service.mailboxes[mailbox].deliver(raw, at=self.now)  # type: ignore[attr-defined]
        self.service.poll()
        self.service.flush()

    def email(self, sender: str, subject: str, body: str, *, to: str | None = None,
              headers: dict[str, str] | None = None) -> bytes:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        return (f"From: {sender}\r\nTo: {to or self.config.organisation.bot_address}\r\n"
                f"Subject: {subject}\r\nDate: {format_datetime(self.now)}\r\n"
                f"Message-ID: <sim.{next(_ids)}.{int(self.now.timestamp())}@kent.test>\r\n"
                f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                f"{body}\r\n").encode()

    def request(self, who: str, ref: str, purpose: str = "approval_request") -> Outgoing:
        asked = self.record.to(who, purpose, ref)
        if not asked:
            raise LookupError(f"nothing of kind {purpose} was sent to {who} on {ref}")
        return asked[-1]

    def answer(self, who: str, ref: str, text: str, *, purpose: str = "approval_request",
               mailbox: str = "unit", sender: str | None = None, quote: bool = True) -> None:
        """`who` replies to the latest request sent to them on `ref`, as Outlook would:
        the answer on top, the request quoted below in a From:/Sent: block."""
        request = self.request(who, ref, purpose)
        bot = self.config.organisation.bot_address
        local_part, domain = bot.split("@")
        reply_to = f"{local_part}+{request.reply_token}@{domain}" if request.reply_token else bot
        quoted = (f"\r\n\r\nFrom: {self.config.organisation.bot_name} <{bot}>\r\n"
                  f"Sent: {format_datetime(self.now)}\r\nTo: {who}\r\n"
                  f"Subject: {request.subject}\r\n\r\nReply APPROVE, RETURN ...\r\n") if quote else ""
        raw = self.email(sender or who, f"RE: {request.subject}", text + quoted, to=reply_to,
                         headers={"In-Reply-To": f"<{request.message_id}>",
                                  "References": f"<{request.message_id}>"})
        self.deliver(raw, mailbox)

    def update(self, sender: str, ref: str, body: str) -> None:
        self.deliver(self.email(sender, f"RE: [{ref}] update",
                                f"Alert reference: {ref}\r\n{body}"))

    def form(self, path: Path | str) -> None:
        self.deliver(Path(path).read_bytes())
