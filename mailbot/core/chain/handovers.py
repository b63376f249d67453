"""Out-of-office replies and bounces: never answered; a step whose owner is away or
whose mail bounced goes to their deputy, so it cannot stall (T-QA). A hand-over
happens once: later out-of-office replies and bounces for the same step are
recorded, and nothing is sent again (issue 10)."""

from __future__ import annotations

import re

from mailbot.core import ids
from mailbot.core.authority import people, policy
from mailbot.core.clocks import reminders
from mailbot.core.config import Config, fingerprint
from mailbot.core.context import Ctx, Work
from mailbot.core.values.alert import Alert, Wait
from mailbot.core.values.lazy import Mark
from mailbot.core.values.lookup import KeyedLookup
from mailbot.core.values.mail import Incoming, Outgoing
from mailbot.core.values.state import Decision, State, with_alerts


def handed_over(wait: Wait, deputy: str | None) -> bool:
    """Whether this step has been handed to the deputy already: a hand-over happens once
    however many out-of-office replies or bounces follow (issue 10)."""
    return wait.out_of_office or (deputy is not None and deputy in wait.escalated_to)


def _owners(alert: Alert, config: Config) -> list[str]:
    return sorted({e for w in alert.waits if (e := people.email_of(config, w.owner))})


# whose steps an open alert waits on, by address, kept by the store with the alert:
# an out-of-office reply finds its steps among 10,000 open alerts without reading them
OWNERS = Mark("owners", lambda alert, config, holidays: _owners(alert, config), holidays=False)
_BY_OWNER = KeyedLookup(None, many=True, mark=OWNERS)


def out_of_office(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    """Never answered. From a person a step waits on: chasing moves to their deputy now,
    once; a later one is recorded, nothing sent."""
    if policy.identity_problem(inc, config) is not None:
        # an out-of-office that cannot be taken as the owner's moves nothing (issue 10)
        return Decision(state=state, note="auto-reply: not answered; its sender is not proven")
    changed: dict[str, Alert] = {}
    outgoing: list[Outgoing] = []
    events = []
    again = 0
    theirs = _BY_OWNER.refs(state.alerts, inc.sender, fingerprint.marking(config))
    for alert in [state.alerts[ref] for ref in state.alerts if ref in theirs]:
        for wait in alert.waits:
            if people.email_of(config, wait.owner) != inc.sender:
                continue
            deputy = people.deputy_of(config, wait.owner)
            work = Work(config, ctx, changed.get(alert.ref, alert), cause=inc.message_id)
            if handed_over(wait, deputy):
                work.event(wait.rule, "out_of_office_again", stage=wait.id, deputy=deputy)
                again += 1
            elif deputy is None:
                work.event(wait.rule, "owner_out_of_office", stage=wait.id, deputy=None)
                reminders.replace_wait(work, wait.model_copy(update={"out_of_office": True}))
            else:
                reminders.hand_to(work, wait, deputy, "out_of_office",
                            f"{people.recipient(config, wait.owner).name} is out of the office")
            changed[alert.ref] = work.alert
            outgoing += work.outgoing
            events += work.events
    if not changed:
        return Decision(state=state, note="auto-reply: not answered")
    state = state.model_copy(update={"alerts": with_alerts(state.alerts, changed)})
    return Decision(state=state, outgoing=tuple(outgoing), events=tuple(events),
                    note=f"out of office: {', '.join(changed)}"
                         + (f" ({again} step(s) handed over before: recorded)" if again else
                            " handed to deputy"))


def bounce(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    """Never answered. A bounce of our own mail is tied to its alert and shown to a person;
    a step whose owner's address bounced goes to the deputy so it cannot stall."""
    claims = [r for r in (ids.parse_request_id(m) for m in inc.bounced_ids) if r]
    refs = {r.ref for r in claims}
    # only a bounce that returns the request itself (its token, which only the person
    # asked was sent) moves a step; one naming any other mail of the alert is recorded
    tokens = {r.token for r in claims}
    refs |= {m.split(".", 1)[0].upper() for m in inc.bounced_ids
             if re.match(r"^[a-z]{1,6}-\d{4}-\d{4,}\.", m.lower())}
    changed: dict[str, Alert] = {}
    events = []
    outgoing: list[Outgoing] = []
    for ref in sorted(refs):
        alert = state.alerts.get(ref)
        if alert is None:
            continue
        work = Work(config, ctx, alert, cause=inc.message_id)
        work.event("R-ALL", "delivery_failed", recipients=list(inc.bounced_recipients))
        for wait in alert.waits:
            if people.email_of(config, wait.owner) in inc.bounced_recipients and \
                    any(ids.tokens_equal(wait.token, t) for t in tokens):
                deputy = people.deputy_of(config, wait.owner)
                if deputy and handed_over(wait, deputy):
                    work.event(wait.rule, "bounced_again", stage=wait.id, deputy=deputy)
                elif deputy:
                    reminders.hand_to(work, wait, deputy, "bounced",
                                f"mail to {people.email_of(config, wait.owner)} bounced")
        changed[ref] = work.alert
        events += work.events
        outgoing += work.outgoing
    state = state.model_copy(update={"alerts": with_alerts(state.alerts, changed)})
    return Decision(state=state, events=tuple(events), outgoing=tuple(outgoing),
                    disposition="needs_attention",
                    note=f"bounce for {', '.join(sorted(refs)) or 'no known alert'}")
