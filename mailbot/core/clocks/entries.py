"""One calendar entry per deadline (issue 11): its stable UID, the SEQUENCE that goes up
each time it is sent, and the CANCEL once the deadline is met or no longer needed.

A deadline is a waiting step (`wait key`: the step and its attempt, so a step asked
again after a return is a new deadline) or a named clock (`clock:<name>`). Every
message about a deadline carries the entry, so Outlook offers "add to calendar"
once and updates it in place (RFC 5546: same UID, higher SEQUENCE, METHOD:REQUEST
with the bot as organiser and no answer requested). When the step is answered,
handed back or the alert closed, `settle` sends those who had it a CANCEL in a mail
of its own (docs/decisions.md, "One calendar entry per deadline").
"""

from __future__ import annotations

import re
from datetime import datetime

from mailbot.core import ids
from mailbot.core.config import Config
from mailbot.core.values.alert import Alert, Wait
from mailbot.core.values.mail import CalendarEntry, Outgoing, Recipient
from mailbot.core.values.state import Decision, State, changed_keys, with_alerts

# the messages that are about a waiting step's deadline, and carry its entry
STEP_MAIL = frozenset({"approval_request", "task_request", "reminder"})
# a named clock's entry stands while any of these of the alert's timers remain
CLOCK_TIMERS = {"return_interview": "T-72H"}
CLOCK_WORDS = {"return_interview": "return interview due",
               "national_lapse_warning": "national alert lapses",
               "national_reissue": "national alert re-issue due"}


def wait_key(wait: Wait) -> str:
    return f"{wait.id}.{wait.attempt}"


def clock_key(name: str) -> str:
    return f"clock:{name}"


def uid(ref: str, key: str, domain: str) -> str:
    """Stable for the deadline: the alert and the step or clock, never the message."""
    safe = re.sub(r"[^a-z0-9._-]+", "-", key.lower())
    return f"{ref.lower()}.{safe}.deadline@{domain}"


def summary(alert: Alert, config: Config, key: str) -> str:
    """A few words for the diary: reference, initials, what is due. Never a name."""
    head = f"{alert.ref} ({alert.initials})"
    if key.startswith("clock:"):
        name = key.removeprefix("clock:")
        return f"{head}: {CLOCK_WORDS.get(name, name.replace('_', ' '))}"
    wait = next((w for w in alert.waits if wait_key(w) == key), None)
    if wait is None:
        return f"{head}: deadline"
    if wait.kind == "task":
        return f"{head}: task due"
    title = config.roles[wait.role].title if wait.role in config.roles else ""
    return f"{head}: {title}'s answer due" if title else f"{head}: answer due"


def stamp(alert: Alert, config: Config, key: str, at: datetime, to: list[Recipient],
          domain: str) -> tuple[Alert, CalendarEntry]:
    """The entry for one more message about deadline `key`: SEQUENCE 0 the first time,
    one more each time after; everyone it has gone to stays an attendee."""
    before = alert.calendar.get(key)
    emails = [r.email.lower() for r in to if config.is_internal(r.email)]
    attendees = tuple(dict.fromkeys([*(before.attendees if before else ()), *emails]))
    # a deadline set again after its CANCEL (a clock restarted) goes on from the CANCEL's
    sequence = before.sequence + 1 if before is not None else 0
    entry = CalendarEntry(uid=uid(alert.ref, key, domain), sequence=sequence, method="REQUEST",
                          at=at, summary=summary(alert, config, key), attendees=attendees)
    return alert.model_copy(update={"calendar": {**alert.calendar, key: entry}}), entry


def standing(alert: Alert, key: str) -> bool:
    """Whether the deadline behind an entry still stands."""
    if alert.status == "closed":
        return False
    if key.startswith("clock:"):
        rule = CLOCK_TIMERS.get(key.removeprefix("clock:"))
        return rule is None or any(c.rule == rule for c in alert.clocks)
    if key.startswith("message:"):   # a one-off entry: it stands while the alert is open
        return True
    return any(wait_key(w) == key for w in alert.waits)


def settle(before: State, decision: Decision, config: Config) -> Decision:
    """CANCEL every entry whose deadline went in this decision, to all who had it."""
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    cancelled: dict[str, Alert] = {}
    outgoing = list(decision.outgoing)
    for ref in changed_keys(before.alerts, decision.state.alerts):
        alert = decision.state.alerts[ref]
        if not alert.calendar:
            continue
        gone = [k for k, e in alert.calendar.items() if e.method == "REQUEST"
                and not standing(alert, k)]
        for key in gone:
            alert, out = _cancel(alert, config, key, domain)
            if out is not None:
                outgoing.append(out)
        if gone:
            cancelled[ref] = alert
    if not cancelled:
        return decision
    return decision.model_copy(update={"state": decision.state.model_copy(
        update={"alerts": with_alerts(decision.state.alerts, cancelled)}),
        "outgoing": tuple(outgoing)})


def _cancel(alert: Alert, config: Config, key: str, domain: str) -> tuple[Alert, Outgoing | None]:
    entry = alert.calendar[key]
    cancelled = entry.model_copy(update={"sequence": entry.sequence + 1, "method": "CANCEL"})
    alert = alert.model_copy(update={"calendar": {**alert.calendar, key: cancelled}})
    to = [_recipient(config, email) for email in entry.attendees]
    if not to:
        return alert, None
    why = ("the alert has been closed" if alert.status == "closed" else
           "the return interview has been recorded" if key == clock_key("return_interview") else
           "it has been answered, or is no longer needed")
    what = entry.summary.split(": ", 1)[-1]
    context = {"ref": alert.ref, "initials": alert.initials, "rule": "",
               "reason": f"You had a calendar entry for a deadline on alert {alert.ref}.",
               "what": what, "due_at": entry.at.isoformat(), "why": why}
    out = Outgoing(
        message_id=ids.message_id(alert.ref, "calendar_cancel", f"{key}-{cancelled.sequence}",
                                  domain, installation=config.installation),
        purpose="calendar_cancel", to=tuple(to), ref=alert.ref,
        subject=f"[{alert.ref}] No longer due ({alert.initials}): calendar entry cancelled",
        context=context, sensitive=False, calendar=cancelled, rule="T-QA",
        urgent=config.categories[alert.category].priority_one)
    return alert, out


def _recipient(config: Config, email: str) -> Recipient:
    key = config.person_by_email(email)
    name = config.people[key].name if key and key in config.people else email
    return Recipient(name=name, email=email)
