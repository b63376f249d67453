"""The MIU desk's tasks: each question the register cannot settle alone, asked of the unit.

A `DeskTask` has an owner (the `miu` role), a deadline and a reply token; the
question goes to the unit as an internal, answerable message that says which
answers settle it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailbot.core.clocks.business_time import add_working_time
from mailbot.core.config import Config
from mailbot.core.context import Ctx
from mailbot.core.register import UnitTask
from mailbot.core.values.base import Value
from mailbot.core.values.mail import Outgoing, Recipient

ROLE = "miu"
PURPOSE = "register_task"
Word = Literal["confirm", "entry", "new", "done"]
# what each question accepts: the smallest set that settles it
ANSWERS: dict[str, tuple[Word, ...]] = {
    "check_details": ("confirm", "done"),
    "which_entry": ("entry", "new", "done"),
    "unmatched_found": ("entry", "done"),
    "unreadable": ("done",),
}
HELP: dict[Word, str] = {
    "confirm": "CONFIRM - the details recorded are right (checked against the original)",
    "entry": "ENTRY OLA-YYYY-NNNN - it belongs to that register entry",
    "new": "NEW - it is a new alert: open a register entry for it",
    "done": "DONE - dealt with by hand; nothing more for the system to do",
}


class DeskTask(Value):
    """One open question for the unit about the register."""

    id: str                      # the register's UnitTask id: one per original and kind
    kind: str
    rule: str = "R-OLA"
    role: str = ROLE
    title: str
    lines: tuple[str, ...]       # may name the child: the register's screen, inside the council
    original_id: str
    entry_ids: tuple[str, ...] = ()
    token: str
    attempt: int = 1
    asked_at: datetime
    due_at: datetime
    next_nudge_at: datetime
    chasers: int = 0
    answers: tuple[Word, ...]


def ask(unit_tasks: Sequence[UnitTask], known: Sequence[DeskTask], config: Config,
        ctx: Ctx) -> tuple[tuple[DeskTask, ...], tuple[Outgoing, ...]]:
    """Desk tasks for the register's questions, and the messages that ask them.
    A question already on the desk is asked again under the same Message-ID (the
    outbox sends it once), so handling a notification twice asks nothing twice."""
    by_id = {t.id: t for t in known}
    tasks: list[DeskTask] = []
    for unit_task in unit_tasks:
        task = by_id.get(unit_task.id) or _task(unit_task, config, ctx)
        tasks.append(task)
    return tuple(tasks), tuple(request(t, config) for t in tasks)


def _task(unit_task: UnitTask, config: Config, ctx: Ctx) -> DeskTask:
    due = working_time_after(ctx.now, config.timers.task_due.fixed, config, ctx) \
        if not config.timers.task_due.months else config.timers.task_due.after(ctx.now)
    return DeskTask(
        id=unit_task.id, kind=unit_task.kind, rule=unit_task.rule, title=unit_task.title,
        lines=unit_task.lines, original_id=unit_task.original_id, entry_ids=unit_task.entry_ids,
        token=ctx.token(unit_task.id, "desk", 1), asked_at=ctx.now, due_at=due,
        next_nudge_at=due, answers=ANSWERS.get(unit_task.kind, ("done",)))


def request(task: DeskTask, config: Config, *, chaser: int = 0,
            also: Sequence[Recipient] = (), late: bool = False) -> Outgoing:
    """The question (or its chaser) as an internal, answerable message to the unit."""
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    suffix = f".c{chaser}" if chaser else ""
    installation = f".{config.installation}" if config.installation else ""
    words = "Reminder: " if chaser else ""
    context = {
        "ref": None, "initials": "", "rule": task.rule,
        "reason": "the Management Information Unit keeps the register of other authorities' "
                  "national missing-child alerts (procedure rules R-OLA and R-MIU), and the "
                  "system could not record this notification without you.",
        "task": {"id": task.id, "kind": task.kind, "title": task.title, "lines": list(task.lines),
                 "entry_ids": list(task.entry_ids),
                 "answers": [HELP[a] for a in task.answers]},
        "due_at": task.due_at.isoformat(), "chaser": chaser,
    }
    return Outgoing(
        message_id=f"{task.id}.{task.attempt}.{task.token}{suffix}{installation}@{domain}",
        purpose=PURPOSE,
        to=(*holders(config, ROLE), *also), subject=f"{words}Register: {task.title}"[:200],
        context=context, reply_token=task.token, sensitive=True, late=late, rule=task.rule)


def holders(config: Config, role: str) -> tuple[Recipient, ...]:
    """Whoever holds `role` now, as a recipient (none when the role is vacant)."""
    key = config.holder(role, None)
    if key is None:
        return ()
    person = config.person(key)
    return (Recipient(name=person.name, email=person.email, role=role),)


def working_time_after(start: datetime, length: timedelta, config: Config, ctx: Ctx) -> datetime:
    return add_working_time(start, length, config.timers.business_hours, ctx.holidays,
                            ZoneInfo(config.organisation.timezone))
