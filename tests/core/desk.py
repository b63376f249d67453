"""Plain values for driving the pure core: mail as bytes, read by `read_message`,
decided by `handle` and `due`, with a fixed `now`. No store, no files, no templates."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.utils import format_datetime

from mailbot.core import on_tick
from mailbot.core.config import Config
from mailbot.core.context import Ctx
from mailbot.core.intake.mail.read import read_message
from mailbot.core.on_message import handle
from mailbot.core.values.mail import Outgoing
from mailbot.core.values.state import Decision, State
from tests.core.forms import form_body

# Monday 16 November 2026, 09:00 GMT: the working day opens; the C8 child has been
# missing since Sunday 16:00, the C7 family since Monday 9 November 10:00.
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
SECRET = b"tests/core: not a real secret"
FIRST = "KA-2026-0001"
TEAM_MANAGER = "Tara Manager <tara.manager@kent.test>"    # submits the C8 form
_message_ids = itertools.count(1)


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def ctx(now: datetime = NOW) -> Ctx:
    return Ctx(now=now, secret=SECRET)


def mail(sender: str, subject: str, body: str, *, now: datetime = NOW,
         headers: dict[str, str] | None = None, to: str = "safeguardingunitalerts@kent.test") -> bytes:
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(now)}\r\n"
            f"Message-ID: <core.{next(_message_ids)}@kent.test>\r\n{extra}"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n").encode()


def arrive(state: State, raw: bytes, config: Config, now: datetime = NOW) -> Decision:
    """A message arrives at `now`: read, then decided."""
    return handle(state, read_message(raw, config), config, ctx(now))


def tick(state: State, config: Config, now: datetime) -> Decision:
    return on_tick.due(state, config, ctx(now))


def new_form(state: State, config: Config, category: str,
             changes: dict[str, str | None] | None = None, *, sender: str = TEAM_MANAGER,
             now: datetime = NOW) -> Decision:
    """A new alert form of `category` (`tests.core.forms`), with `changes` by label."""
    return arrive(state, mail(sender, f"Alert {category}", form_body(category, changes),
                              now=now), config, now)


def answer(state: State, request: Outgoing, text: str, config: Config, *, sender: str,
           now: datetime = NOW) -> Decision:
    """`sender` replies to `request` as a mail client would: In-Reply-To its Message-ID."""
    return arrive(state, mail(sender, f"RE: {request.subject}", text, now=now,
                              headers={"In-Reply-To": f"<{request.message_id}>",
                                       "References": f"<{request.message_id}>"}),
                  config, now)


def update(state: State, config: Config, ref: str, body: str, *, sender: str = TEAM_MANAGER,
           now: datetime = NOW) -> Decision:
    """An updated alert (or a de-alert) on `ref`."""
    return arrive(state, mail(sender, f"RE: [{ref}] update", f"Alert reference: {ref}\r\n{body}",
                              now=now), config, now)


def sent(decision: Decision, purpose: str, to: str | None = None) -> list[Outgoing]:
    """What the decision sends of `purpose`, to `to` when given."""
    return [o for o in decision.outgoing if o.purpose == purpose
            and (to is None or to in {r.email for r in o.to})]


def request(decision: Decision, to: str, purpose: str = "approval_request") -> Outgoing:
    """The one request of `purpose` the decision sends to `to`."""
    found = sent(decision, purpose, to)
    assert len(found) == 1, f"expected one {purpose} to {to}, the decision sent " \
        f"{[(o.purpose, [r.email for r in o.to]) for o in decision.outgoing]}"
    return found[0]
