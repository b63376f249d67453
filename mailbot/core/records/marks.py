"""Every mark the store keeps with an open alert (core/values/lazy.py `Mark`): what a
pass over all open alerts asks of each, so that a tick, a status, a new form or a
reply reads only the alerts it acts on (docs/decisions.md, "Open alerts read when
needed"). A mark not listed here is still answered, by reading the alert."""

from __future__ import annotations

from typing import Any

from mailbot.core.alerts import duplicate
from mailbot.core.authority import sender_check
from mailbot.core.chain import handovers
from mailbot.core.clocks import due, reminders
from mailbot.core.records import status
from mailbot.core.values.alert import Alert
from mailbot.core.values.lazy import Lazy, Mark, Marking

ALL: tuple[Mark, ...] = (due.FIRST, due.SOONEST, due.ASKED, duplicate.CHILD, sender_check.TOKENS,
                         handovers.OWNERS, reminders.REMINDED, status.ROW, status.TASKS)


def marks_of(held: Alert | Lazy, marking: Marking) -> dict[str, Any]:
    """Every mark of an open alert, as the JSON the store keeps; one the store holds
    unread is read once for them all, and not kept (core/values/lazy.py `Lazy.made`)."""
    if isinstance(held, Lazy) and not held.loaded:
        alert = held.peek()
        return {mark.name: mark.encode(held.made(mark, marking, alert)) for mark in ALL}
    alert = held.get() if isinstance(held, Lazy) else held
    return {mark.name: mark.encode(mark.of(alert, marking)) for mark in ALL}
