"""Every time limit in the procedure, and how a waiting step is chased (R-CONF).

The rule ids beside each field (T-72H, T-QA, ...) are the procedure's own names
for them, so a reader can go from a deadline in a message to its setting here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

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
    # the most chasers one step gets in all (its owner's, the deputy's and the tier
    # above's together); once reached and nobody is left to pass it to, chasing stops
    # and the unit is told once (issue 11)
    max_chasers: int = Field(default=8, ge=1)

    _v = field_validator("due", "reminder_before", "chaser_every", mode="before")(as_duration)


class BusinessHours(Frozen):
    start: int = Field(default=9, ge=0, le=23)
    end: int = Field(default=17, ge=1, le=24)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    holidays: str = "england_and_wales"


class WaitingOnYou(Frozen):
    """The daily "waiting on you" mail: one a day to a person with two or more
    reminders or chasers due that working day, instead of one mail each (issue 11).
    `hour` is local time; None is the start of working hours. `enabled: false` sends
    each reminder on its own."""

    enabled: bool = True
    hour: int | None = Field(default=None, ge=0, le=23)


Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Digest(Frozen):
    day: Day
    hour: int = Field(ge=0, le=23)
    to: tuple[str, ...] = ("unit",)


class AreaReview(Frozen):
    """Section 6: each Service Management Team reviews its current alerts. Once a week
    the holder of `role` in each area gets its area's open alerts (issue 11). `day`
    None: the digest's day; `hour` None: the start of working hours (a day that is not
    a working day moves it to the next opening); `role` None: no review mail."""

    day: Day | None = None
    hour: int | None = Field(default=None, ge=0, le=23)
    role: str | None = "sm"


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
    waiting_on_you: WaitingOnYou = WaitingOnYou()
    digest: Digest                    # T-WEEKLY
    area_review: AreaReview = AreaReview()   # section 6: each area's open alerts, weekly
    ola_expiry: Duration = Duration(months=12)  # R-OLA

    _v = field_validator(*DURATION_FIELDS, mode="before")(as_duration)

    @field_validator("national_lapse_warnings", mode="before")
    @classmethod
    def _warnings(cls, v: Any) -> tuple[Duration, ...]:
        return tuple(as_duration(x) for x in v)

    @model_validator(mode="after")
    def _waiting_hour_in_working_hours(self) -> Timers:
        hour, hours = self.waiting_on_you.hour, self.business_hours
        # a working day that ends before it starts is the named check's to report
        if hour is not None and hours.start < hours.end and not hours.start <= hour < hours.end:
            raise ValueError(f"timers.waiting_on_you.hour {hour} is outside working hours "
                             f"({hours.start}:00 to {hours.end}:00)")
        return self
