"""The answer to a message that may not act: nothing changes, and one short answer
carrying no case data.

Strangers and loops get at most one answer a day per sender; the person a step
waits on always gets an answer (their unclear reply must not leave the step
waiting in silence for the chasers).
"""

from __future__ import annotations

from mailbot.core import ids
from mailbot.core.config import Config
from mailbot.core.context import Ctx
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.mail import Incoming, Outgoing, Recipient
from mailbot.core.values.state import Decision, State

WHAT = {"reply": "reply", "form": "message"}
REFUSED_LOG = ".refused"   # events of `<REF>.refused`: what was refused on an alert, and why


def refusals_ref(ref: str) -> str:
    return f"{ref}{REFUSED_LOG}"


def logged(state: State, inc: Incoming, ctx: Ctx, alert: Alert | None, rule: str,
           why: str, about: str) -> tuple[State, tuple[Event, ...]]:
    """The refusal, on the alert's refusals log (shown by explain); the alert is untouched."""
    if alert is None:
        return state, ()
    seq = state.refusal_seq.get(alert.ref, 0) + 1
    event = Event(ref=refusals_ref(alert.ref), seq=seq, at=ctx.now, rule=rule, what="refused",
                  message_id=inc.message_id,
                  detail={"from": inc.sender, "on_behalf": inc.on_behalf, "about": about,
                          "why": why[:300]})
    return state.model_copy(update={"refusal_seq": {**state.refusal_seq, alert.ref: seq}}), (event,)


def ask(state: State, inc: Incoming, config: Config, ctx: Ctx, why: str, alert: Alert,
        *, rule: str, token: str | None = None) -> Decision:
    """The person a step waits on wrote, but what they meant is not clear: nothing changes,
    and they are always asked (whatever the daily cap) how to answer so that it counts.
    `token`: the step's reply token, so that a reply to the question counts as an answer."""
    return refuse(state, inc, config, ctx, why, alert, always=True, rule=rule, asking=True,
                  token=token)


def refuse(state: State, inc: Incoming, config: Config, ctx: Ctx, why: str,
           alert: Alert | None = None, *, about: str = "reply", always: bool = False,
           rule: str = "R-ALL", asking: bool = False, token: str | None = None) -> Decision:
    """Nothing changes; one short answer, carrying the reference and no case data.
    `always`: the sender is the person the step waits on, answered whatever the cap.
    `asking`: the answer is a question back (reply_question), not a refusal."""
    today = ctx.now.date().isoformat()
    note = f"{about} refused ({rule}): {why}"
    state, events = logged(state, inc, ctx, alert, rule, why, about)
    capped = state.refused_notice.get(inc.sender) == today or \
        config.limits.unauthorised_replies_per_sender_per_day == 0
    if not config.is_internal(inc.sender) or inc.address_problems or (capped and not always):
        return Decision(state=state, events=events, disposition="rejected", note=note)
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    what = WHAT.get(about, about)
    ref = alert.ref if alert else None
    out = Outgoing(
        message_id=ids.message_id(None, "refused", inc.sha256[:20], domain,
                                  installation=config.installation),
        purpose="reply_question" if asking else "reply_refused",
        to=(Recipient(name=inc.sender_name or inc.sender, email=inc.sender),),
        ref=ref,
        subject=(f"Please reply again: your {what} was not clear{f' [{ref}]' if ref else ''}"
                 if asking else f"Your {what} could not be accepted{f' [{ref}]' if ref else ''}"),
        context={"ref": ref, "initials": "?", "rule": rule, "what": what,
                 "reason": f"A {what} to the alerts inbox could not be accepted.",
                 "why": sentence(why)},
        in_reply_to=inc.message_id, auto="auto-replied", rule=rule, reply_token=token,
        urgent=bool(alert and config.categories[alert.category].priority_one))
    state = state.model_copy(update={"refused_notice": {**state.refused_notice, inc.sender: today}})
    return Decision(state=state, outgoing=(out,), events=events, disposition="rejected",
                    note=note)


def sentence(text: str) -> str:
    """A reason as a sentence people read: a capital first, a full stop last."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else text + "."
