"""Answers to what the bot asked: APPROVE, RETURN, FORWARD, DE-ALERT, DONE.

A reply counts only when it names a step that is still waiting (its token, from
In-Reply-To/References or the Reply-To plus-address), comes from the person
the step waits on (or their deputy, or whoever it was escalated to) and, when
the organisation's mail server is named, does not fail DMARC there. Anything
else changes nothing, is logged, and gets at most one short answer a day.
"""

from __future__ import annotations

import re

from mailbot.core import cascade, ids, people, present, route, workflow
from mailbot.core.config import ApprovalStage, Config
from mailbot.core.model import (
    Alert,
    Command,
    Decision,
    Incoming,
    Outgoing,
    Recipient,
    State,
    Wait,
)
from mailbot.core.work import Ctx, Work


def find_wait(state: State, inc: Incoming) -> tuple[Alert, Wait, str] | tuple[None, None, str]:
    """The step this reply answers, checked against its token; or why not."""
    claims = [r for r in (ids.parse_request_id(m) for m in inc.in_reply_to) if r is not None]
    if inc.plus_token:
        for alert in state.alerts.values():
            for wait in alert.waits:
                if ids.tokens_equal(wait.token, inc.plus_token.lower()):
                    return alert, wait, ""
    if not claims:
        return None, None, "it does not answer a request the bot is waiting on (no step token)"
    for claim in claims:
        claimed = state.alerts.get(claim.ref)
        step = claimed.wait(claim.wait_id) if claimed else None
        if claimed and step and step.attempt == claim.attempt and \
                ids.tokens_equal(step.token, claim.token):
            return claimed, step, ""
    return None, None, "that request has already been answered or is no longer open"


def dmarc_failed(inc: Incoming, config: Config) -> bool:
    trusted = config.organisation.trusted_authserv_id
    if not trusted:
        return False
    for result in inc.auth_results:   # topmost first: only our own server's word counts
        if result.authserv_id.lower() == trusted.lower():
            return (result.dmarc or "").lower() in ("fail", "permerror")
    return False


def reply(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    alert, wait, why = find_wait(state, inc)
    if alert is None or wait is None:
        return refuse(state, inc, config, ctx, why)
    if not people.may_answer(config, wait.owner, wait.escalated_to, inc.sender):
        return refuse(state, inc, config, ctx,
                      "only the person the step waits on, or their deputy, can answer it",
                      alert=alert)
    if dmarc_failed(inc, config):
        return refuse(state, inc, config, ctx, "the message failed the organisation's DMARC check",
                      alert=alert)
    command = inc.command.command if inc.command else None
    if wait.kind == "task":
        if command not in (Command.DONE, Command.APPROVE):
            return refuse(state, inc, config, ctx, "reply DONE when the task is done", alert=alert)
        work = Work(config, ctx, alert, cause=inc.message_id)
        task_done(work, wait, inc)
        return workflow.finish(state, work, "processed", f"{alert.ref} task {wait.id} done")
    if command is None or command.value not in wait.answers:
        allowed = ", ".join(a.upper().replace("DEALERT", "DE-ALERT") for a in wait.answers)
        return refuse(state, inc, config, ctx,
                      f"the first line of the reply must be one of: {allowed}", alert=alert)
    work = Work(config, ctx, alert, cause=inc.message_id)
    by = people.recipient(config, config.person_by_email(inc.sender) or f"email:{inc.sender}")
    argument = inc.command.argument if inc.command else ""
    drop(work, wait)
    if command is Command.APPROVE:
        approved(work, wait, by.name)
    elif command is Command.RETURN:
        returned(work, wait, by.name, argument)
    elif command is Command.FORWARD:
        stage = _stage(work, wait)
        roles = forward_roles(argument, stage.may_forward_to, config)
        if not roles:
            work = Work(config, ctx, alert, cause=inc.message_id)   # nothing happened
            names = ", ".join(config.roles[r].title for r in stage.may_forward_to)
            return refuse(state, inc, config, ctx,
                          f"FORWARD needs one of: {names}", alert=alert)
        work.update(forwarded_to=tuple(dict.fromkeys([*work.alert.forwarded_to, *roles])))
        route.notice(work, roles, "forwarded", stage.rule,
                     f"{by.name} forwarded this alert to you at their discretion ({stage.rule}).",
                     by=by.name)
        approved(work, wait, by.name, forwarded=roles)
    elif command is Command.DEALERT:
        workflow.close(work, f"de-alerted by {by.name} at step {wait.id}", by=by.name)
    return workflow.finish(state, work, "processed", f"{alert.ref} {wait.id}: {command.value}")


def _stage(work: Work, wait: Wait) -> ApprovalStage:
    stage = next(s for s in route.stages(work) if s.id == wait.id)
    assert isinstance(stage, ApprovalStage)
    return stage


def drop(work: Work, wait: Wait) -> None:
    work.update(waits=tuple(w for w in work.alert.waits if w.id != wait.id))


def approved(work: Work, wait: Wait, by: str, forwarded: list[str] | None = None) -> None:
    stage = _stage(work, wait)
    work.event(stage.rule, "approved", stage=stage.id, by=by, forwarded=forwarded or [])
    if stage.notify_on_approve:
        route.notice(work, stage.notify_on_approve, "approved", stage.rule,
                     f"{by} ({work.config.roles[stage.role].title}) approved this alert.", by=by)
    if stage.id == "nat_signoff":
        work.update(national=work.alert.national.model_copy(
            update={"status": "signed_off", "issued_at": work.ctx.now}))
        work.event("R-NAT", "national_signed_off", by=by)
    work.update(stage=work.alert.stage + 1)
    route.advance(work)


def returned(work: Work, wait: Wait, by: str, reasons: str) -> None:
    stage = _stage(work, wait)
    cfg = work.config
    work.update(status="returned")
    work.event(stage.rule, "returned", stage=stage.id, by=by, reasons=reasons[:500])
    # T-REVIEW: a returned alert that is never resubmitted must not fall out of sight;
    # the area pdo is asked to review it (and chase the team) at the review interval
    route.start_review_clock(work)
    to = Recipient(name=work.alert.submitter.name or work.alert.submitter.email,
                   email=work.alert.submitter.email, role="submitter")
    context = {**present.basics(work.alert, stage.rule,
                                f"{by} returned alert {work.alert.ref} for more information."),
               "by": f"{by} ({cfg.roles[stage.role].title})", "reasons": reasons or "(none given)",
               "step_asks": stage.asks}
    work.send("submitter_returned", [to],
              present.subject(work.alert, cfg, "Returned for more information", details=False),
              context, rule=stage.rule, sensitive=False)


def forward_roles(text: str, allowed: tuple[str, ...], config: Config) -> list[str]:
    """Which of the allowed roles the FORWARD line names ("director", "AD SQA", ...)."""
    words = re.sub(r"[^a-z0-9]+", " ", text.lower())
    found: list[str] = []
    for role in allowed:
        names = {role.replace("_", " "), config.roles[role].title.lower()}
        if role == "ad_sqa":
            names |= {"ad sqa", "ad safeguarding", "assistant director safeguarding"}
        if role == "director":
            names |= {"director"}
        for name in names:
            pattern = re.sub(r"[^a-z0-9]+", " ", name).strip()
            if re.search(rf"\b{re.escape(pattern)}\b", words):
                found.append(role)
                break
    # "director" also matches inside "corporate director": keep the most specific
    if "corporate_director" in found and "director" in found and \
            not re.search(r"(?<!corporate )\bdirector\b", words):
        found.remove("director")
    return found


def task_done(work: Work, wait: Wait, inc: Incoming) -> None:
    note = inc.command.argument if inc.command else ""
    drop(work, wait)
    work.event(wait.rule, "task_done", task=wait.task, note=note[:500])
    if wait.task == "cascade_national_alert":
        work.update(national=work.alert.national.model_copy(update={"issued_at": work.ctx.now,
                                                                     "last_notice_at": work.ctx.now}))
        work.event("R-CASCADE", "national_issued")
        if work.alert.national.status != "found":
            route.renewal_clocks(work, "T-NAT-6M")
        # else found before MIU had cascaded it: its "found" notification is a task of
        # its own (T-NAT-FOUND); no re-issue or lapse clocks for a child who is found
    elif wait.task == "national_reissue":
        national = work.alert.national.model_copy(update={
            "last_notice_at": work.ctx.now, "reissues": work.alert.national.reissues + 1})
        work.update(national=national)
        if cascade.by_bot(work):
            cascade.send_cascade(work, "reissue")
        work.event("T-NAT-6M", "national_reissued")
        route.renewal_clocks(work, "T-NAT-6M")


def refuse(state: State, inc: Incoming, config: Config, ctx: Ctx, why: str,
           alert: Alert | None = None) -> Decision:
    """Nothing changes; at most one short answer per sender per day, carrying no case data."""
    today = ctx.now.date().isoformat()
    note = f"reply refused: {why}"
    if state.refused_notice.get(inc.sender) == today or not config.is_internal(inc.sender) \
            or config.limits.unauthorised_replies_per_sender_per_day == 0:
        return Decision(state=state, disposition="rejected", note=note)
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    out = Outgoing(
        message_id=ids.message_id(None, "refused", inc.sha256[:20], domain),
        purpose="reply_refused", to=(Recipient(name=inc.sender_name or inc.sender,
                                               email=inc.sender),),
        ref=alert.ref if alert else None,
        subject=f"Your reply could not be accepted{f' [{alert.ref}]' if alert else ''}",
        context={"ref": alert.ref if alert else None,
                 "initials": alert.initials if alert else "?", "rule": "R-ALL",
                 "reason": "A reply to the alerts inbox could not be accepted.", "why": why},
        in_reply_to=inc.message_id, auto="auto-replied", rule="R-ALL")
    state = state.model_copy(update={"refused_notice": {**state.refused_notice, inc.sender: today}})
    return Decision(state=state, outgoing=(out,), disposition="rejected", note=note)


def out_of_office(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    """Never answered. From a person a step waits on: chasing moves to their deputy now."""
    changed: dict[str, Alert] = {}
    outgoing: list[Outgoing] = []
    events = []
    for alert in state.alerts.values():
        for wait in alert.waits:
            if wait.out_of_office or people.email_of(config, wait.owner) != inc.sender:
                continue
            deputy = people.deputy_of(config, wait.owner)
            work = Work(config, ctx, changed.get(alert.ref, alert), cause=inc.message_id)
            if deputy is None:
                work.event(wait.rule, "owner_out_of_office", stage=wait.id, deputy=None)
            else:
                from mailbot.core import due  # due imports replies' siblings; avoid a cycle
                due.hand_to(work, wait, deputy, "out_of_office",
                            f"{people.recipient(config, wait.owner).name} is out of the office")
            changed[alert.ref] = work.alert
            outgoing += work.outgoing
            events += work.events
    if not changed:
        return Decision(state=state, note="auto-reply: not answered")
    state = state.model_copy(update={"alerts": {**state.alerts, **changed}})
    return Decision(state=state, outgoing=tuple(outgoing), events=tuple(events),
                    note=f"out of office: {', '.join(changed)} handed to deputy")


def bounce(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    """Never answered. A bounce of our own mail is tied to its alert and shown to a person;
    a step whose owner's address bounced goes to the deputy so it cannot stall."""
    refs = {r.ref for r in (ids.parse_request_id(m) for m in inc.bounced_ids) if r}
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
            if people.email_of(config, wait.owner) in inc.bounced_recipients:
                deputy = people.deputy_of(config, wait.owner)
                if deputy:
                    from mailbot.core import due
                    due.hand_to(work, wait, deputy, "bounced",
                                f"mail to {people.email_of(config, wait.owner)} bounced")
        changed[ref] = work.alert
        events += work.events
        outgoing += work.outgoing
    state = state.model_copy(update={"alerts": {**state.alerts, **changed}})
    return Decision(state=state, events=tuple(events), outgoing=tuple(outgoing),
                    disposition="needs_attention",
                    note=f"bounce for {', '.join(sorted(refs)) or 'no known alert'}")
