"""T-REVIEW: the area PDO reviews each open alert for ongoing need, at the configured interval."""

from __future__ import annotations

from datetime import datetime

from mailbot.core.chain import notices
from mailbot.core.context import Work
from mailbot.core.values.alert import Timer


def start_review_clock(work: Work, since: datetime | None = None) -> None:
    """T-REVIEW: the pdo reviews each open alert at the configured interval."""
    due = work.config.timers.review_interval.after(since or work.ctx.now)
    clocks = [c for c in work.alert.clocks if c.id != "review"]
    clocks.append(Timer(id="review", rule="T-REVIEW", kind="review", due_at=due, roles=("pdo",),
                        cc_roles=("tm", "sw")))
    work.update(clocks=tuple(clocks))



def fire(work: Work, timer: Timer, late: bool) -> None:
    alert, now = work.alert, work.ctx.now
    notices.deadline(work, timer.roles, "review", timer.rule,
                     f"Please review alert {alert.ref} ({alert.initials}) for ongoing need, "
                     "and ask the team manager / social worker for an update; send an updated "
                     "alert or a de-alert.", cc_roles=timer.cc_roles, due_at=None, late=late)
    start_review_clock(work, since=timer.due_at if not late else now)
