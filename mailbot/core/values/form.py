"""An alert form as read: its typed fields, and the problems found in it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from mailbot.core.values.base import Value


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
