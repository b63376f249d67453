"""The hot state the core takes, and the Decision it returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.base import Disposition, Value
from mailbot.core.values.form import Contact, Form
from mailbot.core.values.mail import Outgoing


class HeldForm(Value):
    """A new form for the same child and category as an open alert, held while its
    sender is asked whether it updates that alert or is a new one (issue 10)."""

    ref: str                     # the open alert it looks like
    seq: int                     # its number on that alert's duplicates log (and its token's)
    form: Form
    sender: Contact              # who sent it: the one person who may answer
    message_id: str              # the held form's own Message-ID
    subject: str = ""
    held_at: datetime
    answers: int = 0             # answers that said neither UPDATE nor NEW


class State(Value):
    """The hot state: open alerts and the counters that must never go back."""

    alerts: dict[str, Alert] = Field(default_factory=dict)
    counters: dict[str, int] = Field(default_factory=dict)   # year -> last number issued
    digest_sent: tuple[str, ...] = ()   # ISO week keys of digests already sent
    # ISO week keys of the weekly reviews of each area's open alerts already sent
    review_sent: tuple[str, ...] = ()
    # sender -> ISO date of the last "we could not accept that reply" answer
    refused_notice: dict[str, str] = Field(default_factory=dict)
    # ref -> last seq of its refusals log (`<REF>.refused`): messages that named the
    # alert and were refused, kept apart so the alert itself is untouched (issue 10)
    refusal_seq: dict[str, int] = Field(default_factory=dict)
    # token -> a form held as a possible duplicate of an open alert (alerts/duplicate.py)
    held_forms: dict[str, HeldForm] = Field(default_factory=dict)
    # ref -> last seq of its duplicates log (`<REF>.duplicates`): forms held, answered, expired
    duplicate_seq: dict[str, int] = Field(default_factory=dict)
    # address -> ISO date of the last daily "waiting on you" mail (clocks/waiting.py)
    waiting_sent: dict[str, str] = Field(default_factory=dict)


class Decision(Value):
    """What the core decided: the new state and the effects to apply, in order."""

    state: State
    outgoing: tuple[Outgoing, ...] = ()
    events: tuple[Event, ...] = ()
    disposition: Disposition = "processed"
    closed: tuple[str, ...] = ()       # refs to move out of the hot state
    note: str = ""                     # one line for the log (references, never names)
    digest_week: str | None = None     # T-WEEKLY: this week's digest is owed (ISO week key)
