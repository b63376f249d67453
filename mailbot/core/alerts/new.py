"""A new alert form (R-ALL): an alert with a reference, routed at once; or one answer
naming every problem in the form's own words, and nothing routed.

A field only a later step needs does not stop it (issue 11): the receipt asks the
submitter for what is still to come (`chain/later.py`), and is the follow-up's request."""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.core import ids, wording
from mailbot.core.alerts import duplicate
from mailbot.core.authority import people, policy, refusal
from mailbot.core.chain import asking, later, route
from mailbot.core.config import Config
from mailbot.core.context import Ctx, Work
from mailbot.core.intake.form.accepts import counted
from mailbot.core.values.alert import Alert
from mailbot.core.values.base import Disposition
from mailbot.core.values.form import Contact, Form, Problem
from mailbot.core.values.mail import Incoming, Outgoing, Recipient
from mailbot.core.values.state import Decision, State, with_alerts


def answer_problems(state: State, inc: Incoming, config: Config,
                    problems: Sequence[Problem | str], disposition: Disposition) -> Decision:
    """One reply naming every problem, in the form's own words, each saying what to
    write; a problem of the form as a whole (a child whose whereabouts are known) is a
    paragraph of advice, not a list item. The original is kept (moved to Rejected),
    nothing is routed."""
    advice = [p.message for p in problems if isinstance(p, Problem) and not p.field]
    listed = [str(p) for p in problems if not (isinstance(p, Problem) and not p.field)]
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    out = Outgoing(
        message_id=ids.message_id(None, "problems", inc.sha256[:20], domain,
                                  installation=config.installation),
        purpose="form_problems",
        to=(Recipient(name=inc.sender_name or inc.sender, email=inc.sender),),
        subject=f"Your alert could not be accepted: {inc.subject or '(no subject)'}"[:200],
        context={"ref": None, "initials": "?", "rule": "R-ALL",
                 "reason": "The alert you sent could not be routed as it stands.",
                 "advice": advice, "problems": listed, "unsupported": list(inc.unsupported),
                 "original_subject": inc.subject},
        in_reply_to=inc.message_id, auto="auto-replied", rule="R-ALL")
    return Decision(state=state, outgoing=(out,), disposition=disposition,
                    note=f"form problems: {len(problems)}, unsupported: {len(inc.unsupported)}")


def new_form(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    reading = inc.form
    assert reading is not None
    form = reading.form
    verdict = policy.judge("raise", inc, config)
    if not verdict.allowed:
        return refusal.refuse(state, inc, config, ctx, f"{verdict.why}.", about="form",
                              rule=verdict.rule)
    if reading.problems or inc.unsupported:
        return answer_problems(state, inc, config, reading.problems, "rejected")
    existing = duplicate.same_child(state, form, config, ctx.now)
    if existing is not None:   # the same alert twice is one alert (issue 10)
        return duplicate.hold(state, inc, config, ctx, existing)
    return open_alert(state, form, Contact(name=inc.sender_name, email=inc.sender), config, ctx,
                      source=inc.message_id, verdict=verdict)


def open_alert(state: State, form: Form, sender: Contact, config: Config, ctx: Ctx, *,
               source: str, verdict: policy.Verdict) -> Decision:
    """Raise the alert: a reference, the route's first step, the submitter's receipt.
    `source`: the Message-ID of the form (also a held form raised on its sender's NEW)."""
    assert form.category and form.district
    year = str(ctx.now.year)
    number = state.counters.get(year, 0) + 1
    ref = f"{config.organisation.reference_prefix}-{year}-{number:04d}"
    submitter = form.submitted_by if (form.submitted_by and form.submitted_by.email
                                      and config.is_internal(form.submitted_by.email)) else None
    alert = Alert(
        ref=ref, category=form.category, district=form.district,
        area=config.area_of(form.district) or "", form=form,
        submitter=submitter or sender,
        created_at=ctx.now, updated_at=ctx.now, source_message=source,
        missing_episodes=1 if form.missing_since else 0,
    )
    work = Work(config, ctx, alert, cause=source)
    rule = config.route_of(form.category).rule
    policy.record(work, verdict)
    work.event("R-ALL", "raised", category=form.category, district=form.district,
               area=alert.area, route=config.categories[form.category].route, route_rule=rule)
    # what a later step needs and the form lacks is asked for at once, by the receipt
    # itself, and shown to each approver as still to come (issue 11)
    later.ask(work, send=False)
    route.advance(work)
    receipt(work)
    state = state.model_copy(update={
        "alerts": with_alerts(state.alerts, {ref: work.alert}),
        "counters": {**state.counters, year: number},
    })
    return Decision(state=state, outgoing=tuple(work.outgoing), events=tuple(work.events),
                    note=f"{ref} raised ({form.category})")


def receipt(work: Work) -> None:
    """Tell the submitter the reference and what happens next."""
    cfg = work.config
    pending = [w for w in work.alert.waits if w.kind == "approval"]
    if pending:
        who = people.recipient(cfg, pending[0].owner, pending[0].role, work.alert)
        title = cfg.roles[pending[0].role].title
        step = next(s for s in work.stages if s.id == pending[0].id)
        next_step = f"{who.name} ({title}) has been asked {asking.asked(getattr(step, 'asks', 'approval'))}."
    elif work.alert.status == "held" and work.alert.national.held_reason:
        next_step = f"The alert is held: {work.alert.national.held_reason}."
    else:
        next_step = "The alert has been recorded and shared with the people the procedure names."
    wait = later.follow_up(work)
    context = {**wording.basics(work.alert, "R-ALL", f"Your alert is recorded as {work.alert.ref}."),
               "next_step": next_step,
               # what a later step needs and the form did not say (issue 11)
               "still_to_come": later.items(work) if wait else [],
               "still_to_come_intro": later.intro(work) if wait else "",
               "reply_lines": later.reply_lines(work) if wait else []}
    to = Recipient(name=work.alert.submitter.name or work.alert.submitter.email,
                   email=work.alert.submitter.email, role="submitter")
    what = "Alert received"
    if wait is not None:
        what += f", {counted(len(wait.still_to_come), 'answer')} still to come"
    work.send("submitter_receipt", [to], wording.subject(work.alert, cfg, what, details=False),
              context, rule="R-ALL", sensitive=False,
              reply_token=wait.token if wait else None,
              message_id=ids.request_id(work.alert.ref, wait.id, wait.attempt, wait.token,
                                        work.domain, "receipt",
                                        installation=work.config.installation)
              if wait else None)
