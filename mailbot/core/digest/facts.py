"""What the digest's figures need of one alert, worked out once rather than once a week:
when it was open, when the child was missing and found, when the return interview
was recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.core.clocks.calendar import midnight
from mailbot.core.values.alert import Alert

NEVER = float("inf")
MISSING_CATEGORY = "C8"


@dataclass(frozen=True, slots=True)
class Facts:
    """Instants are POSIX seconds (never = infinity): aware datetimes compare slowly."""

    alert: Alert
    created: float
    closed: float
    since: float                  # missing since (the alert's raising if the form is silent)
    found: float
    recorded: float               # return interview recorded
    children_in_care: bool        # C8
    interview_clock: bool         # on a missing route: T-72H applies

    @classmethod
    def of(cls, alert: Alert, recorded: dict[str, datetime], clocked: frozenset[str],
           tz: ZoneInfo) -> Facts:
        held = recorded.get(alert.ref)
        if held is None and alert.return_interview_at is not None:
            held = midnight(alert.return_interview_at, tz)   # recorded before the event log said so
        closed = (alert.closed_at or alert.updated_at) if alert.status == "closed" else None
        return cls(alert=alert, created=alert.created_at.timestamp(), closed=seconds(closed),
                   since=(alert.form.missing_since or alert.created_at).timestamp(),
                   found=seconds(alert.found_at), recorded=seconds(held),
                   children_in_care=alert.category == MISSING_CATEGORY,
                   interview_clock=alert.category in clocked)

    def open_at(self, end: float) -> bool:
        return self.created < end <= self.closed

    def missing_at(self, end: float) -> bool:
        return self.children_in_care and self.since < end <= self.found and self.open_at(end)

    def interview_outstanding(self, end: float) -> bool:
        return self.interview_clock and self.found < end <= self.recorded


def seconds(when: datetime | None) -> float:
    return NEVER if when is None else when.timestamp()
