"""T-QA: the reminder before a step is due, the chasers after, and escalation to the
deputy and then the tier above; hand-overs (out of office, bounce) use the same path.

When each fires is decided by `mailbot.core.clocks.due`; what each sends is here."""

from __future__ import annotations

from datetime import datetime, timedelta

from mailbot.core import ids, wording
from mailbot.core.authority import people
from mailbot.core.chain import asking, tasks
from mailbot.core.context import Work
from mailbot.core.durations import Duration
from mailbot.core.values.alert import Wait

MAX_CHASE_INTERVAL = timedelta(days=7)


def replace_wait(work: Work, wait: Wait) -> None:
    work.update(waits=tuple(wait if w.id == wait.id else w for w in work.alert.waits))


def nudge(work: Work, wait: Wait) -> None:
    now = work.ctx.now
    policy = work.qa_policy(wait.kind)
    if not wait.reminded and wait.chasers == 0 and now < wait.due_at:
        reminder(work, wait, "before", wait.due_at)
        replace_wait(work, wait.model_copy(update={"reminded": True}))
        return
    due_at = wait.next_nudge_at or wait.due_at
    late = work.is_late(due_at)
    following = work.after(now, policy.chaser_every, business=policy.business_hours)
    if wait.chasers < policy.chasers_before_escalation:
        reminder(work, wait, "overdue", wait.due_at, late=late)
        replace_wait(work, wait.model_copy(update={
            "reminded": True, "chasers": wait.chasers + 1, "next_nudge_at": following}))
        work.event("T-QA", "chased", stage=wait.id, chasers=wait.chasers + 1, late=late)
        return
    target = _escalation_target(work, wait)
    if target is None:
        # everyone above has been asked: keep chasing, but less and less often
        # (doubling, at most weekly), so a stalled step nags rather than spams
        beyond = wait.chasers - policy.chasers_before_escalation
        interval = min(policy.chaser_every.fixed * 2 ** min(beyond + 1, 8), MAX_CHASE_INTERVAL)
        following = work.after(now, Duration(fixed=interval), business=policy.business_hours)
        reminder(work, wait, "overdue", wait.due_at, late=late)
        replace_wait(work, wait.model_copy(update={"chasers": wait.chasers + 1,
                                                    "next_nudge_at": following}))
        work.event("T-QA", "chased", stage=wait.id, chasers=wait.chasers + 1, late=late,
                   escalation="none left")
        return
    key, why = target
    hand_to(work, wait, key, "escalated", why, late=late)


def _escalation_target(work: Work, wait: Wait) -> tuple[str, str] | None:
    cfg = work.config
    name = people.recipient(cfg, wait.owner, wait.role, work.alert).name
    reason = f"{name} has not answered after {wait.chasers} chaser(s)"
    level = wait.escalation
    if level < 1:
        deputy = people.deputy_of(cfg, wait.owner)
        if deputy and deputy not in wait.escalated_to and deputy != wait.owner:
            return deputy, f"{reason}; you are their deputy"
    if level < 2:
        above = people.next_tier(cfg, wait.role, work.alert)
        if above and above not in wait.escalated_to and above != wait.owner:
            title = cfg.roles[cfg.escalation[wait.role]].title
            return above, f"{reason} (nor their deputy); it comes to you as {title}"
    return None


def hand_to(work: Work, wait: Wait, key: str, code: str, why: str, *, late: bool = False) -> None:
    """Ask someone else to act on a waiting step: the deputy (out of office, bounce,
    no answer) or the tier above. The owner is told why."""
    cfg, now = work.config, work.ctx.now
    policy = work.qa_policy(wait.kind)
    level = wait.escalation + 1 if code == "escalated" else max(wait.escalation, 1)
    updated = wait.model_copy(update={
        "escalated_to": (*wait.escalated_to, key), "escalation": level, "chasers": 0,
        "reminded": True, "out_of_office": wait.out_of_office or code == "out_of_office",
        "next_nudge_at": work.after(now, policy.chaser_every, business=policy.business_hours)})
    replace_wait(work, updated)
    work.event("T-QA", code, stage=wait.id, to=key, why=why, late=late)
    suffix = f"e{len(updated.escalated_to)}"
    if wait.kind == "task":
        tasks.send_task(work, updated, key, suffix=suffix, reason=f"Handed to you: {why}.")
    else:
        asking.send_request(work, updated, key, reason=f"This comes to you because {why}.",
                           escalated=True, suffix=suffix, late=late)
    if code == "escalated":
        reminder(work, updated, "escalated", wait.due_at, late=late,
                  note=f"It has now also gone to {people.recipient(cfg, key).name} ({why}).")


def reminder(work: Work, wait: Wait, stage: str, due_at: datetime, *, late: bool = False,
              note: str = "") -> None:
    cfg = work.config
    asks = wait.task or wait.id
    for s in work.stages:
        if s.id == wait.id and hasattr(s, "asks"):
            asks = s.asks
    if wait.kind == "task":
        asks = tasks.TASKS.get(wait.task or "", asks)
    to = [people.recipient(cfg, wait.owner, wait.role, work.alert)]
    to += [people.recipient(cfg, k, "", work.alert) for k in wait.escalated_to
           if stage != "escalated"]
    words = {"before": "Reminder", "overdue": "Overdue", "escalated": "Escalated"}[stage]
    what = f"{asks[:1].upper()}{asks[1:]} for alert {work.alert.ref} ({work.alert.initials})"
    if note:
        what = f"{what}. {note}"
    context = {**wording.basics(work.alert, "T-QA", f"Alert {work.alert.ref} waits on you."),
               "what": what, "due_at": due_at.isoformat(), "stage": stage,
               "chasers": wait.chasers}
    # a reminder is answered like the request it chases (issue 10): it carries the
    # step's token in its Message-ID and Reply-To, under a Message-ID of its own
    n = work.next_attempt("_out")
    work.send("reminder", to, wording.subject(work.alert, cfg, words, details=False), context,
              rule="T-QA", sensitive=False, late=late, attach_ics=due_at,
              reply_token=wait.token,
              message_id=ids.request_id(work.alert.ref, wait.id, wait.attempt, wait.token,
                                        work.domain, f"{stage[:1]}{n}"))
