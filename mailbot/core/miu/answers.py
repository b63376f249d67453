"""The unit's answers to the desk's questions: read, matched to their question, settled.

CONFIRM, ENTRY OLA-..., NEW or DONE, from the first line of the unit's own
words; each question accepts only the answers that settle it (`ANSWERS`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from mailbot.core import ids
from mailbot.core.miu.tasks import HELP, DeskTask, Word
from mailbot.core.register import (
    HistoryItem,
    Match,
    OlaReading,
    RegisterChange,
    RegisterEntry,
    apply_to,
    open_entry,
)
from mailbot.core.values.base import Value


class Answer(Value):
    word: Word
    entry_id: str = ""


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
        # after the head: a chaser's ".cN" and the installation's part (core/ids.py)
        if any(q == head or q.startswith(head + ".") for q in quoted):
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
        return _confirmed(task, entries, now)
    if reading is None:
        return "the original notification is no longer kept"
    if answer.word == "new":
        return open_entry(entries, reading, task.original_id, now)
    if not any(e.id == answer.entry_id for e in entries):
        return f"there is no entry {answer.entry_id} in the register"
    return apply_to(entries, answer.entry_id, reading, task.original_id, now)


def _confirmed(task: DeskTask, entries: tuple[RegisterEntry, ...],
               now: datetime) -> RegisterChange | str:
    """CONFIRM: the entry's details stand as recorded; nothing is left to confirm."""
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
