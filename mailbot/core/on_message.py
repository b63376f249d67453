"""A message arrived: what follows (R-ALL, R-STD, R-UPD, R-ABSENT, replies).

`handle(state, incoming, config, ctx) -> Decision` is pure: the shell loads the
state, calls it, records the Decision, then acts on it. Each kind of message has
its home: new forms in `alerts.new`, updates in `alerts.update`, answers in
`chain.answers` (an answer about a form held as a duplicate in
`alerts.duplicate_answer`; a reply to the daily "waiting on you" mail itself in
`clocks.waiting`), out-of-office and bounces in `chain.handovers`."""

from __future__ import annotations

from mailbot.core.alerts import duplicate_answer
from mailbot.core.alerts import new as new_alert
from mailbot.core.alerts import update as updating
from mailbot.core.chain import answers, handovers
from mailbot.core.clocks import entries, waiting
from mailbot.core.config import Config
from mailbot.core.context import Ctx
from mailbot.core.values.mail import Incoming, MessageKind
from mailbot.core.values.state import Decision, State


def handle(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    # a deadline met or gone (a step answered, an alert closed) cancels its calendar entry
    return entries.settle(state, _handle(state, inc, config, ctx), config)


def _handle(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    kind = inc.kind
    if kind in (MessageKind.OWN,):
        return Decision(state=state, note=f"own message {inc.message_id}")
    if kind is MessageKind.AUTO_REPLY:
        return handovers.out_of_office(state, inc, config, ctx)
    if kind is MessageKind.BOUNCE:
        return handovers.bounce(state, inc, config, ctx)
    if not config.is_internal(inc.sender):
        # Nobody outside the council submits or approves anything; OLA
        # notifications are the MIU inbox's business (mailbot.core.miu, mailbot.service.miu).
        return Decision(state=state, disposition="needs_attention",
                        note=f"outside sender, {kind.value}: kept for a person")
    if kind is MessageKind.NEW_FORM:
        return new_alert.new_form(state, inc, config, ctx)
    if kind in (MessageKind.UPDATE, MessageKind.DEALERT):
        return updating.update(state, inc, config, ctx)
    if kind is MessageKind.REPLY:
        held = duplicate_answer.answer(state, inc, config, ctx) or \
            waiting.answer(state, inc, config, ctx)
        return held if held is not None else answers.reply(state, inc, config, ctx)
    if inc.unsupported:
        return new_alert.answer_problems(state, inc, config, [], "rejected")
    return Decision(state=state, disposition="needs_attention", note=f"not a form: {inc.why}")
