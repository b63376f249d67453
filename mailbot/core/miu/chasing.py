"""Chasing the desk's unanswered questions (T-QA for the MIU desk).

An unanswered question is chased at its deadline and then every `chaser_every`
(working time), less and less often once the tier above (`escalation.miu`) has
been copied in, at most weekly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from mailbot.core.config import Config
from mailbot.core.context import Ctx
from mailbot.core.miu.tasks import ROLE, DeskTask, holders, request, working_time_after
from mailbot.core.values.mail import Outgoing

MAX_CHASE_INTERVAL = timedelta(days=7)


def next_due(tasks: Sequence[DeskTask]) -> datetime | None:
    return min((t.next_nudge_at for t in tasks), default=None)


def chase(tasks: Sequence[DeskTask], config: Config,
          ctx: Ctx) -> tuple[tuple[DeskTask, ...], tuple[Outgoing, ...]]:
    """The questions with their chasers counted, and the chasers due now."""
    policy = config.timers.qa
    out: list[Outgoing] = []
    kept: list[DeskTask] = []
    above = config.escalation.get(ROLE)
    for task in tasks:
        if task.next_nudge_at > ctx.now:
            kept.append(task)
            continue
        chasers = task.chasers + 1
        beyond = max(0, chasers - policy.chasers_before_escalation)
        also = holders(config, above) if above and beyond else ()
        interval = min(policy.chaser_every.fixed * 2 ** min(beyond, 8), MAX_CHASE_INTERVAL)
        following = working_time_after(ctx.now, interval, config, ctx) if policy.business_hours \
            else ctx.now + interval
        late = ctx.now - task.next_nudge_at > ctx.tolerance
        out.append(request(task, config, chaser=chasers, also=also, late=late))
        kept.append(task.model_copy(update={"chasers": chasers, "next_nudge_at": following}))
    return tuple(kept), tuple(out)
