"""Walking an alert along its category's route (R-STD, R-CPCIN, R-CIC, R-NAT).

The route is data (routing.yaml). Approval and gate stages stop the walk until
someone answers or a threshold is met; notify, task and clock stages act and
move on. The alert stores only where it is (`stage`) and what it waits on.
"""

from __future__ import annotations

from datetime import datetime

from mailbot.core import cascade, ids, people, present
from mailbot.core.config import (
    ApprovalStage,
    ClockStage,
    GateStage,
    NotifyStage,
    Stage,
    TaskStage,
)
from mailbot.core.model import Clock, Wait
from mailbot.core.work import Work

TASKS = {
    "record_missing_dates": "Record the date missing (and, when found, the date found) on Liberi.",
    "record_missing_48h": "Record on Liberi that this Child in Care has been missing for 48 "
                          "hours, with the date missing (and, when found, the date found).",
    "cascade_national_alert": "Cascade the signed-off national alert to the national "
                              "custodian / designated officer list.",
    "cascade_found": "Cascade the national \"found\" notification to the national custodian list.",
    "ofsted_notification": "Complete and send the Ofsted notification (consult the area PDO "
                           "on the template).",
    "form_a": "Complete Form A (notification of a child death) and send it to the Safeguarding "
              "Children Board.",
    "contact_district": "Quality-assure the alert and contact the district to offer support "
                        "(consider recommending an internal risk management meeting).",
    "national_reissue": "Re-issue the national alert, giving the date the child originally "
                        "went missing.",
    "confirm_ola": "Confirm what the bot could not read with confidence in another "
                   "authority's notification.",
}


def stages(work: Work) -> tuple[Stage, ...]:
    return work.config.route_of(work.alert.category).stages


def advance(work: Work) -> None:
    """Act on stages from the current one until one must wait."""
    route = stages(work)
    while work.alert.stage < len(route):
        stage = route[work.alert.stage]
        if isinstance(stage, ApprovalStage):
            if not work.alert.wait(stage.id):
                ask(work, stage)
            return
        if isinstance(stage, GateStage):
            if work.alert.found_at is not None:
                national_not_needed(work, "the child was found before the national alert was due")
                return
            if not national_gate(work, stage):
                return
        elif isinstance(stage, NotifyStage):
            notify_stage(work, stage)
        elif isinstance(stage, TaskStage):
            task_stage(work, stage)
        elif isinstance(stage, ClockStage):
            renewal_clocks(work, stage.rule)
        work.update(stage=work.alert.stage + 1)
    if work.alert.status in ("in_qa", "held"):
        work.update(status="open")
        work.event(work.config.route_of(work.alert.category).rule, "route_complete")
        start_review_clock(work)


# -- approval steps -------------------------------------------------------------


def ask(work: Work, stage: ApprovalStage, *, reason: str = "") -> None:
    owner = people.holder_key(work.config, stage.role, work.alert)
    if owner is None:
        work.event(stage.rule, "no_one_to_ask", stage=stage.id, role=stage.role)
        work.update(stage=work.alert.stage + 1)
        return
    attempt = work.next_attempt(stage.id)
    tok = ids.token(work.ctx.secret, work.alert.ref, stage.id, attempt)
    policy = work.qa_policy()
    due = work.after(work.ctx.now, policy.due, business=policy.business_hours)
    wait = Wait(id=stage.id, kind="approval", rule=stage.rule, role=stage.role, owner=owner,
                token=tok, attempt=attempt, asked_at=work.ctx.now, due_at=due, next_nudge_at=due,
                answers=stage.answers)
    work.update(waits=(*work.alert.waits, wait), status="in_qa")
    work.event(stage.rule, "asked", stage=stage.id, role=stage.role, owner=owner, due_at=due.isoformat())
    send_request(work, wait, owner, reason=reason)


def send_request(work: Work, wait: Wait, key: str, *, reason: str = "", escalated: bool = False,
                 suffix: str = "", late: bool = False) -> None:
    """The approval request itself: the alert, what is asked, how to answer."""
    stage = next(s for s in stages(work) if s.id == wait.id)
    assert isinstance(stage, ApprovalStage)
    cfg = work.config
    title = cfg.roles[stage.role].title
    to = [people.recipient(cfg, key, stage.role, work.alert)]
    original = people.recipient(cfg, wait.owner, stage.role, work.alert).name if escalated else ""
    context = {
        **present.basics(work.alert, stage.rule, reason or
                         f"Alert {work.alert.ref} waits on the {title}: {stage.asks}."),
        "alert": present.alert_context(work.alert, cfg),
        "step": {
            "id": stage.id, "asks": stage.asks, "role_title": title,
            "answers": list(stage.answers),
            "may_forward_to": [{"role": r, "title": cfg.roles[r].title} for r in stage.may_forward_to],
        },
        "due_at": wait.due_at.isoformat(),
        "escalated": escalated,
        "escalation_reason": reason if escalated else "",
        "original_owner": original,
    }
    what = f"Alert for {stage.short}"
    work.send("approval_request", to, present.subject(work.alert, cfg, what), context,
              rule=stage.rule, sensitive=True, reply_token=wait.token, late=late,
              message_id=ids.request_id(work.alert.ref, wait.id, wait.attempt, wait.token,
                                        work.domain, suffix))


# -- notices, tasks, the national gate and clocks ------------------------------


def notify_stage(work: Work, stage: NotifyStage) -> None:
    if stage.after_missing is not None:
        missing = work.alert.form.missing_since
        if missing is None or work.alert.found_at is not None:
            return   # found before this step was reached: no T-48H clock to keep
        due = stage.after_missing.after(missing)
        if due > work.ctx.now:
            clock = Clock(id=stage.id, rule=stage.rule, kind="missing_notice", due_at=due,
                          roles=stage.roles)
            work.update(clocks=(*work.alert.clocks, clock))
            work.event(stage.rule, "clock_set", clock=stage.id, due_at=due.isoformat())
            return
        missing_48h(work, stage.id, stage.roles, stage.rule, stage.why)
        return
    notice(work, stage.roles, "new", stage.rule, stage.why)


def notice(work: Work, roles: tuple[str, ...] | list[str], kind: str, rule: str, why: str,
           *, by: str = "", changes: list[list[str]] | None = None, late: bool = False) -> None:
    cfg = work.config
    to = [r for r in people.role_recipients(cfg, roles, work.alert)]
    if not to:
        return
    words = {"new": "Alert", "missing_48h": "Child in Care missing 48 hours",
             "forwarded": "Alert forwarded to you", "approved": "Alert approved",
             "update": "Updated alert", "dealert": "De-alert", "found": "Child found",
             "cascaded": "National alert cascaded"}
    context = {
        **present.basics(work.alert, rule, why or f"You are told of alert {work.alert.ref} ({rule})."),
        "alert": present.alert_context(work.alert, cfg),
        "notice": kind, "by": by, "changes": changes or [], "note": why,
    }
    work.send("alert_notice", to, present.subject(work.alert, cfg, words.get(kind, "Alert")),
              context, rule=rule, sensitive=True, late=late)
    work.event(rule, "told", notice=kind, roles=list(roles), to=[r.email for r in to])


def task_stage(work: Work, stage: TaskStage) -> None:
    if stage.when_field is not None:
        value = getattr(work.alert.form, stage.when_field, None)
        if value != stage.when_value:
            return
    if stage.task == "cascade_national_alert" and cascade.by_bot(work):
        cascade.send_cascade(work, "alert")
        work.update(national=work.alert.national.model_copy(
            update={"issued_at": work.ctx.now, "last_notice_at": work.ctx.now}))
        work.event("R-CASCADE", "national_issued", by="bot")
        notice(work, (stage.role,), "cascaded", "R-CASCADE",
               "The bot has cascaded this national alert to the national custodian list; "
               "for your records.")
        return
    create_task(work, stage.id, stage.role, stage.task, stage.rule)


def missing_48h(work: Work, wait_id: str, roles: tuple[str, ...], rule: str, why: str, *,
                late: bool = False) -> None:
    """T-48H, R-MIU: a Child in Care missing 48 hours reaches MIU as a task (record it
    on Liberi), chased like any step until MIU replies DONE."""
    for role in roles:
        create_task(work, wait_id if len(roles) == 1 else f"{wait_id}.{role}", role,
                    "record_missing_48h", rule, reason=why, late=late)


def create_task(work: Work, wait_id: str, role: str, task: str, rule: str,
                *, due: datetime | None = None, reason: str = "", late: bool = False) -> None:
    cfg = work.config
    owner = people.holder_key(cfg, role, work.alert)
    if owner is None:
        work.event(rule, "no_one_to_ask", task=task, role=role)
        return
    attempt = work.next_attempt(wait_id)
    tok = ids.token(work.ctx.secret, work.alert.ref, wait_id, attempt)
    due_at = due or work.after(work.ctx.now, cfg.timers.task_due, business=True)
    wait = Wait(id=wait_id, kind="task", rule=rule, role=role, owner=owner, token=tok,
                attempt=attempt, asked_at=work.ctx.now, due_at=due_at, next_nudge_at=due_at,
                answers=("done",), task=task)
    work.update(waits=(*work.alert.waits, wait))
    work.event(rule, "task_set", task=task, role=role, owner=owner, due_at=due_at.isoformat())
    send_task(work, wait, owner, reason=reason, late=late)


def send_task(work: Work, wait: Wait, key: str, *, suffix: str = "", reason: str = "",
              late: bool = False) -> None:
    cfg = work.config
    description = TASKS.get(wait.task or "", wait.task or "")
    context = {
        **present.basics(work.alert, wait.rule, reason or
                         f"A task for the {cfg.roles[wait.role].title} on alert {work.alert.ref}."),
        "alert": present.alert_context(work.alert, cfg),
        "task": {"id": wait.id, "task": wait.task, "description": description},
        "due_at": wait.due_at.isoformat(),
    }
    to = [people.recipient(cfg, key, wait.role, work.alert)]
    work.send("task_request", to, present.subject(work.alert, cfg, f"Task: {description[:60]}"),
              context, rule=wait.rule, sensitive=True, reply_token=wait.token, late=late,
              message_id=ids.request_id(work.alert.ref, wait.id, wait.attempt, wait.token,
                                        work.domain, suffix))


def national_gate(work: Work, stage: GateStage) -> bool:
    """T-NAT-3W: held until reasonable attempts are recorded and three weeks have
    passed since the child went missing. True when the alert may go on."""
    form, cfg, national = work.alert.form, work.config, work.alert.national
    if form.national_alert is False or form.known_locality is True:
        why = ("the family is known to be in a particular locality, which is not a national alert"
               if form.known_locality else "the form does not request a national alert")
        work.update(national=national.model_copy(update={"status": "not_requested",
                                                          "held_reason": why}))
        work.event(stage.rule, "national_not_requested", why=why)
        return True
    reasons: list[str] = []
    opens = cfg.timers.national_gate.after(form.missing_since) if form.missing_since else None
    if not (form.attempts_to_locate or "").strip():
        reasons.append("reasonable attempts to locate the family are not yet recorded on the form")
    if opens is None:
        reasons.append("the date the family went missing is not on the form")
    elif opens > work.ctx.now:
        reasons.append(f"three weeks will have passed since the family went missing on "
                       f"{present.local(opens, cfg)}")
    if not reasons:
        if national.status == "held":
            work.event(stage.rule, "national_gate_open")
        work.update(national=national.model_copy(update={"status": "in_qa", "held_reason": ""}))
        return True
    why = "; ".join(reasons)
    first_hold = national.status != "held"
    work.update(status="held", national=national.model_copy(
        update={"status": "held", "gate_opens_at": opens, "held_reason": why}))
    clocks = [c for c in work.alert.clocks if c.id != "nat_gate"]
    if opens is not None and opens > work.ctx.now:
        clocks.append(Clock(id="nat_gate", rule=stage.rule, kind="national_gate_open",
                            due_at=opens, roles=("sm",)))
    work.update(clocks=tuple(clocks))
    if first_hold:
        work.event(stage.rule, "national_held", why=why,
                   opens_at=opens.isoformat() if opens else None)
        deadline(work, ("sm",), "national_held", stage.rule,
                 f"The national alert for {work.alert.ref} is held: {why}. It can go "
                 + (f"from {present.local(opens, cfg)}" if opens else "once that is on the form")
                 + " (T-NAT-3W).", due_at=opens)
    return False


def national_not_needed(work: Work, why: str) -> None:
    """The child was found before the national alert went out: its steps (the gate and
    all after it) are dropped and the route ends, so the alert goes on as an ordinary
    R-CPCIN one (reviews, the return interview) until it is de-alerted."""
    route = stages(work)
    gate = next((i for i, s in enumerate(route) if isinstance(s, GateStage)), None)
    if gate is None:
        return
    chain = {s.id for s in route[gate:]}
    work.update(stage=len(route), waits=tuple(w for w in work.alert.waits if w.id not in chain),
                clocks=tuple(c for c in work.alert.clocks if c.id != "nat_gate"),
                national=work.alert.national.model_copy(update={"status": "found",
                                                                "held_reason": ""}))
    work.event(route[gate].rule, "national_not_needed", why=why)
    advance(work)


def renewal_clocks(work: Work, rule: str) -> None:
    """T-NAT-6M and T-NAT-12M, counted from the last national notification."""
    cfg, now = work.config, work.ctx.now
    national = work.alert.national
    issued = national.issued_at or now
    last = national.last_notice_at or issued
    t = cfg.timers
    keep = [c for c in work.alert.clocks
            if not (c.id.startswith("nat_reissue") or c.id.startswith("nat_lapse"))]
    reissue_due = t.national_reissue.after(last)
    keep.append(Clock(id=f"nat_reissue.{national.reissues}", rule="T-NAT-6M", kind="national_reissue",
                      due_at=t.national_reissue_notice.before(reissue_due), roles=("pdo",)))
    for i, warning in enumerate(t.national_lapse_warnings):
        keep.append(Clock(id=f"nat_lapse.{national.reissues}.{i}", rule="T-NAT-12M",
                          kind="national_lapse_warning", due_at=warning.after(last),
                          roles=("pdo",), cc_roles=("sm_sqa",)))
    work.update(clocks=tuple(keep), national=national.model_copy(
        update={"status": "issued", "issued_at": issued, "last_notice_at": last}))
    work.event(rule, "national_clocks_set", reissue_due=reissue_due.isoformat())


def start_review_clock(work: Work, since: datetime | None = None) -> None:
    """T-REVIEW: the pdo reviews each open alert at the configured interval."""
    due = work.config.timers.review_interval.after(since or work.ctx.now)
    clocks = [c for c in work.alert.clocks if c.id != "review"]
    clocks.append(Clock(id="review", rule="T-REVIEW", kind="review", due_at=due, roles=("pdo",),
                        cc_roles=("tm", "sw")))
    work.update(clocks=tuple(clocks))


def deadline(work: Work, roles: tuple[str, ...], clock: str, rule: str, what: str, *,
             cc_roles: tuple[str, ...] = (), due_at: datetime | None = None,
             since: datetime | None = None, late: bool = False, ics: bool = False) -> None:
    """A procedural or statutory clock message: reference and initials only."""
    cfg = work.config
    to = people.role_recipients(cfg, roles, work.alert)
    cc = [r for r in people.role_recipients(cfg, cc_roles, work.alert)
          if r.email not in {t.email for t in to}]
    context = {
        **present.basics(work.alert, rule, what),
        "clock": clock, "what": what,
        "due_at": due_at.isoformat() if due_at else None,
        "since": since.isoformat() if since else None,
    }
    titles = {"return_interview_due": "Return interview due", "return_interview_overdue":
              "Return interview overdue", "national_held": "National alert held",
              "national_gate_open": "National alert may now go", "national_reissue":
              "National alert re-issue due", "national_lapse_warning": "National alert nearing lapse",
              "review": "Alert review due", "missing_48h": "Missing 48 hours"}
    work.send("deadline_notice", to, present.subject(work.alert, cfg, titles.get(clock, clock),
                                                     details=False),
              context, rule=rule, sensitive=False, cc=cc, late=late,
              attach_ics=due_at if ics and due_at else None)
    work.event(rule, "deadline_notice", clock=clock, to=[r.email for r in to + cc], late=late)
