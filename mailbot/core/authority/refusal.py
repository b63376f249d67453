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
from mailbot.core.values.alert import Alert
from mailbot.core.values.mail import Incoming, Outgoing, Recipient
from mailbot.core.values.state import Decision, State

WHAT = {"reply": "reply", "form": "message"}


def refuse(state: State, inc: Incoming, config: Config, ctx: Ctx, why: str,
           alert: Alert | None = None, *, about: str = "reply", always: bool = False,
           rule: str = "R-ALL") -> Decision:
    """Nothing changes; one short answer, carrying the reference and no case data.
    `always`: the sender is the person the step waits on, answered whatever the cap."""
    today = ctx.now.date().isoformat()
    note = f"{about} refused ({rule}): {why}"
    capped = state.refused_notice.get(inc.sender) == today or \
        config.limits.unauthorised_replies_per_sender_per_day == 0
    if not config.is_internal(inc.sender) or inc.address_problems or (capped and not always):
        return Decision(state=state, disposition="rejected", note=note)
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    what = WHAT.get(about, about)
    ref = alert.ref if alert else None
    out = Outgoing(
        message_id=ids.message_id(None, "refused", inc.sha256[:20], domain),
        purpose="reply_refused", to=(Recipient(name=inc.sender_name or inc.sender,
                                               email=inc.sender),),
        ref=ref,
        subject=f"Your {what} could not be accepted{f' [{ref}]' if ref else ''}",
        context={"ref": ref, "initials": "?", "rule": rule, "what": what,
                 "reason": f"A {what} to the alerts inbox could not be accepted.", "why": why},
        in_reply_to=inc.message_id, auto="auto-replied", rule=rule)
    state = state.model_copy(update={"refused_notice": {**state.refused_notice, inc.sender: today}})
    return Decision(state=state, outgoing=(out,), disposition="rejected", note=note)
