"""R-MIU: the MIU desk: the register's questions to the Management Information Unit (R-OLA).

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

    tasks.py     DeskTask, and asking: the question as a message to the unit
    answers.py   reading the unit's answer, finding its question, settling it
    chasing.py   chasing an unanswered question, less often once escalated
"""

from mailbot.core.miu.answers import Answer, find, parse_answer, settle
from mailbot.core.miu.chasing import chase, next_due
from mailbot.core.miu.tasks import ANSWERS, HELP, PURPOSE, ROLE, DeskTask, Word, ask, request

__all__ = [
    "ANSWERS",
    "HELP",
    "PURPOSE",
    "ROLE",
    "Answer",
    "DeskTask",
    "Word",
    "ask",
    "chase",
    "find",
    "next_due",
    "parse_answer",
    "request",
    "settle",
]
