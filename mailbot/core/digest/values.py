"""What the weekly digest (T-WEEKLY) says, as plain values: a week's figures, the alerts
singled out, the approvals and tasks waiting. Only references and initials, never a
child's name."""

from __future__ import annotations

from datetime import date, datetime

from mailbot.core.values.base import Value


class Counts(Value):
    total: int
    by_category: dict[str, int]
    by_area: dict[str, int]


class WeekFigures(Value):
    key: str                      # ISO week of the week's last day, "2026-W47"
    first_day: date
    last_day: date
    label: str                    # "w/e 22 Nov"
    raised: Counts                # distinct alerts raised
    updated: Counts               # updates received (each counts)
    dealerted: Counts             # distinct alerts de-alerted
    open_at_end: Counts
    missing_new: int              # C8 episodes raised
    missing_found: int
    still_missing: int            # at the week's end
    repeat_missing: int           # children with 2+ C8 episodes in the 90 days to the week's end
    interviews_on_time: int       # T-72H, recorded this week
    interviews_late: int
    interviews_outstanding: int   # found, no interview recorded by the week's end
    national_notices: int         # national alerts issued or re-issued
    answers_on_time: int = 0      # T-QA: approvals and tasks answered this week by their deadline
    answers_late: int = 0


class RepeatMissing(Value):
    initials: str
    refs: tuple[str, ...]
    episodes: int


class Flagged(Value):
    """One alert singled out: what the date means depends on the list it is in."""

    ref: str
    initials: str
    at: datetime
    note: str = ""


class WaitingApproval(Value):
    ref: str
    initials: str
    step: str
    role: str
    role_title: str
    since: datetime
    waiting: str                  # "3d 4h"
    what: str = ""                # the step in words: "Service Manager quality assurance"


class Overdue(Value):
    """A step (an approval or a task) past its deadline, most overdue first."""

    ref: str
    initials: str
    what: str                     # the step in words
    owner: str                    # who it waits on, by name
    due: datetime
    overdue: str                  # "3d 4h"


class Stopped(Value):
    """T-QA: a step nobody answered after every chaser, so chasing stopped this week."""

    ref: str
    initials: str
    what: str
    owner: str
    at: datetime
    still_open: bool              # the step still waits (False: answered or closed since)


class TaskCount(Value):
    """R-MIU, T-QA: tasks open for one role (alert tasks and the register's questions)."""

    role: str
    role_title: str
    open: int
    overdue: int


class RegisterFigures(Value):
    """R-OLA: the register of other authorities' alerts, this week and now."""

    opened: int
    closed: int
    purged: int
    open_now: int


class Digest(Value):
    key: str
    week_start: datetime
    week_end: datetime
    week_ending: str              # "Sun 22 Nov 2026"
    generated_at: datetime
    categories: dict[str, str]    # id -> name, in routing.yaml order
    areas: dict[str, str]
    weeks: tuple[WeekFigures, ...]    # oldest first; the last is this week
    repeat_missing: tuple[RepeatMissing, ...]     # the first LIST_LIMIT, most episodes first
    longest_missing: Flagged | None   # at = missing since
    interviews_outstanding: tuple[Flagged, ...]   # at = due; the first LIST_LIMIT, oldest first
    interviews_outstanding_total: int
    national_open: tuple[Flagged, ...]            # at = last notice
    national_reissue_due: tuple[Flagged, ...]     # at = re-issue date
    national_nearing_lapse: tuple[Flagged, ...]   # at = lapse date
    waiting_longest: tuple[WaitingApproval, ...]
    tasks_open: tuple[TaskCount, ...] = ()
    ola_register: RegisterFigures | None = None
    # what needs attention first: shown before the figures
    interviews_overdue_total: int = 0             # return interviews out of time
    overdue_work: tuple[Overdue, ...] = ()        # the first LIST_LIMIT, most overdue first
    overdue_work_total: int = 0
    chasing_stopped: tuple[Stopped, ...] = ()     # this week, in the order it stopped
    register_overdue: int = 0                     # the register's questions past their deadline
    # issue 15: closed alerts whose personal data went this week, past their retention
    # period (None: the store keeps no retention log, e.g. the in-memory fake)
    records_removed: int | None = None

    @property
    def this_week(self) -> WeekFigures:
        return self.weeks[-1]
