"""T-QA: the reminder before a step is due, the chasers after, and escalation to the
deputy and then the tier above; hand-overs (out of office, bounce) use the same path.
Chasing stops after `max_chasers` once nobody is left to pass the step to: the unit
is told once, and the digest shows it (issue 11).

When each fires is decided by `mailbot.core.clocks.due` (and, for a person with
several due the same day, `clocks/waiting.py`); what each sends is here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from mailbot.core import ids, wording
from mailbot.core.authority import people
from mailbot.core.chain import asking, tasks
from mailbot.core.config import Config
from mailbot.core.context import Work
from mailbot.core.durations import Duration
from mailbot.core.values.alert import Alert, Wait
from mailbot.core.values.lazy import Mark
from mailbot.core.values.mail import Recipient

MAX_CHASE_INTERVAL = timedelta(days=7)
Action = Literal["before", "chase", "escalate", "stop"]


def replace_wait(work: Work, wait: Wait) -> None:
    work.update(waits=tuple(wait if w.id == wait.id else w for w in work.alert.waits))


def plan(work: Work, wait: Wait) -> Action:
    """What the step's next nudge is: a reminder before it is due, a chaser, passing
    it on (deputy, then the tier above), or, when all that is done, stopping."""
    policy = work.qa_policy(wait.kind)
    if not wait.reminded and wait.chasers == 0 and work.ctx.now < wait.due_at:
        return "before"
    if wait.chasers < policy.chasers_before_escalation:
        return "chase"
    if _escalation_target(work, wait) is not None:
        return "escalate"
    return "stop" if wait.chased >= policy.max_chasers else "chase"


def nudge(work: Work, wait: Wait, at: datetime | None = None, *,
          only: frozenset[str] | None = None) -> Action:
    """Fire the step's next nudge, which fell due at `at`. `only`: the addresses that
    still get a reminder of their own (the others had it in their "waiting on you" mail)."""
    now = work.ctx.now
    policy = work.qa_policy(wait.kind)
    action = plan(work, wait)
    late = work.is_late(at or wait.next_nudge_at or wait.due_at)
    if action == "before":
        reminder(work, wait, "before", wait.due_at, only=only)
        replace_wait(work, wait.model_copy(update={"reminded": True}))
    elif action == "escalate":
        target = _escalation_target(work, wait)
        assert target is not None
        hand_to(work, wait, target[0], "escalated", target[1], late=late)
    elif action == "stop":
        stop(work, wait, late=late)
    elif wait.chasers < policy.chasers_before_escalation:
        following = work.after(now, policy.chaser_every, business=policy.business_hours)
        reminder(work, wait, "overdue", wait.due_at, late=late, only=only)
        replace_wait(work, wait.model_copy(update={
            "reminded": True, "chasers": wait.chasers + 1, "chased": wait.chased + 1,
            "next_nudge_at": following}))
        work.event("T-QA", "chased", stage=wait.id, chasers=wait.chasers + 1, late=late)
    else:
        # everyone above has been asked: chase less and less often (doubling, at most
        # weekly) until `max_chasers`, so a stalled step nags rather than spams
        beyond = wait.chasers - policy.chasers_before_escalation
        interval = min(policy.chaser_every.fixed * 2 ** min(beyond + 1, 8), MAX_CHASE_INTERVAL)
        following = work.after(now, Duration(fixed=interval), business=policy.business_hours)
        reminder(work, wait, "overdue", wait.due_at, late=late, only=only)
        replace_wait(work, wait.model_copy(update={
            "chasers": wait.chasers + 1, "chased": wait.chased + 1, "next_nudge_at": following}))
        work.event("T-QA", "chased", stage=wait.id, chasers=wait.chasers + 1, late=late,
                   escalation="none left")
    return action


def stop(work: Work, wait: Wait, *, late: bool = False) -> None:
    """No more chasers: the step stays open (an answer still counts), the unit is told
    once, and the digest lists it from the event (`what="chasing stopped"`)."""
    replace_wait(work, wait.model_copy(update={"next_nudge_at": None, "reminded": True}))
    work.event("T-QA", "chasing stopped", stage=wait.id, owner=wait.owner)
    cfg, alert = work.config, work.alert
    key = cfg.holder("unit", alert.area)
    if key is None:
        return
    unit = cfg.person(key)
    asked = [people.recipient(cfg, k, "", alert).name for k in (wait.owner, *wait.escalated_to)]
    context = {**wording.basics(alert, "T-QA", f"Chasing has stopped on alert {alert.ref}."),
               "what": waited_for(work, wait), "due_at": wait.due_at.isoformat(),
               "chased": wait.chased, "asked": asked}
    work.send("chasing_stopped", [Recipient(name=unit.name, email=unit.email, role="unit")],
              wording.subject(alert, cfg, "Nobody has answered: chasing stopped", details=False),
              context, rule="T-QA", sensitive=False, late=late)


def _escalation_target(work: Work, wait: Wait) -> tuple[str, str] | None:
    cfg = work.config
    name = people.recipient(cfg, wait.owner, wait.role, work.alert).name
    n = wait.chasers
    reason = f"{name} has not answered after {n} reminder{'' if n == 1 else 's'}"
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
        deputy = people.deputy_of(cfg, wait.owner) == key
        above = cfg.escalation.get(wait.role)
        who = "your deputy" if deputy else \
            f"the {cfg.roles[above].title}" if above in cfg.roles else "someone else"
        reminder(work, updated, "escalated", wait.due_at, late=late,
                 note=f"Nobody has answered yet, so it has now also gone to "
                      f"{people.recipient(cfg, key).name}, {who}.")


def waited_for(work: Work, wait: Wait) -> str:
    """What the step waits for, in the procedure's words: "the Service Manager's quality
    assurance", or the task itself."""
    if wait.kind == "task":
        return tasks.describe(wait).rstrip(".")
    stage = next((s for s in work.stages if s.id == wait.id), None)
    asks = getattr(stage, "asks", "") or "an answer"
    title = work.config.roles[wait.role].title if wait.role in work.config.roles else ""
    return f"the {title}'s answer: {asks}" if title else asks


def recipients(work: Work, wait: Wait, stage: str = "overdue") -> list[Recipient]:
    """Who a reminder goes to: the owner, and whoever it was passed on to."""
    return _recipients(work.config, work.alert, wait, stage)


def _recipients(cfg: Config, alert: Alert, wait: Wait, stage: str) -> list[Recipient]:
    to = [people.recipient(cfg, wait.owner, wait.role, alert)]
    to += [people.recipient(cfg, k, "", alert) for k in wait.escalated_to
           if stage != "escalated"]
    return list({r.email.lower(): r for r in to}.values())


def _reminded(alert: Alert, cfg: Config) -> list[str]:
    return sorted({r.email.lower() for w in alert.waits
                   for r in _recipients(cfg, alert, w, "overdue")})


# every address a reminder or chaser of the alert's steps goes to, kept by the store with
# the alert: the day's "waiting on you" mails (clocks/waiting.py) pass over an alert whose
# people have all had theirs without reading it
REMINDED = Mark("reminded", lambda alert, config, holidays: _reminded(alert, config),
                holidays=False)


def reminder(work: Work, wait: Wait, stage: str, due_at: datetime, *, late: bool = False,
             note: str = "", only: frozenset[str] | None = None) -> None:
    cfg, alert = work.config, work.alert
    to = [r for r in recipients(work, wait, stage) if only is None or r.email.lower() in only]
    if not to:
        return
    words = {"before": "Reminder", "overdue": "Overdue", "escalated": "Escalated"}[stage]
    if wait.kind == "task":
        what = f"You were asked to do this on alert {alert.ref} ({alert.initials}): " \
               f"{waited_for(work, wait)}."
    else:
        stage_ = next((s for s in work.stages if s.id == wait.id), None)
        asks = asking.asked(getattr(stage_, "asks", "") or "an answer")
        what = f"You were asked {asks} on alert {alert.ref} ({alert.initials})."
    if note:
        what = f"{what} {note}"
    context = {**wording.basics(alert, "T-QA", f"Alert {alert.ref} waits on you."),
               "what": what, "due_at": due_at.isoformat(), "stage": stage,
               "chasers": wait.chasers}
    # a reminder is answered like the request it chases (issue 10): it carries the
    # step's token in its Message-ID and Reply-To, under a Message-ID of its own
    n = work.next_attempt("_out")
    work.send("reminder", to, wording.subject(alert, cfg, words, details=False), context,
              rule="T-QA", sensitive=False, late=late, attach_ics=due_at,
              reply_token=wait.token,
              message_id=ids.request_id(alert.ref, wait.id, wait.attempt, wait.token,
                                        work.domain, f"{stage[:1]}{n}",
                                        installation=work.config.installation))
