"""The answer to "is this alert KA-...?" (issue 10): UPDATE adds the held form to the
open alert, NEW raises it as a new alert, anything else is asked again.

Only the person who sent the held form may answer (the authority policy's
"answer", with them as the one asked); what the answer then does is judged as
what it is: an update of that alert, or a new alert.
"""

from __future__ import annotations

from mailbot.core.alerts import duplicate
from mailbot.core.alerts import new as new_alert
from mailbot.core.alerts import update as updating
from mailbot.core.authority import policy, refusal
from mailbot.core.config import Config
from mailbot.core.config.authority import Action
from mailbot.core.context import Ctx, Work, finish
from mailbot.core.values.alert import Event
from mailbot.core.values.mail import Incoming
from mailbot.core.values.state import Decision, HeldForm, State


def answer(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision | None:
    """None when the reply answers no held form (it is then someone else's business)."""
    found = duplicate.find_held(state, inc)
    if found is None:
        return None
    token, held = found
    existing = state.alerts.get(held.ref)
    verdict = policy.judge("answer", inc, config, asked=(f"email:{held.sender.email.lower()}",))
    if not verdict.allowed:
        return refusal.refuse(state, inc, config, ctx, f"{verdict.why}.", alert=existing,
                              rule=verdict.rule)
    said = duplicate.choice(inc.new_text)
    if said == "new":
        return _as_new(state, inc, config, ctx, token, held)
    if said == "update" and existing is not None:
        return _as_update(state, inc, config, ctx, token, held)
    line = duplicate.first_line(inc.new_text)
    why = (f"Alert {held.ref} has been closed since, so nothing can be added to it: reply NEW "
           "to raise your form as a new alert." if said == "update" else
           f"We read the first line of your reply, \"{line}\", but could not tell whether you "
           "meant UPDATE or NEW, so nothing has been done yet." if line else
           "Your reply had no answer on its first line, so nothing has been done yet.")
    held = held.model_copy(update={"answers": held.answers + 1})
    state = state.model_copy(update={"held_forms": {**state.held_forms, token: held}})
    out = duplicate.question(held, token, existing, config, in_reply_to=inc.message_id,
                             unclear=why)
    return Decision(state=state, outgoing=(out,), disposition="rejected",
                    note=f"answer about the form held for {held.ref} was unclear: asked again")


def _settled(state: State, token: str, held: HeldForm, inc: Incoming, ctx: Ctx,
             said: str) -> tuple[State, Event]:
    state, event = duplicate.logged(state, held.ref, ctx.now, "held_form_answered",
                                    inc.message_id, answer=said, held=held.message_id)
    return state.model_copy(update={
        "held_forms": {t: h for t, h in state.held_forms.items() if t != token}}), event


def _as_update(state: State, inc: Incoming, config: Config, ctx: Ctx, token: str,
               held: HeldForm) -> Decision:
    alert = state.alerts[held.ref]
    action: Action = "found" if held.form.found_at and alert.found_at is None else "update"
    verdict = policy.judge(action, inc, config, alert=alert)
    if not verdict.allowed:
        # the form stays held: its sender may still answer NEW
        return refusal.refuse(state, inc, config, ctx,
                              f"{verdict.why}. If it is a separate episode, reply NEW to the "
                              "question instead.", alert=alert, always=True, rule=verdict.rule)
    state, event = _settled(state, token, held, inc, ctx, "update")
    work = Work(config, ctx, alert, cause=held.message_id)
    policy.record(work, verdict)
    updating.apply_update(work, held.form.given(), by=held.sender.name or held.sender.email)
    decision = finish(state, work, "processed", f"{alert.ref} updated from the form held for it")
    return decision.model_copy(update={"events": (event, *decision.events)})


def _as_new(state: State, inc: Incoming, config: Config, ctx: Ctx, token: str,
            held: HeldForm) -> Decision:
    verdict = policy.judge("raise", inc, config)
    if not verdict.allowed:
        return refusal.refuse(state, inc, config, ctx, f"{verdict.why}.", about="form",
                              rule=verdict.rule)
    state, event = _settled(state, token, held, inc, ctx, "new")
    decision = new_alert.open_alert(state, held.form, held.sender, config, ctx,
                                    source=held.message_id, verdict=verdict)
    return decision.model_copy(update={"events": (event, *decision.events)})
