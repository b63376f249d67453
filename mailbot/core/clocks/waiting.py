"""The daily "waiting on you" mail (issue 11): one mail to a person with two or more
reminders or chasers due that working day, listing them all, instead of one each.

It goes at the day's "waiting on you" hour (`timers.waiting_on_you`, default the
start of working hours) and lists every step due by that day's close that was asked
before that hour; a step asked later that day is reminded on its own. A person with
one item due that day gets the single reminder as before. Each item carries its own
reply address (the step's plus-address token), so a reply answers one item; a reply
to the combined mail itself answers none, and its sender is asked which they meant
(`answer`). Priority One alerts are urgent and never wait for it; without plus
addressing an item cannot carry its own address, so nothing is combined.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from mailbot.core import ids
from mailbot.core.authority import refusal, sender_check
from mailbot.core.clocks import due, office_hours, reminders
from mailbot.core.config import Config, fingerprint
from mailbot.core.context import Ctx, Work
from mailbot.core.values.alert import Alert, Event, Wait
from mailbot.core.values.mail import Incoming, Outgoing, Recipient
from mailbot.core.values.state import Decision, State, marked, with_alerts

PURPOSE = "waiting_on_you"


@dataclass(frozen=True)
class Item:
    ref: str
    wait_id: str
    at: datetime                  # when its reminder or chaser goes, on its own
    asked_at: datetime
    to: tuple[Recipient, ...]     # who that reminder goes to


def items(state: State, config: Config, now: datetime, holidays: frozenset[date],
          *, before: datetime | None = None, asked_before: datetime | None = None,
          served: frozenset[str] = frozenset()) -> list[Item]:
    """Every reminder or chaser that may be combined: not urgent, in working hours,
    and a plain reminder (passing a step on, or stopping, goes on its own); only
    those going before `before` and asked before `asked_before`, when given (working
    hours only move a moment later, so the clock-alone time bounds it cheaply); none
    of an alert whose reminders go only to `served` (who have had the day's mail)."""
    found: list[Item] = []
    ctx = Ctx(now=now, secret=b"", holidays=holidays)
    marking = fingerprint.marking(config, holidays)
    for ref in state.alerts:
        # the clock-alone bound as a mark: an alert the store has not read is not read
        if before is not None and ((soon := marked(state.alerts, ref, due.SOONEST, marking))
                                   is None or soon >= before):
            continue
        if asked_before is not None and ((asked := marked(state.alerts, ref, due.ASKED, marking))
                                         is None or asked >= asked_before):
            continue
        if served and served.issuperset(marked(state.alerts, ref, reminders.REMINDED, marking)):
            continue
        alert = state.alerts[ref]
        if office_hours.urgent(alert, config):
            continue
        for wait in alert.waits:
            if asked_before is not None and wait.asked_at >= asked_before:
                continue
            when = due.nominal(alert, config, wait)
            if when is None or (before is not None and when >= before) or \
                    not office_hours.waits_for_office(alert, config, wait):
                continue
            work = Work(config, ctx, alert)
            if reminders.plan(work, wait) not in ("before", "chase"):
                continue
            found.append(Item(alert.ref, wait.id, due.moment(alert, config, wait, when, holidays),
                              wait.asked_at, tuple(reminders.recipients(work, wait))))
    return found


def combines(config: Config) -> bool:
    """Whether reminders are combined at all: switched on, and each item can carry its
    own reply address (plus addressing)."""
    return config.timers.waiting_on_you.enabled and config.organisation.plus_addressing


def groups(state: State, config: Config, now: datetime,
           holidays: frozenset[date]) -> dict[str, list[Item]]:
    """Whose "waiting on you" mail is owed at `now`, and what it lists."""
    if not combines(config):
        return {}
    day = office_hours.day_of(now, config)
    window = office_hours.day_window(day, config, holidays)
    if window is None or now < window[0]:
        return {}
    starts, closes = window
    by_person: dict[str, list[Item]] = defaultdict(list)
    served = frozenset(email for email, on in state.waiting_sent.items()
                       if on == day.isoformat())
    for item in items(state, config, now, holidays, before=closes, asked_before=starts,
                      served=served):
        if item.at < closes and item.asked_at < starts:
            for r in item.to:
                by_person[r.email.lower()].append(item)
    return {email: found for email, found in by_person.items()
            if len(found) >= 2 and state.waiting_sent.get(email) != day.isoformat()}


def next_moment(state: State, config: Config, now: datetime,
                holidays: frozenset[date]) -> datetime | None:
    """The next moment a "waiting on you" mail is owed (for sleeping and simulated clocks)."""
    if not combines(config):
        return None
    if groups(state, config, now, holidays):
        return now
    counts: dict[tuple[str, date], int] = defaultdict(int)
    starts: dict[date, datetime] = {}
    for item in items(state, config, now, holidays):
        day = office_hours.day_of(item.at, config)
        if day not in starts:
            window = office_hours.day_window(day, config, holidays)
            if window is None:
                continue
            starts[day] = window[0]
        if starts[day] <= now or item.asked_at >= starts[day]:
            continue
        for r in item.to:
            if state.waiting_sent.get(r.email.lower()) != day.isoformat():
                counts[(r.email.lower(), day)] += 1
    owed = [starts[day] for (_, day), n in counts.items() if n >= 2]
    return min(owed, default=None)


def send(state: State, config: Config, ctx: Ctx) -> tuple[State, list[Outgoing], list[Event]]:
    """At the day's hour: each person's combined mail, and every item in one counted as
    reminded or chased (its other recipients, if any, get their reminder on their own)."""
    owed = groups(state, config, ctx.now, ctx.holidays)
    if not owed:
        return state, [], []
    nudged: dict[str, Alert] = {}
    outgoing: list[Outgoing] = []
    events: list[Event] = []
    lines: dict[str, list[dict[str, object]]] = defaultdict(list)
    names: dict[str, str] = {}
    started = office_hours.day_window(office_hours.day_of(ctx.now, config), config, ctx.holidays)
    assert started is not None
    seen: set[tuple[str, str]] = set()
    for email, found in owed.items():
        for item in found:
            names[email] = next(r.name for r in item.to if r.email.lower() == email)
            if (item.ref, item.wait_id) in seen:
                continue
            seen.add((item.ref, item.wait_id))
            work = Work(config, ctx, nudged.get(item.ref) or state.alerts[item.ref])
            wait = work.alert.wait(item.wait_id)
            assert wait is not None
            line = _line(work, wait, item, config)
            alone = frozenset(r.email.lower() for r in item.to if r.email.lower() not in owed)
            reminders.nudge(work, wait, item.at, only=alone)
            nudged[item.ref] = work.alert
            outgoing += work.outgoing
            events += work.events
            for r in item.to:
                if r.email.lower() in owed:
                    lines[r.email.lower()].append(line)
    today = office_hours.day_of(ctx.now, config).isoformat()
    combined = [_mail(config, email, names[email], lines[email], today,
                      late=ctx.now - started[0] > ctx.tolerance) for email in owed]
    sent = {e: d for e, d in state.waiting_sent.items() if d == today} | dict.fromkeys(owed, today)
    return (state.model_copy(update={"alerts": with_alerts(state.alerts, nudged),
                                      "waiting_sent": sent}),
            combined + outgoing, events)


def _line(work: Work, wait: Wait, item: Item, config: Config) -> dict[str, object]:
    alert = work.alert
    return {"ref": alert.ref, "initials": alert.initials,
            "what": reminders.waited_for(work, wait),
            "stage": reminders.plan(work, wait), "due_at": wait.due_at.isoformat(),
            "token": wait.token, "answers": list(wait.answers),
            "fields": bool(wait.still_to_come),
            "subject": f"{alert.ref} ({alert.initials})"}


def _mail(config: Config, email: str, name: str, lines: list[dict[str, object]], today: str,
          *, late: bool) -> Outgoing:
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    ordered = sorted(lines, key=lambda line: (str(line["due_at"]), str(line["ref"])))
    return Outgoing(
        message_id=ids.message_id(None, PURPOSE, f"{email}-{today}", domain,
                                  installation=config.installation),
        purpose=PURPOSE, to=(Recipient(name=name, email=email),), ref=None,
        subject=f"Waiting on you today: {len(ordered)} alerts",
        context={"ref": None, "initials": "?", "rule": "", "items": ordered,
                 "reason": "You have more than one alert waiting on you today; they come in "
                           "one email rather than one each."},
        sensitive=False, late=late, rule="T-QA")


def is_combined(message_id: str, config: Config) -> bool:
    local, _, domain = message_id.strip().strip("<>").lower().rpartition("@")
    return domain == config.organisation.bot_address.rsplit("@", 1)[1].lower() and \
        local.startswith(f"noref.{PURPOSE}.")


def answer(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision | None:
    """A reply to the combined mail itself, not to one item's address: it names no
    step, so nothing is acted on (not all, not a guess), and the sender is asked which."""
    if not any(is_combined(m, config) for m in inc.in_reply_to[:1]):
        return None
    if sender_check.find_wait(state, inc, config).wait is not None:
        return None   # it carries one item's token after all: that item's answer
    theirs = [(a, w) for a in state.alerts.values() for w in a.waits
              if _asks(config, a, w, inc.sender)]
    listed = "; ".join(f"{a.ref} ({a.initials}): reply to {_address(config, w.token)}"
                       for a, w in theirs[:12])
    why = ("Your reply answers the \"waiting on you\" email, which lists more than one "
           "alert, so it was not acted on: it does not say which alert it is for. To answer "
           "one, use the reply link beside that alert in the list, or reply to the request "
           "email about it." + (f" Waiting on you now: {listed}." if listed else ""))
    return refusal.refuse(state, inc, config, ctx, why, None, always=bool(theirs),
                          rule="which alert?", asking=True)


def _asks(config: Config, alert: Alert, wait: Wait, sender: str) -> bool:
    ctx = Ctx(now=alert.updated_at, secret=b"")
    return any(r.email.lower() == sender.lower()
               for r in reminders.recipients(Work(config, ctx, alert), wait))


def _address(config: Config, token: str) -> str:
    local, _, domain = config.organisation.bot_address.partition("@")
    return f"{local}+{token}@{domain}"
