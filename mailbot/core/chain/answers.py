"""Answers to what the bot asked: APPROVE, RETURN, FORWARD, DE-ALERT, DONE.

A reply counts only when it names a step that is still waiting (its token, from
In-Reply-To/References or the Reply-To plus-address), comes from the person
the step waits on (or their deputy, or whoever it was escalated to) and, when
the organisation's mail server is named, does not fail DMARC there. Anything
else changes nothing, is logged, and gets at most one short answer a day.
"""

from __future__ import annotations

import re

from mailbot.core import wording
from mailbot.core.alerts import closing
from mailbot.core.authority import people, policy, refusal, sender_check
from mailbot.core.chain import later, notices, route
from mailbot.core.clocks import review
from mailbot.core.config import ApprovalStage, Config
from mailbot.core.context import Ctx, Work, finish
from mailbot.core.national import renewal, signoff
from mailbot.core.values.alert import Alert, Wait
from mailbot.core.values.mail import Command, Incoming, Recipient
from mailbot.core.values.state import Decision, State


def reply(state: State, inc: Incoming, config: Config, ctx: Ctx) -> Decision:
    match = sender_check.find_wait(state, inc, config)
    alert, wait = match.alert, match.wait
    if alert is None or wait is None:
        return refusal.refuse(state, inc, config, ctx, match.why)
    stage = next((s for s in config.route_of(alert.category).stages if s.id == wait.id), None)
    separate = isinstance(stage, ApprovalStage) and policy.separation_applies(config, stage)
    verdict = policy.judge("task_done" if wait.kind == "task" else "answer", inc, config,
                           alert=alert, wait=wait, separate=separate)
    if not verdict.allowed:
        return refusal.refuse(state, inc, config, ctx, f"{verdict.why}.", alert=alert,
                              rule=verdict.rule)
    if match.conflict:
        # the person asked, but for which alert? act on neither, and ask (issue 10)
        return refusal.ask(state, inc, config, ctx,
                           f"We did not act on it because {match.conflict}. Please reply "
                           "to the request email itself for the alert you mean.",
                           alert, rule="thread and token disagree")
    if inc.command is not None and inc.command.unclear:
        return unclear(state, inc, config, ctx, alert, wait)
    command = inc.command.command if inc.command else None
    if wait.still_to_come:
        # the follow-up closes when the fields arrive (an update), not on a word (issue 11)
        return refusal.ask(state, inc, config, ctx, later.still_wanted(wait, alert.ref),
                           alert, rule="fields still to come", token=wait.token)
    if wait.kind == "task":
        if command not in (Command.DONE, Command.APPROVE):
            return refusal.ask(state, inc, config, ctx,
                               "Reply DONE on the first line when the task is done.",
                               alert, rule="unclear answer", token=wait.token)
        work = Work(config, ctx, alert, cause=inc.message_id)
        policy.record(work, verdict)
        task_done(work, wait, inc)
        return finish(state, work, "processed", f"{alert.ref} task {wait.id} done")
    if command is None or command.value not in wait.answers:
        return refusal.ask(state, inc, config, ctx,
                           f"The first line of the reply must be {how_to_answer(wait)}.",
                           alert, rule="unclear answer", token=wait.token)
    work = Work(config, ctx, alert, cause=inc.message_id)
    policy.record(work, verdict)
    by = people.recipient(config, config.person_by_email(inc.sender) or f"email:{inc.sender}")
    argument = inc.command.argument if inc.command else ""
    drop(work, wait)
    if command is Command.APPROVE:
        approved(work, wait, by.name)
    elif command is Command.RETURN:
        returned(work, wait, by.name, argument)
    elif command is Command.FORWARD:
        stage = stage_of(work, wait)
        roles = forward_roles(argument, stage.may_forward_to, config)
        if not roles:
            work = Work(config, ctx, alert, cause=inc.message_id)   # nothing happened
            names = ", ".join(config.roles[r].title for r in stage.may_forward_to)
            return refusal.refuse(state, inc, config, ctx,
                          f"FORWARD needs one of: {names}", alert=alert)
        work.update(forwarded_to=tuple(dict.fromkeys([*work.alert.forwarded_to, *roles])))
        notices.notice(work, roles, "forwarded", stage.rule,
                     f"{by.name} forwarded this alert to you at their discretion.",
                     by=by.name)
        approved(work, wait, by.name, forwarded=roles)
    elif command is Command.DEALERT:
        closing.close(work, f"de-alerted by {by.name} at step {wait.id}", by=by.name)
    return finish(state, work, "processed", f"{alert.ref} {wait.id}: {command.value}")


def how_to_answer(wait: Wait) -> str:
    words = [("RETURN and your reasons" if a == "return" else a.upper().replace("DEALERT", "DE-ALERT"))
             for a in wait.answers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def unclear(state: State, inc: Incoming, config: Config, ctx: Ctx, alert: Alert,
            wait: Wait) -> Decision:
    """What they meant, or ask (issue 10): the person asked always hears back."""
    assert inc.command is not None
    return refusal.ask(
        state, inc, config, ctx,
        f"We read the first line of your reply, \"{inc.command.first_line}\", but did not act "
        f"on it because {inc.command.unclear}. To answer, reply again with "
        f"{how_to_answer(wait)} alone on the first line.",
        alert, rule="unclear answer", token=wait.token)


def stage_of(work: Work, wait: Wait) -> ApprovalStage:
    stage = next(s for s in work.stages if s.id == wait.id)
    assert isinstance(stage, ApprovalStage)
    return stage


def drop(work: Work, wait: Wait) -> None:
    work.update(waits=tuple(w for w in work.alert.waits if w.id != wait.id))


def approved(work: Work, wait: Wait, by: str, forwarded: list[str] | None = None) -> None:
    stage = stage_of(work, wait)
    work.event(stage.rule, "approved", stage=stage.id, by=by, forwarded=forwarded or [])
    if stage.notify_on_approve:
        notices.notice(work, stage.notify_on_approve, "approved", stage.rule,
                       f"{by} ({work.config.roles[stage.role].title}) approved this alert.", by=by)
    if stage.id == signoff.SIGNOFF_STAGE:
        signoff.signed_off(work, by)
    work.update(stage=work.alert.stage + 1)
    route.advance(work)


def returned(work: Work, wait: Wait, by: str, reasons: str) -> None:
    stage = stage_of(work, wait)
    cfg = work.config
    work.update(status="returned")
    work.event(stage.rule, "returned", stage=stage.id, by=by, reasons=reasons[:500])
    # T-REVIEW: a returned alert that is never resubmitted must not fall out of sight;
    # the area pdo is asked to review it (and chase the team) at the review interval
    review.start_review_clock(work)
    to = Recipient(name=work.alert.submitter.name or work.alert.submitter.email,
                   email=work.alert.submitter.email, role="submitter")
    context = {**wording.basics(work.alert, stage.rule,
                                f"{by} returned alert {work.alert.ref} for more information."),
               "by": f"{by} ({cfg.roles[stage.role].title})", "reasons": reasons or "(none given)",
               "step_asks": stage.asks}
    work.send("submitter_returned", [to],
              wording.subject(work.alert, cfg, "Returned for more information", details=False),
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
        renewal.cascaded(work)
    elif wait.task == "national_reissue":
        renewal.reissued(work)
