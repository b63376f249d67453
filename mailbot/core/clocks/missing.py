"""T-48H: a Child in Care missing 48 hours reaches MIU as a task (R-MIU)."""

from __future__ import annotations

from mailbot.core.chain import tasks
from mailbot.core.config import NotifyStage
from mailbot.core.context import Work
from mailbot.core.values.alert import Timer


def missing_48h(work: Work, wait_id: str, roles: tuple[str, ...], rule: str, why: str, *,
                late: bool = False) -> None:
    """T-48H, R-MIU: a Child in Care missing 48 hours reaches MIU as a task (record it
    on Liberi), chased like any step until MIU replies DONE."""
    for role in roles:
        tasks.create_task(work, wait_id if len(roles) == 1 else f"{wait_id}.{role}", role,
                    "record_missing_48h", rule, reason=why, late=late)



def start(work: Work, stage: NotifyStage) -> None:
    """A notify step with `after_missing` (T-48H): set its timer from the time missing on
    the form, or act now when that time has already passed."""
    assert stage.after_missing is not None
    missing_since = work.alert.form.missing_since
    if missing_since is None or work.alert.found_at is not None:
        return   # found before this step was reached: no T-48H clock to keep
    due = stage.after_missing.after(missing_since)
    if due > work.ctx.now:
        timer = Timer(id=stage.id, rule=stage.rule, kind="missing_notice", due_at=due,
                      roles=stage.roles)
        work.update(clocks=(*work.alert.clocks, timer))
        work.event(stage.rule, "clock_set", clock=stage.id, due_at=due.isoformat())
        return
    missing_48h(work, stage.id, stage.roles, stage.rule, stage.why)


def fire(work: Work, timer: Timer, late: bool) -> None:
    """The 48-hour mark: MIU's task, unless the child was found before it."""
    alert = work.alert
    if alert.found_at is None:
        missing_48h(work, timer.id, timer.roles, timer.rule,
                    "This Child in Care has been missing for 48 hours.", late=late)
    else:
        # say so: a timer that fires with nothing to send still changes the state,
        # and the shell commits a tick only when it has something to show for it
        work.event(timer.rule, "missing_48h_not_needed", found_at=alert.found_at.isoformat())
