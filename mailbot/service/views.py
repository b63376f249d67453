"""What `mailbot status`, `check-config` and `explain` print: plain-text tables.

References and initials only: these are read on shared screens and pasted into
tickets, so they never carry a child's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from mailbot.core import plain, wording
from mailbot.core.alerts import duplicate
from mailbot.core.authority.refusal import refusals_ref
from mailbot.core.config import (
    ApprovalStage,
    ClockStage,
    Config,
    GateStage,
    NotifyStage,
    TaskStage,
    fingerprint,
)
from mailbot.core.records import access
from mailbot.core.records import status as status_rows
from mailbot.core.values.state import State, marked_all
from mailbot.ports import Register

if TYPE_CHECKING:   # types only: check-config's routes table need not import the service (0.05 s)
    from mailbot.core.miu import DeskTask
    from mailbot.service.bootstrap import Reader
    from mailbot.service.service import Service


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(map(len, map(str, col))) for col in zip(headers, *rows, strict=False)]
    line = "  ".join("-" * w for w in widths)
    # one format for every row (10,000 open alerts are 10,000 rows)
    # (`widths` has as many columns as the shortest row: each row fills the format)
    fmt = "  ".join(f"{{!s:<{w}}}" for w in widths).format
    out = [fmt(*headers), line, *(fmt(*row) for row in rows)]
    return "\n".join(r.rstrip() for r in out)


def routes_table(config: Config) -> str:
    parts: list[str] = []
    for cid, cat in config.categories.items():
        route = config.routes[cat.route]
        rows: list[list[str]] = []
        for i, stage in enumerate(route.stages, 1):
            if isinstance(stage, ApprovalStage):
                answers = ", ".join(a.upper() for a in stage.answers)
                extra = f"may forward to {', '.join(stage.may_forward_to)}" \
                    if stage.may_forward_to else ""
                if stage.notify_on_approve:
                    extra = (extra + "; " if extra else "") + \
                        f"then tells {', '.join(stage.notify_on_approve)}"
                rows.append([str(i), "approval", stage.role, f"{stage.asks} [{answers}]", extra,
                             stage.rule])
            elif isinstance(stage, NotifyStage):
                when = f"after {stage.after_missing.text} missing" if stage.after_missing else "at once"
                rows.append([str(i), "notify", ", ".join(stage.roles), stage.why, when, stage.rule])
            elif isinstance(stage, TaskStage):
                cond = f"if {stage.when_field} = {stage.when_value}" if stage.when_field else ""
                rows.append([str(i), "task", stage.role, stage.task, cond, stage.rule])
            elif isinstance(stage, GateStage):
                rows.append([str(i), "gate", "", stage.gate,
                             f"{config.timers.national_gate.text} after missing", stage.rule])
            elif isinstance(stage, ClockStage):
                rows.append([str(i), "clock", "", stage.clock,
                             f"re-issue {config.timers.national_reissue.text}, lapse "
                             f"{config.timers.national_lapse.text}", stage.rule])
        flag = " (Priority One)" if cat.priority_one else ""
        parts.append(f"\n{cid} {cat.name}{flag}: route {cat.route} ({route.rule})\n" +
                     table(["#", "stage", "who", "what", "when / then", "rule"], rows))
    t = config.timers
    parts.append("\nTime limits\n" + table(["limit", "value"], [
        ["return interview (T-72H)", f"{t.return_interview.text}, reminder at "
                                     f"{t.return_interview_reminder.text}"],
        ["CIC missing to MIU (T-48H)", t.cic_missing_miu.text],
        ["national alert gate (T-NAT-3W)", t.national_gate.text],
        ["national re-issue (T-NAT-6M)", f"{t.national_reissue.text}, asked "
                                         f"{t.national_reissue_notice.text} ahead"],
        ["national lapse (T-NAT-12M)", f"{t.national_lapse.text}, warnings at " +
         ", ".join(w.text for w in t.national_lapse_warnings)],
        ["review (T-REVIEW)", t.review_interval.text],
        ["QA (T-QA)", f"due {t.qa.due.text}, reminder {t.qa.reminder_before.text} before, chase "
                      f"every {t.qa.chaser_every.text}, escalate after {t.qa.chasers_before_escalation}"
                      + (" (working hours)" if t.qa.business_hours else "")],
        ["QA, Priority One", f"due {t.qa_priority_one.due.text}, chase every "
                             f"{t.qa_priority_one.chaser_every.text}"],
        ["weekly digest (T-WEEKLY)", f"{t.digest.day} {t.digest.hour:02d}:00"],
    ]))
    return "\n".join(parts).lstrip("\n")


def status_table(state: State, config: Config, now: datetime,
                 desk_tasks: Sequence[DeskTask] = (),
                 holidays: frozenset[date] = frozenset()) -> str:
    """Open alerts, then every open task by role (R-MIU): alert tasks and the
    register's questions to the MIU. `holidays`: the bank holidays the reminders
    skip, so "bot writes next" says when it really will.

    One row per open alert and one per task (core/records/status.py), read from what
    the store kept with each alert it has not had to read, both at once; "OVERDUE" is
    added here, for the hour."""
    rows: list[list[str]] = []
    tasks: list[tuple[str, datetime, list[str]]] = []
    marking = fingerprint.marking(config, holidays)
    both = (status_rows.ROW, status_rows.TASKS)
    for ref in sorted(state.alerts):
        found, its_tasks = marked_all(state.alerts, ref, both, marking)
        deadline = found["at"]
        if found["due"] is not None and datetime.fromisoformat(found["due"]) < now:
            deadline += " OVERDUE"
        rows.append([*found["cells"], deadline, found["next"]])
        tasks += [(task["role"], datetime.fromisoformat(task["due"]), [*task["cells"], task["at"]])
                  for task in its_tasks]
    alerts = "No open alerts." if not rows else table(
        ["ref", "child", "category", "district", "status", "waiting on", "who", "due by",
         "bot writes next"], rows)
    listed = tasks_table(tasks, config, now, desk_tasks)
    return f"{alerts}\n\nOpen tasks\n{listed}" if listed else alerts


def tasks_table(tasks: list[tuple[str, datetime, list[str]]], config: Config, now: datetime,
                desk_tasks: Sequence[DeskTask] = ()) -> str:
    """The alerts' open tasks (role, due, cells) and the register's, by role then due."""
    rows = list(tasks)
    for t in desk_tasks:
        holder = config.holder(t.role, None)
        owner = config.person(holder).name if holder else "-"
        what = f"register: {plain.task(t.kind)}" + \
            (f", chased {t.chasers} time{'' if t.chasers == 1 else 's'}" if t.chasers else "")
        rows.append((t.role, t.due_at, [plain.role(config, t.role),
                                        ", ".join(t.entry_ids) or "register", "-", what, owner,
                                        wording.local(t.due_at, config)]))
    if not rows:
        return ""
    order = list(config.roles)
    rows.sort(key=lambda r: (order.index(r[0]) if r[0] in order else len(order), r[1]))
    return table(["for", "ref", "child", "task", "who", "due"],
                 [[*cells[:-1], cells[-1] + (" OVERDUE" if at < now else "")]
                  for _, at, cells in rows])


def explain(service: Service | Reader, ref: str) -> str:
    store = service.store
    config = service.config

    def when(t: datetime) -> str:
        return wording.local(t, config)

    if ref == access.ALL_ACCESS:   # every look at the records, whatever it found
        return f"{ref}: every export and search of the records\n" + table(
            ["#", "when", "what happened"],
            [[str(e.seq), when(e.at), plain.event(config, e.what, e.detail, when)]
             for e in store.events(ref)])
    alert = store.load().alerts.get(ref) or store.archived_alert(ref)
    if alert is None:
        return f"No alert {ref}."

    rows = [[when(e.at), plain.event(config, e.what, e.detail, when),
             plain.words(str(e.detail.get("authority", "")), config), f"[{e.rule}]"]
            for e in sorted([*store.events(ref), *store.events(refusals_ref(ref)),
                             *store.events(duplicate.log_ref(ref)),
                             *store.events(access.access_ref(ref))],
                            key=lambda e: (e.at, e.ref))]
    head = f"{ref} ({alert.initials}) {alert.category} {alert.district}: {alert.status}"
    return head + "\n" + table(["when", "what happened", "allowed because", "rule"], rows)


def register_view(register: Register, action: str, text: str) -> str:
    entries = register.search(text) if action == "search" else register.list()
    if not entries:
        return "No entries."
    rows = []
    for e in entries:
        children = "; ".join(
            f"{c.name}" + (f" ({c.dob:%d/%m/%Y})" if getattr(c, "dob", None) else "")
            for c in e.children)
        rows.append([e.id, e.authority, children, e.status,
                     e.date_missing.isoformat() if e.date_missing else "?",
                     e.last_notified.date().isoformat() if e.last_notified else "?"])
    return table(["id", "authority", "children", "status", "missing", "last notice"], rows)
