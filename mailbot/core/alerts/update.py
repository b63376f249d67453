"""R-UPD: an updated alert on an existing reference (back through QA where the route
says so), or a de-alert that closes it."""

from __future__ import annotations

from mailbot.core import wording
from mailbot.core.alerts import closing, found
from mailbot.core.alerts import new as new_alert
from mailbot.core.authority import policy, refusal
from mailbot.core.chain import later, route
from mailbot.core.clocks import return_interview
from mailbot.core.config import Config
from mailbot.core.config.authority import Action
from mailbot.core.context import Ctx, Work, finish
from mailbot.core.values.alert import Alert
from mailbot.core.values.mail import Incoming, MessageKind, Recipient
from mailbot.core.values.state import Decision, State


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
    verdict = policy.judge(action_of(inc, alert), inc, config, alert=alert) if alert else None
    if verdict is not None and alert is not None and not verdict.allowed:
        return refusal.refuse(state, inc, config, ctx, f"{verdict.why}.", alert=alert,
                              about="form", rule=verdict.rule)
    if problems or alert is None or verdict is None:
        return new_alert.answer_problems(state, inc, config, problems, "rejected")
    work = Work(config, ctx, alert, cause=inc.message_id)
    policy.record(work, verdict)
    if inc.kind is MessageKind.DEALERT:
        closing.close(work, f"de-alerted by {inc.sender}", by=inc.sender_name or inc.sender)
        return finish(state, work, "processed", f"{alert.ref} de-alerted")
    assert reading is not None
    apply_update(work, reading.form.given(), by=inc.sender_name or inc.sender)
    return finish(state, work, "processed", f"{alert.ref} updated")


def action_of(inc: Incoming, alert: Alert) -> Action:
    """Which action the policy judges: closing, marking a missing child found, or updating."""
    if inc.kind is MessageKind.DEALERT:
        return "dealert"
    found_at = inc.form.form.found_at if inc.form else None
    return "found" if found_at is not None and alert.found_at is None else "update"


def apply_update(work: Work, given: dict[str, object], *, by: str) -> None:
    cfg, alert = work.config, work.alert
    old_form = alert.form
    changes = {k: v for k, v in given.items() if k not in ("reference", "category", "district")}
    new_form = old_form.model_copy(update={**changes, "alert_type": "update"})
    diff = wording.changes(old_form, new_form, cfg)
    work.update(form=new_form)
    work.event("R-UPD", "updated", fields=[row[0] for row in diff])
    if new_form.found_at and not alert.found_at:
        found.found(work, new_form)
    if new_form.return_interview_at and not alert.return_interview_at:
        return_interview.recorded(work, new_form.return_interview_at)
    if new_form.missing_since and not old_form.missing_since and not alert.found_at:
        work.update(missing_episodes=alert.missing_episodes + 1)
    told = [r for r in work.alert.told]
    if told:
        to = [Recipient(name=r, email=r) for r in told if r != alert.submitter.email]
        named = {p.email: p.name for p in cfg.people.values()}
        to = [Recipient(name=named.get(r.email, r.email), email=r.email) for r in to]
        context = {**wording.basics(work.alert, "R-UPD", f"Alert {alert.ref} has been updated."),
                   "alert": wording.alert_context(work.alert, cfg), "notice": "update",
                   "by": by, "changes": diff, "note": ""}
        work.send("alert_notice", to, wording.subject(work.alert, cfg, "Updated alert"), context,
                  rule="R-UPD", sensitive=True)
    route.run_deferred(work)   # side steps that waited for fields this update brings
    if alert.status == "returned":
        resume_after_return(work)
    elif alert.status == "held":
        # the update may carry what the national gate, or a step waiting for a field, waited for
        route.advance(work)
    elif cfg.route_of(alert.category).update_requalifies and alert.status == "open":
        work.update(stage=0)
        route.advance(work)
    later.settle(work)         # the follow-up lists only what is still to come (issue 11)


def resume_after_return(work: Work) -> None:
    """A returned alert comes back on its reference: ask the same step again."""
    work.update(status="in_qa")
    work.event("R-UPD", "resubmitted")
    route.advance(work)
