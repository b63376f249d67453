"""Walking an alert along its category's route (R-STD, R-CPCIN, R-CIC, R-NAT).

The route is data (routing.yaml). Approval and gate stages stop the walk until
someone answers or a threshold is met; notify, task and clock stages act and
move on. The alert stores only where it is (`stage`) and what it waits on.
A stage that needs fields still to come waits for them (`chain/later.py`): a side
step is passed over and run when they arrive (`run_deferred`), any other stops here.
"""

from __future__ import annotations

from mailbot.core.chain import asking, later, notices, tasks
from mailbot.core.clocks import missing, review
from mailbot.core.config import ApprovalStage, ClockStage, GateStage, NotifyStage, TaskStage
from mailbot.core.context import Work
from mailbot.core.national import cascade, gate, renewal


def advance(work: Work) -> None:
    """Act on stages from the current one until one must wait."""
    route = work.stages
    while work.alert.stage < len(route):
        stage = route[work.alert.stage]
        if isinstance(stage, GateStage) and work.alert.found_at is not None:
            gate.drop_chain(work, "the child was found before the national alert was due")
            continue
        held = later.hold(work, stage)
        if held == "stop":
            return
        if held == "pass":
            work.update(stage=work.alert.stage + 1)
            continue
        if isinstance(stage, ApprovalStage):
            if not work.alert.wait(stage.id):
                asking.ask(work, stage)
            return
        if isinstance(stage, GateStage):
            if not gate.national_gate(work, stage):
                return
        elif isinstance(stage, NotifyStage):
            notify_stage(work, stage)
        elif isinstance(stage, TaskStage):
            task_stage(work, stage)
        elif isinstance(stage, ClockStage):
            renewal.renewal_clocks(work, stage.rule)
        work.update(stage=work.alert.stage + 1)
    if work.alert.status in ("in_qa", "held"):
        work.update(status="open")
        work.event(work.config.route_of(work.alert.category).rule, "route_complete")
        review.start_review_clock(work)


def run_deferred(work: Work) -> None:
    """The side steps that waited for fields which have now arrived (issue 11)."""
    for stage in later.ready(work):
        work.event(stage.rule, "fields_came", stage=stage.id)
        if isinstance(stage, TaskStage):
            task_stage(work, stage)
        elif isinstance(stage, NotifyStage):
            notify_stage(work, stage)


def notify_stage(work: Work, stage: NotifyStage) -> None:
    if stage.after_missing is not None:
        missing.start(work, stage)
        return
    notices.notice(work, stage.roles, "new", stage.rule, stage.why)


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
        notices.notice(work, (stage.role,), "cascaded", "R-CASCADE",
                       "The bot has cascaded this national alert to the national custodian list; "
                       "for your records.")
        return
    tasks.create_task(work, stage.id, stage.role, stage.task, stage.rule)
