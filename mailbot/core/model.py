"""The plain values the core takes and returns.

Everything here is immutable and JSON-serialisable (pydantic), so the store
can keep it and a test can build it by hand. Datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- what a message is --------------------------------------------------------


class MessageKind(StrEnum):
    NEW_FORM = "new_form"
    UPDATE = "update"            # an updated alert on an existing reference (R-UPD)
    DEALERT = "dealert"          # closes an alert (R-UPD)
    REPLY = "reply"              # a person answering something the bot asked
    AUTO_REPLY = "auto_reply"    # out-of-office and other automatic answers: never answered
    BOUNCE = "bounce"            # delivery status notifications: never answered
    OLA_NOTIFICATION = "ola_notification"  # another council's national alert (R-OLA)
    NOT_FORM = "not_form"        # anything else a person sent: needs a human
    OWN = "own"                  # a message the bot itself sent, seen again


class Contact(Value):
    name: str = ""
    email: str = ""

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email


class Form(Value):
    """An alert form as read, with typed values. None = not given."""

    alert_type: Literal["new", "update", "dealert"] = "new"
    reference: str | None = None
    category: str | None = None          # C1..C9
    district: str | None = None          # canonical district name
    team: str | None = None
    child_name: str | None = None
    case_id: str | None = None
    dob: date | None = None
    legal_status: str | None = None
    placement: str | None = None
    social_worker: Contact | None = None
    team_manager: Contact | None = None
    summary: str | None = None
    incident_at: datetime | None = None
    missing_since: datetime | None = None
    whereabouts_known: bool | None = None
    circumstances: str | None = None
    police_informed: bool | None = None
    police_ref: str | None = None
    ooh_informed: bool | None = None
    actions_taken: str | None = None
    strategy_meeting: date | None = None
    risk_meeting: date | None = None
    found_at: datetime | None = None
    return_interview_at: date | None = None
    national_alert: bool | None = None
    attempts_to_locate: str | None = None
    known_locality: bool | None = None
    exceptional: str | None = None
    ofsted_required: bool | None = None
    form_a_sent: bool | None = None
    submitted_by: Contact | None = None
    # the label each field was written under, so problems use the form's words
    labels: dict[str, str] = Field(default_factory=dict)

    def given(self) -> dict[str, Any]:
        """The fields that carry a value (for merging an update onto an alert)."""
        return {k: v for k, v in self if v is not None and k not in ("labels", "alert_type")}


class Problem(Value):
    field: str           # field id, or "" for the form as a whole
    label: str           # the label as the form wrote it (or the canonical label)
    message: str         # a sentence in the form's own words

    def __str__(self) -> str:
        return f"{self.label}: {self.message}" if self.label else self.message


class FormReading(Value):
    form: Form
    problems: tuple[Problem, ...] = ()
    source: Literal["docx", "html", "text", "none"] = "none"


class Command(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    FORWARD = "forward"
    DEALERT = "dealert"
    DONE = "done"


class ReplyCommand(Value):
    command: Command
    argument: str = ""           # reasons for RETURN, role words for FORWARD, note for DONE


class AuthResult(Value):
    authserv_id: str
    dmarc: str | None = None     # pass / fail / none / ... as the header says


class Attachment(Value):
    filename: str
    content_type: str
    size: int


class Incoming(Value):
    """A message as the core understands it. Made by `mailbot.core.reading`."""

    message_id: str
    sha256: str
    sender: str                  # lower-cased address from From:
    sender_name: str = ""
    return_path: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    in_reply_to: tuple[str, ...] = ()   # In-Reply-To then References, newest first
    kind: MessageKind
    why: str = ""                # why it was classed so (the rule that decided)
    form: FormReading | None = None
    command: ReplyCommand | None = None
    refs: tuple[str, ...] = ()   # alert references mentioned (subject first)
    bounced_ids: tuple[str, ...] = ()   # for bounces: Message-IDs of what bounced
    bounced_recipients: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    unsupported: tuple[str, ...] = ()   # .doc/.pdf/.msg attachments we cannot read
    auth_results: tuple[AuthResult, ...] = ()
    plus_token: str | None = None       # from bot+TOKEN@ in To/Cc
    new_text: str = ""           # the reply's own text, quotes removed
    body_text: str = ""          # the whole plain-text rendering (for OLA reading)


# -- the state of the world ---------------------------------------------------


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
    escalation: int = 0          # 0 owner, 1 deputy, 2 next tier
    escalated_to: tuple[str, ...] = ()  # person keys now also asked
    answers: tuple[str, ...] = ()
    task: str | None = None
    out_of_office: bool = False


class Clock(Value):
    """A named deadline: fires once, at `due_at` (a statutory or procedural clock)."""

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
    waits: tuple[Wait, ...] = ()
    clocks: tuple[Clock, ...] = ()
    national: National = National()
    # person keys / addresses that have received the child's details
    told: tuple[str, ...] = ()
    forwarded_to: tuple[str, ...] = ()   # roles added by FORWARD
    attempts: dict[str, int] = Field(default_factory=dict)
    event_seq: int = 0
    missing_episodes: int = 0
    found_at: datetime | None = None
    return_interview_at: date | None = None
    closed_at: datetime | None = None
    source_message: str = ""     # Message-ID of the form that raised it

    @property
    def initials(self) -> str:
        name = self.form.child_name or ""
        letters = [part[0].upper() for part in name.replace("-", " ").split() if part[:1].isalpha()]
        return ".".join(letters) + "." if letters else "?"

    def wait(self, wait_id: str) -> Wait | None:
        return next((w for w in self.waits if w.id == wait_id), None)


class State(Value):
    """The hot state: open alerts and the counters that must never go back."""

    alerts: dict[str, Alert] = Field(default_factory=dict)
    counters: dict[str, int] = Field(default_factory=dict)   # year -> last number issued
    digest_sent: tuple[str, ...] = ()   # ISO week keys of digests already sent
    # sender -> ISO date of the last "we could not accept that reply" answer
    refused_notice: dict[str, str] = Field(default_factory=dict)


# -- what the core asks the shell to do ---------------------------------------


class Recipient(Value):
    name: str
    email: str
    role: str = ""


class Outgoing(Value):
    """A message to send. `message_id` is stable: the same decision always
    produces the same id, which is how nothing is sent twice."""

    message_id: str              # without angle brackets
    purpose: str                 # template name, e.g. "approval_request"
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...] = ()
    bcc: tuple[Recipient, ...] = ()
    ref: str | None = None
    subject: str
    context: dict[str, Any] = Field(default_factory=dict)   # template variables (JSON values)
    reply_token: str | None = None
    in_reply_to: str | None = None
    auto: Literal["auto-generated", "auto-replied"] = "auto-generated"
    sensitive: bool = False      # carries the child's details
    late: bool = False           # fell due while the bot was off
    attach_ics: datetime | None = None   # a calendar entry for this deadline
    rule: str = ""


class Event(Value):
    """One line of an alert's append-only log: what happened and why."""

    ref: str
    seq: int
    at: datetime
    rule: str
    what: str
    message_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


Disposition = Literal["processed", "needs_attention", "rejected"]


class Decision(Value):
    """What the core decided: the new state and the effects to apply, in order."""

    state: State
    outgoing: tuple[Outgoing, ...] = ()
    events: tuple[Event, ...] = ()
    disposition: Disposition = "processed"
    closed: tuple[str, ...] = ()       # refs to move out of the hot state
    note: str = ""                     # one line for the log (references, never names)
    digest_week: str | None = None     # T-WEEKLY: this week's digest is owed (ISO week key)
