"""An alert and what hangs on it: the step it waits on, its timers, its national notification, its log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from mailbot.core.values.base import Value
from mailbot.core.values.form import Contact, Form
from mailbot.core.values.mail import CalendarEntry


class Wait(Value):
    """Something the bot waits for one person to do: an approval or a task."""

    id: str                      # stage id, e.g. "sm_qa", "miu_dates"
    kind: Literal["approval", "task"]
    rule: str
    role: str
    owner: str                   # person key, or "email:x@y" for form roles
    token: str
    attempt: int = 1
    asked_at: datetime
    due_at: datetime
    next_nudge_at: datetime | None = None
    reminded: bool = False
    chasers: int = 0
    chased: int = 0              # chasers in all, across hand-overs (T-QA's max_chasers)
    escalation: int = 0          # 0 owner, 1 deputy, 2 next tier
    escalated_to: tuple[str, ...] = ()  # person keys now also asked
    answers: tuple[str, ...] = ()
    task: str | None = None
    out_of_office: bool = False
    # a follow-up to the submitter: the form's fields a later step still waits for
    still_to_come: tuple[str, ...] = ()


class Timer(Value):
    """A named deadline on an alert (a statutory or procedural timer): fires once, at `due_at`."""

    id: str                      # unique within the alert
    rule: str                    # T-72H, T-48H, T-NAT-6M, ...
    kind: str                    # what to send when it fires (template purpose)
    due_at: datetime
    roles: tuple[str, ...] = ()
    cc_roles: tuple[str, ...] = ()
    done: bool = False
    fired_at: datetime | None = None


class National(Value):
    """R-NAT: where a C7 alert's national notification stands."""

    status: Literal["not_requested", "held", "in_qa", "signed_off", "issued", "found",
                    "lapsed"] = "not_requested"
    gate_opens_at: datetime | None = None
    held_reason: str = ""
    issued_at: datetime | None = None
    last_notice_at: datetime | None = None
    reissues: int = 0


class Alert(Value):
    ref: str
    category: str
    area: str
    district: str
    status: Literal["in_qa", "returned", "held", "open", "closed"] = "in_qa"
    form: Form
    submitter: Contact
    created_at: datetime
    updated_at: datetime
    stage: int = 0               # index of the route stage now in hand
    # side steps (tasks, notices) passed over until the fields they need arrive
    deferred: tuple[str, ...] = ()
    waits: tuple[Wait, ...] = ()
    clocks: tuple[Timer, ...] = ()
    national: National = National()
    # person keys / addresses that have received the child's details
    told: tuple[str, ...] = ()
    forwarded_to: tuple[str, ...] = ()   # roles added by FORWARD
    attempts: dict[str, int] = Field(default_factory=dict)
    # deadline key -> its calendar entry as last sent (clocks/entries.py)
    calendar: dict[str, CalendarEntry] = Field(default_factory=dict)
    event_seq: int = 0
    missing_episodes: int = 0
    found_at: datetime | None = None
    return_interview_at: date | None = None
    closed_at: datetime | None = None
    source_message: str = ""     # Message-ID of the form that raised it
    # issue 15: when the child's details, the form and the mail bodies were removed
    # (retention or erasure): only what the statistics need is left
    personal_data_removed_at: datetime | None = None
    # issue 15: restricted (UK GDPR art. 18): stored, but no further mail about it
    restricted: bool = False

    @property
    def initials(self) -> str:
        name = self.form.child_name or ""
        letters = [part[0].upper() for part in name.replace("-", " ").split() if part[:1].isalpha()]
        return ".".join(letters) + "." if letters else "?"

    def wait(self, wait_id: str) -> Wait | None:
        return next((w for w in self.waits if w.id == wait_id), None)


class Event(Value):
    """One line of an alert's append-only log: what happened and why."""

    ref: str
    seq: int
    at: datetime
    rule: str
    what: str
    message_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
