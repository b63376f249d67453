"""The hostile-message harness (issue 10): a message arrives, and exactly one outcome.

Each case sets up alerts through the real service (real TinyDB store, real
templates, Maildir in, file sender out), then delivers ONE hostile message and
checks what it must: the store's alerts byte-for-byte unchanged unless the case
is an allowed action; at most one answer to the sender (none to anyone outside
the council); nothing sent outside the directory or the council.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Literal

from mailbot.core.values.mail import Outgoing
from tests.workflow.conftest import Bot, form_body

Outcome = Literal["allowed", "refused", "asked", "recorded", "ignored"]

SM = "sue.manager@kent.test"          # area Service Manager for Thanet (east): the C8 step
DEPUTY = "sm.south@kent.test"         # sol.south, Sue's deputy
TM = "tara.manager@kent.test"         # the C8 form's team manager, who sends it
SW = "sam.worker@kent.test"           # the C8 form's social worker
AD_WEST = "ad.west@kent.test"         # a director of another area: on nothing here
PDO = "pdo.east@kent.test"            # the unit's PDO for the area
NOSY = "nosy.colleague@kent.test"     # at the council's domain, in no directory
OUTSIDER = "someone@elsewhere.example"
BOT = "safeguardingunitalerts@kent.test"


@dataclass(frozen=True)
class Attack:
    raw: bytes
    sender: str                 # who will hear back, if anyone
    mailbox: str = "unit"


Build = Callable[[Bot], Attack]


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    outcome: Outcome
    build: Build
    check: Callable[[Bot], None] | None = None

    def __str__(self) -> str:
        return self.name


def alerts_json(bot: Bot) -> str:
    store = bot.service.store
    state = store.load()
    return json.dumps({ref: json.loads(a.model_dump_json()) for ref, a in sorted(state.alerts.items())},
                      sort_keys=True)


def alerts_shape(bot: Bot) -> str:
    """The alerts without their log counters: what a recorded event may change."""
    data = json.loads(alerts_json(bot))
    for alert in data.values():
        alert.pop("event_seq", None)
        alert.pop("updated_at", None)
    return json.dumps(data, sort_keys=True)


def run(bot: Bot, case: Case) -> list[Outgoing]:
    """Deliver the case's message; check its outcome; return what it made the bot send."""
    attack = case.build(bot)
    before, shape, sent_before = alerts_json(bot), alerts_shape(bot), len(bot.record.sent)
    bot.deliver(attack.raw, attack.mailbox)
    new = [o for _, o in bot.record.sent[sent_before:]]
    answers = [o for o in new if any(r.email == attack.sender for r in o.to)]
    after = alerts_json(bot)
    cfg = bot.config
    outside = [r.email for o in new for r in (*o.to, *o.cc, *o.bcc)
               if not cfg.is_internal(r.email) and r.email not in cfg.cascade.custodians]
    assert outside == [], f"{case}: mail left the council for {outside}"
    if case.outcome == "allowed":
        assert after != before, f"{case}: an allowed action changed nothing"
    elif case.outcome == "recorded":
        assert alerts_shape(bot) == shape, f"{case}: it must be recorded only, yet the alert moved"
        assert new == [], f"{case}: a recorded message must send nothing, sent {new}"
    else:
        assert after == before, f"{case}: the alerts changed on a message that must not act"
    if case.outcome == "asked":
        assert len(answers) == 1, f"{case}: the sender must be asked once, got {len(answers)}"
    elif case.outcome in ("ignored",):
        assert new == [], f"{case}: an automatic or unprovable message must never be answered"
    elif case.outcome == "refused":
        limit = 1 if cfg.is_internal(attack.sender) else 0
        assert len(answers) <= limit, f"{case}: {len(answers)} answers (at most {limit})"
        assert len(new) == len(answers), f"{case}: a refusal told someone else: {new}"
    if case.check is not None:
        case.check(bot)
    return new


# -- building messages ------------------------------------------------------------


def raw_mail(bot: Bot, sender: str, subject: str, body: str, *, to: str = BOT,
             headers: dict[str, str] | None = None, top: str = "") -> bytes:
    """A message as a client writes it; `top` goes above everything (a server's stamp)."""
    mail = bot.email(sender, subject, body, to=to, headers=headers)
    return top.encode() + mail


def c8(bot: Bot, **changes: str | None) -> str:
    ref = bot.send_form("C8", **changes)
    assert ref is not None
    return ref


def reply_to_request(bot: Bot, ref: str, text: str, *, sender: str | None = None,
                     who: str = SM, purpose: str = "approval_request",
                     subject: str | None = None, headers: dict[str, str] | None = None,
                     plus: bool = True, in_reply_to: str | None = None, top: str = "") -> bytes:
    """A reply to the latest request `who` was sent on `ref`, Outlook-style."""
    request = bot.request(who, ref, purpose)
    to = f"safeguardingunitalerts+{request.reply_token}@kent.test" if plus and request.reply_token \
        else BOT
    parent = in_reply_to or request.message_id
    quoted = (f"\r\n\r\nFrom: Safeguarding Unit Alerts <{BOT}>\r\nSent: {format_datetime(bot.now)}"
              f"\r\nTo: {who}\r\nSubject: {request.subject}\r\n\r\nReply APPROVE or RETURN\r\n")
    return raw_mail(bot, sender or f"Sue Manager <{SM}>", subject or f"RE: {request.subject}",
                    text + quoted, to=to, top=top,
                    headers={"In-Reply-To": f"<{parent}>", "References": f"<{parent}>",
                             **(headers or {})})


def update_form(bot: Bot, sender: str, ref: str, body: str, *, top: str = "",
                headers: dict[str, str] | None = None) -> bytes:
    return raw_mail(bot, sender, f"RE: [{ref}] update", f"Alert reference: {ref}\r\n{body}",
                    top=top, headers=headers)


def new_form(bot: Bot, sender: str, category: str = "C8", *, top: str = "",
             headers: dict[str, str] | None = None, **changes: str | None) -> bytes:
    return raw_mail(bot, sender, f"Alert {category}", form_body(category, **changes), top=top,
                    headers=headers)


DEALERT = "Alert type: De-alert\r\nSummary of concern: closing it"
FOUND = "Alert type: Updated alert\r\nDate and time found: 16/11/2026 08:30"
UPDATE = "Alert type: Updated alert\r\nSummary of concern: Seen near the station, police told."
FAIL = {k: f"Authentication-Results: mx.kent.test; {k}=fail header.from=kent.test\r\n"
        for k in ("dmarc", "spf", "dkim")}
