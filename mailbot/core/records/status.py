"""An open alert's row in `mailbot status`, and its tasks' rows: pure functions of the
alert, the config and the bank holidays, so kept by the store with the alert (as
marks: core/values/lazy.py) and a status of 10,000 open alerts reads none of them.

Only "OVERDUE", which depends on the hour it is asked, is added by the table
itself (service/views.py), from the deadline each row carries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mailbot.core import plain, wording
from mailbot.core.authority import people
from mailbot.core.clocks import due
from mailbot.core.config import Config
from mailbot.core.values.alert import Alert
from mailbot.core.values.lazy import Mark


def row(alert: Alert, config: Config, holidays: frozenset[date]) -> dict[str, Any]:
    """{"cells": the row up to its deadline, "due": the deadline (ISO) or None, "at": its
    words, "next": when the bot next writes about it (a reminder or a notice), a column
    of its own}: what it waits on, and who. A held national alert "may go" from the end of
    its hold: that is nobody's deadline."""
    waits = [w for w in alert.waits if w.kind == "approval"] + \
            [w for w in alert.waits if w.kind == "task"]
    hold = next((c for c in alert.clocks if c.kind == "national_gate_open" and not c.done), None)
    deadline: datetime | None = None
    step, owner = "nothing waiting", ""
    if waits:
        w = waits[0]
        step = plain.waiting_on(config, w)
        owner = people.recipient(config, w.owner, w.role, alert).name
        if w.escalated_to:
            owner += " (+" + ", ".join(people.recipient(config, k).name
                                       for k in w.escalated_to) + ")"
        if len(waits) > 1:
            step += f" (and {len(waits) - 1} more)"
        deadline = w.due_at
    if hold is not None:
        held = f"national alert held: may go on {wording.local(hold.due_at, config)}"
        step = held if not waits else f"{held}; meanwhile {step}"
    if alert.restricted:   # issue 15: kept, but the bot sends nothing more about it
        step = f"RESTRICTED (no mail is sent); {step}"
    nxt = due.next_due_of(alert, config, holidays)
    cells = [alert.ref, alert.initials, alert.category, alert.district, alert.status, step,
             owner]
    return {"cells": cells, "due": None if deadline is None else deadline.isoformat(),
            "at": "-" if deadline is None else wording.local(deadline, config),
            "next": wording.local(nxt, config) if nxt else "-"}


def tasks(alert: Alert, config: Config) -> list[dict[str, Any]]:
    """The alert's open tasks, each {"role", "due" (ISO), "at" (its words), "cells"}."""
    found = []
    for w in alert.waits:
        if w.kind == "task":
            owner = people.recipient(config, w.owner, w.role, alert).name
            found.append({"role": w.role, "due": w.due_at.isoformat(),
                          "at": wording.local(w.due_at, config),
                          "cells": [plain.role(config, w.role), alert.ref, alert.initials,
                                    plain.waiting_on(config, w), owner]})
    return found


def _row_kept(found: dict[str, Any]) -> list[Any]:
    """A row as the store keeps it: a list, not a dict (a status of 10,000 rows reads
    four names less a row, a fifth of the reading)."""
    return [*found["cells"], found["due"], found["at"], found["next"]]


def _row_read(kept: list[Any]) -> dict[str, Any]:
    *cells, due_at, at, nxt = kept
    return {"cells": cells, "due": due_at, "at": at, "next": nxt}


def _tasks_kept(found: list[dict[str, Any]]) -> list[list[Any]]:
    return [[t["role"], t["due"], t["at"], *t["cells"]] for t in found]


def _tasks_read(kept: list[list[Any]]) -> list[dict[str, Any]]:
    return [{"role": role, "due": due_at, "at": at, "cells": cells}
            for role, due_at, at, *cells in kept]


ROW = Mark("status_row", row, _row_kept, _row_read, remember=False)
TASKS = Mark("status_tasks", lambda alert, config, holidays: tasks(alert, config),
             _tasks_kept, _tasks_read, holidays=False, remember=False)
