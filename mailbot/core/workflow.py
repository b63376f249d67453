"""A message arrived: what follows (R-ALL, R-STD, R-UPD, R-ABSENT, replies).

`handle(state, incoming, config, ctx) -> Decision` is pure: the shell loads the
state, calls it, records the Decision, then acts on it.
"""

from __future__ import annotations

from mailbot.core import cascade, ids, people, present, replies, route
from mailbot.core.config import Config
from mailbot.core.model import (
    Alert,
    Contact,
    Decision,
    Disposition,
    Incoming,
    MessageKind,
    Outgoing,
    Recipient,
    State,
)
from mailbot.core.work import Ctx, Work


def handle(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    kind = inc.kind
    if kind in (MessageKind.OWN,):
        return Decision(state=state, note=f"own message {inc.message_id}")
    if kind is MessageKind.AUTO_REPLY:
        return replies.out_of_office(state, inc, config, ctx)
    if kind is MessageKind.BOUNCE:
        return replies.bounce(state, inc, config, ctx)
    if not config.is_internal(inc.sender):
        # Nobody outside the council submits or approves anything; OLA
        # notifications are the MIU inbox's business (mailbot.core.miu).
        return Decision(state=state, disposition="needs_attention",
                        note=f"outside sender, {kind.value}: kept for a person")
    if kind is MessageKind.NEW_FORM:
        return new_form(state, inc, config, ctx)
    if kind in (MessageKind.UPDATE, MessageKind.DEALERT):
        return update(state, inc, config, ctx)
    if kind is MessageKind.REPLY:
        return replies.reply(state, inc, config, ctx)
    if inc.unsupported:
        return answer_problems(state, inc, config, [], "rejected")
    return Decision(state=state, disposition="needs_attention", note=f"not a form: {inc.why}")


def answer_problems(state: State, inc: Incoming, config: Config, problems: list[str],
                    disposition: Disposition) -> Decision:
    """One reply naming every problem, in the form's own words. The original is kept
    (moved to Rejected), nothing is routed."""
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    out = Outgoing(
        message_id=ids.message_id(None, "problems", inc.sha256[:20], domain),
        purpose="form_problems",
        to=(Recipient(name=inc.sender_name or inc.sender, email=inc.sender),),
        subject=f"Your alert could not be accepted: {inc.subject or '(no subject)'}"[:200],
        context={"ref": None, "initials": "?", "rule": "R-ALL",
                 "reason": "The alert you sent could not be routed as it stands.",
                 "problems": problems, "unsupported": list(inc.unsupported),
                 "original_subject": inc.subject},
        in_reply_to=inc.message_id, auto="auto-replied", rule="R-ALL")
    return Decision(state=state, outgoing=(out,), disposition=disposition,
                    note=f"form problems: {len(problems)}, unsupported: {len(inc.unsupported)}")


def new_form(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    reading = inc.form
    assert reading is not None
    form = reading.form
    if reading.problems or inc.unsupported:
        return answer_problems(state, inc, config, [str(p) for p in reading.problems], "rejected")
    assert form.category and form.district
    year = str(ctx.now.year)
    number = state.counters.get(year, 0) + 1
    ref = f"{config.organisation.reference_prefix}-{year}-{number:04d}"
    submitter = form.submitted_by if (form.submitted_by and form.submitted_by.email
                                      and config.is_internal(form.submitted_by.email)) else None
    alert = Alert(
        ref=ref, category=form.category, district=form.district,
        area=config.area_of(form.district) or "", form=form,
        submitter=submitter or Contact(name=inc.sender_name, email=inc.sender),
        created_at=ctx.now, updated_at=ctx.now, source_message=inc.message_id,
        missing_episodes=1 if form.missing_since else 0,
    )
    work = Work(config, ctx, alert, cause=inc.message_id)
    rule = config.route_of(form.category).rule
    work.event("R-ALL", "raised", category=form.category, district=form.district,
               area=alert.area, route=config.categories[form.category].route, route_rule=rule)
    route.advance(work)
    receipt(work)
    state = state.model_copy(update={
        "alerts": {**state.alerts, ref: work.alert},
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
        step = next(s for s in route.stages(work) if s.id == pending[0].id)
        next_step = f"{who.name} ({title}) has been asked for {getattr(step, 'asks', 'approval')}."
    elif work.alert.status == "held":
        next_step = f"The alert is held: {work.alert.national.held_reason}."
    else:
        next_step = "The alert has been recorded and shared with the people the procedure names."
    context = {**present.basics(work.alert, "R-ALL", f"Your alert is recorded as {work.alert.ref}."),
               "next_step": next_step}
    to = Recipient(name=work.alert.submitter.name or work.alert.submitter.email,
                   email=work.alert.submitter.email, role="submitter")
    work.send("submitter_receipt", [to],
              present.subject(work.alert, cfg, "Alert received", details=False), context,
              rule="R-ALL", sensitive=False)


def update(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    """R-UPD: an updated alert or a de-alert on an existing reference."""
    reading = inc.form
    ref = (reading.form.reference if reading and reading.form.reference else None) or (
        inc.refs[0] if inc.refs else None)
    problems = [str(p) for p in reading.problems] if reading else []
    alert = state.alerts.get(ref or "")
    if alert is None and not problems:
        problems.append(f"Alert reference: {ref or 'none given'} is not an open alert; "
                        "check the reference, or send a new alert")
    if problems or alert is None:
        return answer_problems(state, inc, config, problems, "rejected")
    work = Work(config, ctx, alert, cause=inc.message_id)
    if inc.kind is MessageKind.DEALERT:
        close(work, f"de-alerted by {inc.sender}", by=inc.sender_name or inc.sender)
        return finish(state, work, "processed", f"{alert.ref} de-alerted")
    assert reading is not None
    apply_update(work, reading.form.given(), by=inc.sender_name or inc.sender)
    return finish(state, work, "processed", f"{alert.ref} updated")


def apply_update(work: Work, given: dict[str, object], *, by: str) -> None:
    cfg, alert = work.config, work.alert
    old_form = alert.form
    changes = {k: v for k, v in given.items() if k not in ("reference", "category", "district")}
    new_form = old_form.model_copy(update={**changes, "alert_type": "update"})
    diff = present.changes(old_form, new_form, cfg)
    work.update(form=new_form)
    work.event("R-UPD", "updated", fields=[row[0] for row in diff])
    if new_form.found_at and not alert.found_at:
        found(work, new_form)
    if new_form.return_interview_at and not alert.return_interview_at:
        work.update(return_interview_at=new_form.return_interview_at,
                    clocks=tuple(c for c in work.alert.clocks if c.rule != "T-72H"))
        work.event("T-72H", "return_interview_recorded",
                   on=new_form.return_interview_at.isoformat())
    if new_form.missing_since and not old_form.missing_since and not alert.found_at:
        work.update(missing_episodes=alert.missing_episodes + 1)
    told = [r for r in work.alert.told]
    if told:
        to = [Recipient(name=r, email=r) for r in told if r != alert.submitter.email]
        named = {p.email: p.name for p in cfg.people.values()}
        to = [Recipient(name=named.get(r.email, r.email), email=r.email) for r in to]
        context = {**present.basics(work.alert, "R-UPD", f"Alert {alert.ref} has been updated."),
                   "alert": present.alert_context(work.alert, cfg), "notice": "update",
                   "by": by, "changes": diff, "note": ""}
        work.send("alert_notice", to, present.subject(work.alert, cfg, "Updated alert"), context,
                  rule="R-UPD", sensitive=True)
    if alert.status == "returned":
        resume_after_return(work)
    elif alert.status == "held":
        route.advance(work)   # the update may carry what the national gate waited for
    elif cfg.route_of(alert.category).update_requalifies and alert.status == "open":
        work.update(stage=0)
        route.advance(work)


def found(work: Work, form: object) -> None:
    """T-72H starts when a missing child is found; T-NAT-FOUND follows a national alert."""
    from mailbot.core.model import Clock  # local: keeps the import list of this module short

    cfg, alert = work.config, work.alert
    found_at = work.alert.form.found_at
    assert found_at is not None
    t = cfg.timers
    clocks = [c for c in alert.clocks if c.kind != "missing_notice"]
    if cfg.route_of(alert.category).missing:
        clocks += [
            Clock(id="ri.reminder", rule="T-72H", kind="return_interview_due",
                  due_at=t.return_interview_reminder.after(found_at), roles=("sw", "tm"),
                  cc_roles=("pdo",)),
            Clock(id="ri.overdue", rule="T-72H", kind="return_interview_overdue",
                  due_at=t.return_interview.after(found_at), roles=("sw", "tm"), cc_roles=("pdo",)),
        ]
    work.update(found_at=found_at, clocks=tuple(clocks))
    work.event("T-72H", "found", found_at=found_at.isoformat(),
               interview_due=t.return_interview.after(found_at).isoformat())
    route.deadline(work, ("sw", "tm"), "return_interview_due", "T-72H",
                   f"{alert.ref} ({alert.initials}) was found. The return interview is due within "
                   f"72 hours, by {present.local(t.return_interview.after(found_at), cfg)}; "
                   "record the found date on Liberi.", cc_roles=("pdo",),
                   due_at=t.return_interview.after(found_at), since=found_at, ics=True)
    if any(w.task == "record_missing_dates" for w in work.alert.waits) or \
            cfg.route_of(alert.category).missing:
        route.notice(work, ("miu",), "found", "R-MIU",
                     "The child has been found: record the date found on Liberi.")
    if alert.national.status in ("issued", "signed_off"):
        work.update(national=work.alert.national.model_copy(update={"status": "found"}),
                    clocks=tuple(c for c in work.alert.clocks if not c.id.startswith("nat_")),
                    waits=tuple(w for w in work.alert.waits if w.task != "national_reissue"))
        if cascade.by_bot(work):
            cascade.send_cascade(work, "found")
        else:
            route.create_task(work, "cascade_found", "miu", "cascade_found", "T-NAT-FOUND")
    elif alert.national.status in ("held", "in_qa"):
        # found before the national alert went out: none is needed (T-NAT-3W)
        route.national_not_needed(work, "the child was found before the national alert went out")


def resume_after_return(work: Work) -> None:
    """A returned alert comes back on its reference: ask the same step again."""
    work.update(status="in_qa")
    work.event("R-UPD", "resubmitted")
    route.advance(work)


def close(work: Work, why: str, *, by: str) -> None:
    cfg = work.config
    if work.alert.told:
        named = {p.email: p.name for p in cfg.people.values()}
        to = [Recipient(name=named.get(e, e), email=e) for e in work.alert.told]
        context = {**present.basics(work.alert, "R-UPD", f"Alert {work.alert.ref} is closed."),
                   "alert": present.alert_context(work.alert, cfg), "notice": "dealert",
                   "by": by, "changes": [], "note": why}
        work.send("alert_notice", to, present.subject(work.alert, cfg, "De-alert"), context,
                  rule="R-UPD", sensitive=True)
    work.update(status="closed", closed_at=work.ctx.now, waits=(), clocks=())
    work.event("R-UPD", "dealerted", why=why)


def finish(state: State, work: Work, disposition: Disposition, note: str) -> Decision:
    alerts = {**state.alerts, work.alert.ref: work.alert}
    closed = (work.alert.ref,) if work.alert.status == "closed" else ()
    return Decision(state=state.model_copy(update={"alerts": alerts}), outgoing=tuple(work.outgoing),
                    events=tuple(work.events), disposition=disposition, closed=closed, note=note)
