"""The hot state the core takes, and the Decision it returns."""

from __future__ import annotations

from pydantic import Field

from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.base import Disposition, Value
from mailbot.core.values.mail import Outgoing


class State(Value):
    """The hot state: open alerts and the counters that must never go back."""

    alerts: dict[str, Alert] = Field(default_factory=dict)
    counters: dict[str, int] = Field(default_factory=dict)   # year -> last number issued
    digest_sent: tuple[str, ...] = ()   # ISO week keys of digests already sent
    # sender -> ISO date of the last "we could not accept that reply" answer
    refused_notice: dict[str, str] = Field(default_factory=dict)


class Decision(Value):
    """What the core decided: the new state and the effects to apply, in order."""

    state: State
    outgoing: tuple[Outgoing, ...] = ()
    events: tuple[Event, ...] = ()
    disposition: Disposition = "processed"
    closed: tuple[str, ...] = ()       # refs to move out of the hot state
    note: str = ""                     # one line for the log (references, never names)
    digest_week: str | None = None     # T-WEEKLY: this week's digest is owed (ISO week key)
