"""T-72H: a missing child who is found has a return interview within 72 hours."""

from __future__ import annotations

from datetime import date, datetime

from mailbot.core import wording
from mailbot.core.chain import notices
from mailbot.core.context import Work
from mailbot.core.values.alert import Timer


def start(work: Work, found_at: datetime) -> None:
    """The reminder and the overdue mark, counted from the time found on the form."""
    cfg, alert = work.config, work.alert
    t = cfg.timers
    timers = [c for c in alert.clocks if c.kind != "missing_notice"]
    if cfg.route_of(alert.category).missing:
        timers += [
            Timer(id="ri.reminder", rule="T-72H", kind="return_interview_due",
                  due_at=t.return_interview_reminder.after(found_at), roles=("sw", "tm"),
                  cc_roles=("pdo",)),
            Timer(id="ri.overdue", rule="T-72H", kind="return_interview_overdue",
                  due_at=t.return_interview.after(found_at), roles=("sw", "tm"), cc_roles=("pdo",)),
        ]
    work.update(found_at=found_at, clocks=tuple(timers))
    work.event("T-72H", "found", found_at=found_at.isoformat(),
               interview_due=t.return_interview.after(found_at).isoformat())
    notices.deadline(work, ("sw", "tm"), "return_interview_due", "T-72H",
                     f"{alert.ref} ({alert.initials}) was found. The return interview is due within "
                     f"72 hours, by {wording.local(t.return_interview.after(found_at), cfg)}; "
                     "record the found date on Liberi.", cc_roles=("pdo",),
                     due_at=t.return_interview.after(found_at), since=found_at, ics=True,
                     calendar="return_interview")


def recorded(work: Work, on: date) -> None:
    """The interview is on the form: its timers stop."""
    work.update(return_interview_at=on,
                clocks=tuple(c for c in work.alert.clocks if c.rule != "T-72H"))
    work.event("T-72H", "return_interview_recorded", on=on.isoformat())


def fire(work: Work, timer: Timer, late: bool) -> None:
    cfg, alert = work.config, work.alert
    if alert.return_interview_at is not None:
        return
    interview_due = cfg.timers.return_interview.after(alert.found_at or timer.due_at)
    what = (f"The return interview for {alert.ref} ({alert.initials}) is due by "
            f"{wording.local(interview_due, cfg)}."
            if timer.kind == "return_interview_due" else
            f"The return interview for {alert.ref} ({alert.initials}) was due by "
            f"{wording.local(interview_due, cfg)} and is not recorded. Send an updated "
            "alert with the return interview date.")
    notices.deadline(work, timer.roles, timer.kind, timer.rule, what,
                     cc_roles=timer.cc_roles, due_at=interview_due, since=alert.found_at,
                     late=late, ics=True, calendar="return_interview")
