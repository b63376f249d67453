"""Asking an approval step: the request to the person the step waits on, with its
token, what is asked and how to answer (T-QA sets when it is due)."""

from __future__ import annotations

from mailbot.core import ids, wording
from mailbot.core.authority import people, policy
from mailbot.core.chain import later
from mailbot.core.config import ApprovalStage
from mailbot.core.context import Work
from mailbot.core.values.alert import Wait

# routing.yaml's `asks` is either what is wanted ("quality assurance") or what to do
# ("check all actions to locate were taken"): these first words say it is the latter
_VERBS = frozenset({"check", "decide", "note", "sign", "review", "confirm", "approve", "record",
                    "contact", "consider", "agree", "make", "send", "tell", "complete"})


def asked(asks: str) -> str:
    """"for quality assurance" or "to check all actions ...": `asks` after "asked"."""
    first = asks.split(" ", 1)[0].strip(";,.").lower()
    return f"to {asks}" if first in _VERBS else f"for {asks}"


def ask(work: Work, stage: ApprovalStage, *, reason: str = "") -> None:
    owner = people.holder_key(work.config, stage.role, work.alert)
    if owner is not None and policy.separation_applies(work.config, stage):
        owner = separate(work, stage, owner)
    if owner is None:
        work.event(stage.rule, "no_one_to_ask", stage=stage.id, role=stage.role)
        work.update(stage=work.alert.stage + 1)
        return
    attempt = work.next_attempt(stage.id)
    tok = work.ctx.token(work.alert.ref, stage.id, attempt)
    qa = work.qa_policy()
    due = work.after(work.ctx.now, qa.due, business=qa.business_hours)
    wait = Wait(id=stage.id, kind="approval", rule=stage.rule, role=stage.role, owner=owner,
                token=tok, attempt=attempt, asked_at=work.ctx.now, due_at=due, next_nudge_at=due,
                answers=stage.answers)
    work.update(waits=(*work.alert.waits, wait), status="in_qa")
    work.event(stage.rule, "asked", stage=stage.id, role=stage.role, owner=owner, due_at=due.isoformat())
    send_request(work, wait, owner, reason=reason)


def separate(work: Work, stage: ApprovalStage, owner: str) -> str:
    """Separation of duties (issue 10): nobody approves their own case; the step goes to
    their deputy or the tier above, and the case is recorded."""
    own = policy.own_case(work.config, work.alert, owner)
    if not own:
        return owner
    instead = policy.stand_in(work.config, work.alert, owner, stage.role)
    work.event(stage.rule, "separation_of_duties", stage=stage.id, instead_of=owner,
               to=instead, why=own)
    return instead or owner


def send_request(work: Work, wait: Wait, key: str, *, reason: str = "", escalated: bool = False,
                 suffix: str = "", late: bool = False) -> None:
    """The approval request itself: the alert, what is asked, how to answer."""
    stage = next(s for s in work.stages if s.id == wait.id)
    assert isinstance(stage, ApprovalStage)
    cfg = work.config
    title = cfg.roles[stage.role].title
    to = [people.recipient(cfg, key, stage.role, work.alert)]
    original = people.recipient(cfg, wait.owner, stage.role, work.alert).name if escalated else ""
    context = {
        **wording.basics(work.alert, stage.rule, reason or
                         f"Alert {work.alert.ref} waits on the {title}: {stage.asks}."),
        "alert": wording.alert_context(work.alert, cfg),
        "step": {
            "id": stage.id, "asks": stage.asks, "asked": asked(stage.asks), "role_title": title,
            "answers": list(stage.answers),
            "may_forward_to": [{"role": r, "title": cfg.roles[r].title} for r in stage.may_forward_to],
        },
        "due_at": wait.due_at.isoformat(),
        "escalated": escalated,
        "escalation_reason": reason if escalated else "",
        "original_owner": original,
        # fields a later step needs that the sender has been asked for (issue 11)
        "still_to_come": later.for_approver(work),
    }
    what = f"Alert for {stage.short}"
    work.send("approval_request", to, wording.subject(work.alert, cfg, what), context,
              rule=stage.rule, sensitive=True, reply_token=wait.token, late=late,
              message_id=ids.request_id(work.alert.ref, wait.id, wait.attempt, wait.token,
                                        work.domain, suffix,
                                        installation=work.config.installation))
