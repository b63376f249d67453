"""Every clock an alert ran, and whether it was met: read back from its event log.

A closed alert keeps no clocks of its own (they go when it closes), so the record
is rebuilt from what the log says happened: a step asked of someone and answered
(approved, returned, done) on time or late; a clock started and fired; the return
interview due and recorded; the national alert's three-week hold. What is still
running on an open alert is shown as open, or overdue once its time has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from mailbot.core.dates import aware_instant
from mailbot.core.values.alert import Alert, Event

ANSWERED = ("approved", "returned", "dealerted")


@dataclass(frozen=True)
class Deadline:
    key: str                     # "stage:sm_qa", "task:contact_district", "clock:miu_48h"
    kind: str                    # step / task / clock / return interview / national hold
    name: str                    # the stage, task or clock id
    rule: str
    set_at: datetime
    due_at: datetime | None
    who: str = ""
    done_at: datetime | None = None
    done: str = ""               # what ended it: approved, task done, fired, ...
    chasers: int = 0
    late_flag: bool = False      # the log itself said "late" (a notice sent after its time)

    def outcome(self, as_of: datetime, closed: bool) -> str:
        if self.done_at is not None:
            late = self.late_flag or (self.due_at is not None and self.done_at > self.due_at
                                      and self.kind != "return interview")  # judged by its day
            if self.kind == "clock":
                return "fired late" if late else "fired on time"
            return "late" if late else "met"
        if closed:
            return "not done (alert closed)"
        if self.due_at is not None and self.due_at < as_of:
            return "overdue"
        return "open"



def deadlines(alert: Alert, events: Sequence[Event]) -> list[Deadline]:
    """In the order they were set; a step asked again (a hand-over) is a new line."""
    rows: list[Deadline] = []
    open_by_key: dict[str, int] = {}

    def start(row: Deadline) -> None:
        open_by_key[row.key] = len(rows)
        rows.append(row)

    def end(key: str, at: datetime, how: str, *, late: bool = False) -> None:
        i = open_by_key.pop(key, None)
        if i is not None:
            rows[i] = replace(rows[i], done_at=at, done=how, late_flag=rows[i].late_flag or late)

    for e in sorted(events, key=lambda e: (e.at, e.seq)):
        d = e.detail
        if e.what == "asked" and d.get("stage"):
            key = f"stage:{d['stage']}"
            end(key, e.at, "asked again")
            start(Deadline(key, "step", str(d["stage"]), e.rule, e.at, aware_instant(d.get("due_at")),
                           who=str(d.get("owner", ""))))
        elif e.what in ANSWERED and d.get("stage"):
            end(f"stage:{d['stage']}", e.at, e.what.replace("_", " "))
        elif e.what == "dealerted":
            for key in [k for k in open_by_key if k.startswith("stage:")]:
                end(key, e.at, "de-alerted")
        elif e.what in ("chased", "escalated", "out_of_office") and d.get("stage"):
            i = open_by_key.get(f"stage:{d['stage']}")
            if i is not None:
                rows[i] = replace(rows[i], chasers=rows[i].chasers + (e.what == "chased"))
        elif e.what == "task_set" and d.get("task"):
            for key in [k for k, i in open_by_key.items()   # a clock that fires as a task
                        if k.startswith("clock:") and rows[i].rule == e.rule]:
                end(key, e.at, "fired")
            key = f"task:{d['task']}"
            end(key, e.at, "set again")
            start(Deadline(key, "task", str(d["task"]), e.rule, e.at, aware_instant(d.get("due_at")),
                           who=str(d.get("owner", ""))))
        elif e.what == "task_done" and d.get("task"):
            end(f"task:{d['task']}", e.at, "done")
        elif e.what == "clock_set" and d.get("clock"):
            start(Deadline(f"clock:{d['clock']}", "clock", str(d["clock"]), e.rule, e.at,
                           aware_instant(d.get("due_at"))))
        elif e.what == "deadline_notice" and d.get("clock"):
            key = f"clock:{d['clock']}"
            if key not in open_by_key:   # a clock the log never saw start: shown as it fired
                start(Deadline(key, "clock", str(d["clock"]), e.rule, e.at, None))
            end(key, e.at, "fired", late=bool(d.get("late")))
        elif e.what == "found" and d.get("interview_due"):
            start(Deadline("return_interview", "return interview", "return_interview_due",
                           "T-72H", e.at, aware_instant(d["interview_due"])))
        elif e.what == "return_interview_recorded":
            on = d.get("on")
            held = date.fromisoformat(str(on)) if on else e.at.date()
            i = open_by_key.pop("return_interview", None)
            if i is not None:
                due = rows[i].due_at
                rows[i] = replace(rows[i], done_at=e.at, done=f"held on {held:%d/%m/%Y}, recorded",
                                  late_flag=due is not None and held > due.date())
        elif e.what == "national_held" and d.get("opens_at"):
            start(Deadline("national_gate", "national hold", "national_gate_open", e.rule,
                           e.at, aware_instant(d["opens_at"])))
        elif e.what == "national_gate_open":
            end("national_gate", e.at, "gate opened")
    rows += _still_running(alert, {r.key for r in rows})
    return rows


def _still_running(alert: Alert, known: set[str]) -> list[Deadline]:
    """An open alert's clocks the log did not start (set before the log said so)."""
    found = []
    for t in alert.clocks:
        key = f"clock:{t.kind}"
        if key in known or (t.done and t.fired_at is None):
            continue
        found.append(Deadline(key, "clock", t.kind, t.rule, alert.created_at, t.due_at,
                              done_at=t.fired_at, done="fired" if t.fired_at else ""))
    return found
