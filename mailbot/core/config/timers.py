"""Every time limit in the procedure, and how a waiting step is chased (R-CONF).

The rule ids beside each field (T-72H, T-QA, ...) are the procedure's own names
for them, so a reader can go from a deadline in a message to its setting here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from mailbot.core.config.base import Frozen, as_duration
from mailbot.core.durations import Duration


class QaPolicy(Frozen):
    """T-QA: how long a waiting step may wait, and how it is chased."""

    due: Duration
    reminder_before: Duration
    chaser_every: Duration
    chasers_before_escalation: int = Field(ge=0)
    escalate_to: tuple[str, ...] = ("deputy", "next_tier")
    business_hours: bool = True

    _v = field_validator("due", "reminder_before", "chaser_every", mode="before")(as_duration)


class BusinessHours(Frozen):
    start: int = Field(default=9, ge=0, le=23)
    end: int = Field(default=17, ge=1, le=24)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    holidays: str = "england_and_wales"


class Digest(Frozen):
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    hour: int = Field(ge=0, le=23)
    to: tuple[str, ...] = ("unit",)


# The plain durations among the timers: parsed from text, and checked for sign (checks.py).
DURATION_FIELDS = (
    "return_interview", "return_interview_reminder", "cic_missing_miu", "national_gate",
    "national_reissue", "national_reissue_notice", "national_lapse", "review_interval",
    "task_due", "ola_expiry")


class Timers(Frozen):
    return_interview: Duration        # T-72H
    return_interview_reminder: Duration
    cic_missing_miu: Duration         # T-48H
    national_gate: Duration           # T-NAT-3W
    national_reissue: Duration        # T-NAT-6M
    national_reissue_notice: Duration
    national_lapse: Duration          # T-NAT-12M
    national_lapse_warnings: tuple[Duration, ...]
    review_interval: Duration         # T-REVIEW
    task_due: Duration
    qa: QaPolicy                      # T-QA
    qa_priority_one: QaPolicy
    business_hours: BusinessHours = BusinessHours()
    digest: Digest                    # T-WEEKLY
    ola_expiry: Duration = Duration(months=12)  # R-OLA

    _v = field_validator(*DURATION_FIELDS, mode="before")(as_duration)

    @field_validator("national_lapse_warnings", mode="before")
    @classmethod
    def _warnings(cls, v: Any) -> tuple[Duration, ...]:
        return tuple(as_duration(x) for x in v)

