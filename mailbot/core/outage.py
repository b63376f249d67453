"""Outages: when to tell the unit a mailbox cannot be read or mail is not going out.

Pure: the shell (mailbot.service.heartbeat) hands over what it watched (each
trouble's start, its last error, whether it was told) and `now`; this returns the
mail to send and what is now told. A trouble is told once, when it has lasted
`operations.alert_after`, and once more when it is over; each notice's Message-ID
is made from the trouble and the moment it began, so the outbox (which never
sends one id twice) keeps a restart from telling it again.

Notices name mailboxes, times and counts: never an alert's child.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mailbot.core import ids
from mailbot.core.config import Config
from mailbot.core.values.mail import Outgoing, Recipient

NOTICE = "outage_notice"
OVER = "outage_over"
OUTBOX = "outbox"


@dataclass(frozen=True)
class Trouble:
    """One thing that can fail: `mailbox:NAME` or `outbox`. `since` is when it began
    (None: all is well); `told` the `since` of the outage the unit was told of."""

    key: str
    since: datetime | None = None
    error: str = ""
    unsent: int = 0          # the outbox's count of unsent messages
    told: datetime | None = None

    @property
    def mailbox(self) -> str | None:
        return self.key.partition(":")[2] if self.key.startswith("mailbox:") else None


@dataclass(frozen=True)
class Notice:
    """What `decide` found: the mail, and a line for the log (ERROR when it begins)."""

    outgoing: Outgoing
    began: bool
    log: str


def decide(troubles: dict[str, Trouble], config: Config, now: datetime
           ) -> tuple[dict[str, Trouble], list[Notice]]:
    """The troubles with `told` brought up to date, and the notices that go with it."""
    after = config.operations.alert_after.fixed
    updated: dict[str, Trouble] = {}
    notices: list[Notice] = []
    for key, trouble in troubles.items():
        if trouble.since is not None and trouble.told != trouble.since and \
                now - trouble.since >= after:
            notices.append(_began(trouble, config, now))
            trouble = replace(trouble, told=trouble.since)
        elif trouble.since is None and trouble.told is not None:
            notices.append(_over(trouble, config, now))
            trouble = replace(trouble, told=None)
        updated[key] = trouble
    return updated, notices


def lasted(length: timedelta) -> str:
    """`47 minutes`, `3 hours 5 minutes`, `2 days 4 hours`: how long, in words."""
    minutes = max(0, int(length.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour")] if days else [(hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(words) or "less than a minute"


def recipients(config: Config) -> tuple[Recipient, ...]:
    """The holders of `operations.alert_to`, each address once."""
    found: dict[str, Recipient] = {}
    for role in config.operations.alert_to:
        key = config.county.get(role)
        if key is None or key not in config.people:
            continue
        person = config.person(key)
        found.setdefault(person.email, Recipient(name=person.name, email=person.email, role=role))
    return tuple(found.values())


def _what(trouble: Trouble, config: Config) -> str:
    name = trouble.mailbox
    if name is None:
        return "the outbox (mail waiting to be sent)"
    address = config.mailboxes.get(name, {}).get("address")
    return f"the mailbox {name!r}" + (f" ({address})" if address else "")


def _context(trouble: Trouble, config: Config, since: datetime, now: datetime,
             reason: str) -> dict[str, object]:
    return {"ref": None, "initials": "?", "rule": "", "reason": reason,
            "kind": "mailbox" if trouble.mailbox is not None else OUTBOX,
            "mailbox": trouble.mailbox or "", "what": _what(trouble, config),
            "since": since.isoformat(), "at": now.isoformat(), "lasted": lasted(now - since),
            "error": trouble.error[:300], "unsent": trouble.unsent}


def _outgoing(purpose: str, trouble: Trouble, config: Config, since: datetime,
              subject: str, context: dict[str, object]) -> Outgoing:
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    key = f"{trouble.key}-{since:%Y%m%dT%H%M%S}"
    return Outgoing(message_id=ids.message_id(None, purpose, key, domain), purpose=purpose,
                    to=recipients(config), subject=subject, context=context, sensitive=False,
                    rule="OPS", urgent=True)


_REASON = ("you are told when the alerts system cannot read a mailbox or send its mail "
           "for longer than {after}.")


def _began(trouble: Trouble, config: Config, now: datetime) -> Notice:
    assert trouble.since is not None
    reason = _REASON.format(after=lasted(config.operations.alert_after.fixed))
    context = _context(trouble, config, trouble.since, now, reason)
    if trouble.mailbox is not None:
        subject = f"Alerts system: the mailbox {trouble.mailbox} cannot be read"
        log = (f"outage: mailbox {trouble.mailbox} not read since {trouble.since.isoformat()} "
               f"({context['lasted']}): {trouble.error}")
    else:
        subject = f"Alerts system: {trouble.unsent} message(s) not sent"
        log = (f"outage: {trouble.unsent} message(s) unsent in the outbox, the oldest since "
               f"{trouble.since.isoformat()} ({context['lasted']}): {trouble.error}")
    out = _outgoing(NOTICE, trouble, config, trouble.since, subject, context)
    return Notice(outgoing=out, began=True, log=log)


def _over(trouble: Trouble, config: Config, now: datetime) -> Notice:
    assert trouble.told is not None
    reason = _REASON.format(after=lasted(config.operations.alert_after.fixed))
    context = _context(trouble, config, trouble.told, now, reason)
    if trouble.mailbox is not None:
        subject = f"Alerts system: the mailbox {trouble.mailbox} is read again"
        log = f"outage over: mailbox {trouble.mailbox} read again ({context['lasted']})"
    else:
        subject = "Alerts system: mail is being sent again"
        log = f"outage over: the outbox is sending again ({context['lasted']})"
    out = _outgoing(OVER, trouble, config, trouble.told, subject, context)
    return Notice(outgoing=out, began=False, log=log)
