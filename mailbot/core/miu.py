"""The MIU desk: the register's questions to the Management Information Unit (R-OLA, R-MIU).

When the register (`mailbot.core.register`) cannot record another council's
notification with confidence it returns a `UnitTask`. Here each becomes a
`DeskTask`: a question with an owner (the `miu` role), a deadline and a reply
token, sent to the unit as an internal message, chased like any step (T-QA)
until the unit answers. The answers are the fewest that settle every question:

    CONFIRM           the details recorded are right (what could not be read)
    ENTRY OLA-...     the notification belongs to that entry
    NEW               it is a new alert: open an entry for it
    DONE              dealt with by hand; nothing more for the bot to do

Pure: plain values in (the tasks, the register's entries, the config, `ctx`),
plain values out. The shell (`mailbot.service.miu`) keeps the tasks beside the
register, so they are purged with it. Nothing here ever writes to the council
that sent the notification.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailbot.core import ids
from mailbot.core.business_time import add_working_time
from mailbot.core.config import Config
from mailbot.core.model import Outgoing, Recipient, Value
from mailbot.core.ola import OlaReading
from mailbot.core.register import (
    HistoryItem,
    Match,
    RegisterChange,
    RegisterEntry,
    UnitTask,
    apply_to,
    open_entry,
)
from mailbot.core.work import Ctx

ROLE = "miu"
PURPOSE = "register_task"
MAX_CHASE_INTERVAL = timedelta(days=7)
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


class Answer(Value):
    word: Word
    entry_id: str = ""


# -- asking ------------------------------------------------------------------------


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
    due = _after(ctx.now, config.timers.task_due.fixed, config, ctx) \
        if not config.timers.task_due.months else config.timers.task_due.after(ctx.now)
    return DeskTask(
        id=unit_task.id, kind=unit_task.kind, rule=unit_task.rule, title=unit_task.title,
        lines=unit_task.lines, original_id=unit_task.original_id, entry_ids=unit_task.entry_ids,
        token=ids.token(ctx.secret, unit_task.id, "desk", 1), asked_at=ctx.now, due_at=due,
        next_nudge_at=due, answers=ANSWERS.get(unit_task.kind, ("done",)))


def request(task: DeskTask, config: Config, *, chaser: int = 0,
            also: Sequence[Recipient] = (), late: bool = False) -> Outgoing:
    """The question (or its chaser) as an internal, answerable message to the unit."""
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    suffix = f".c{chaser}" if chaser else ""
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
        message_id=f"{task.id}.{task.attempt}.{task.token}{suffix}@{domain}", purpose=PURPOSE,
        to=(*_holders(config, ROLE), *also), subject=f"{words}Register: {task.title}"[:200],
        context=context, reply_token=task.token, sensitive=True, late=late, rule=task.rule)


def _holders(config: Config, role: str) -> tuple[Recipient, ...]:
    key = config.holder(role, None)
    if key is None:
        return ()
    person = config.person(key)
    return (Recipient(name=person.name, email=person.email, role=role),)


# -- answering ---------------------------------------------------------------------

_GREETING = re.compile(r"^(?:hi|hello|dear|morning|afternoon|good (?:morning|afternoon))\b"
                       r"[\w\s.,'’-]{0,40}[,!.]?$", re.I)
_ANSWER = re.compile(r"^\W*(?:(?P<confirm>confirm(?:ed)?)|(?P<new>new)|(?P<done>done|completed)"
                     r"|(?:entry\s*:?\s*)?(?P<entry>OLA-\d{4}-\d{4,}))\b", re.I)


def parse_answer(text: str) -> Answer | None:
    """The unit's answer, from the first line of its own words (a greeting skipped)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and _GREETING.match(lines[0]):
        lines = lines[1:]
    m = _ANSWER.match(lines[0]) if lines else None
    if m is None:
        return None
    if m.group("entry"):
        return Answer(word="entry", entry_id=m.group("entry").upper())
    word: Word = "confirm" if m.group("confirm") else "new" if m.group("new") else "done"
    return Answer(word=word)


def find(tasks: Sequence[DeskTask], plus_token: str | None,
         in_reply_to: Sequence[str]) -> DeskTask | None:
    """The question a reply answers: by its reply address, or by the id it quotes."""
    for task in tasks:
        if plus_token and ids.tokens_equal(task.token, plus_token.lower()):
            return task
    quoted = {i.lower().split("@", 1)[0] for i in in_reply_to}
    for task in tasks:
        head = f"{task.id}.{task.attempt}.{task.token}"
        if any(q == head or q.startswith(head + ".c") for q in quoted):
            return task
    return None


def settle(task: DeskTask, answer: Answer, entries: Sequence[RegisterEntry],
           reading: OlaReading | None, now: datetime) -> RegisterChange | str:
    """What the unit's answer does to the register, or why it cannot be taken."""
    entries = tuple(entries)
    if answer.word not in task.answers:
        return "this question takes " + " or ".join(HELP[a].split(" - ")[0] for a in task.answers)
    if answer.word == "done":
        return RegisterChange(entries=entries, action="unchanged",
                              note=f"register: {task.id} closed by the unit")
    if answer.word == "confirm":
        target = next((e for e in entries if e.id in task.entry_ids), None)
        if target is None:
            return "the entry this question was about is no longer in the register"
        confirmed = target.model_copy(update={"unconfirmed": (), "history": (
            *target.history, HistoryItem(at=now, what="details confirmed by the unit"))})
        return RegisterChange(entries=tuple(confirmed if e.id == target.id else e for e in entries),
                              action="updated", entry_id=target.id,
                              match=Match(level="exact", entry_ids=(target.id,),
                                          reasons=("confirmed by the unit",)),
                              note=f"register: {target.id} details confirmed by the unit")
    if reading is None:
        return "the original notification is no longer kept"
    if answer.word == "new":
        return open_entry(entries, reading, task.original_id, now)
    if not any(e.id == answer.entry_id for e in entries):
        return f"there is no entry {answer.entry_id} in the register"
    return apply_to(entries, answer.entry_id, reading, task.original_id, now)


# -- chasing -------------------------------------------------------------------------


def next_due(tasks: Sequence[DeskTask]) -> datetime | None:
    return min((t.next_nudge_at for t in tasks), default=None)


def chase(tasks: Sequence[DeskTask], config: Config,
          ctx: Ctx) -> tuple[tuple[DeskTask, ...], tuple[Outgoing, ...]]:
    """T-QA for the desk: an unanswered question is chased at its deadline and then
    every `chaser_every` (working time), less and less often once the tier above
    (`escalation.miu`) has been copied in, at most weekly."""
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
        also = _holders(config, above) if above and beyond else ()
        interval = min(policy.chaser_every.fixed * 2 ** min(beyond, 8), MAX_CHASE_INTERVAL)
        following = _after(ctx.now, interval, config, ctx) if policy.business_hours \
            else ctx.now + interval
        late = ctx.now - task.next_nudge_at > ctx.tolerance
        out.append(request(task, config, chaser=chasers, also=also, late=late))
        kept.append(task.model_copy(update={"chasers": chasers, "next_nudge_at": following}))
    return tuple(kept), tuple(out)


def _after(start: datetime, length: timedelta, config: Config, ctx: Ctx) -> datetime:
    return add_working_time(start, length, config.timers.business_hours, ctx.holidays,
                            ZoneInfo(config.organisation.timezone))
