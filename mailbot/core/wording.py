"""How an alert is shown in a message: the template context the core hands over.

Child details appear only in `alert_context`, which only sensitive messages
(to the people the route names) carry. Everything else gets `basics`: the
reference and the child's initials.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.core.config import Config
from mailbot.core.values.alert import Alert
from mailbot.core.values.form import Contact, Form

# The form's fields in the order staff know them (alert-form.md), with the label
# each is shown under.
LABELS: dict[str, str] = {
    "alert_type": "Alert type",
    "reference": "Alert reference",
    "category": "Category",
    "district": "District",
    "team": "Team",
    "child_name": "Child's name",
    "case_id": "Liberi ID",
    "dob": "Date of birth",
    "legal_status": "Legal status",
    "placement": "Placement / address",
    "social_worker": "Social worker",
    "team_manager": "Team manager",
    "summary": "Summary of concern",
    "incident_at": "Date and time of incident",
    "missing_since": "Date and time missing",
    "whereabouts_known": "Whereabouts known",
    "circumstances": "Circumstances of going missing",
    "police_informed": "Reported to police",
    "police_ref": "Police reference",
    "ooh_informed": "Out of Hours informed",
    "actions_taken": "Actions taken to locate",
    "strategy_meeting": "Strategy meeting date",
    "risk_meeting": "Risk management meeting date",
    "found_at": "Date and time found",
    "return_interview_at": "Return interview date",
    "national_alert": "National alert requested",
    "attempts_to_locate": "Agencies contacted / reasonable attempts",
    "known_locality": "Family known to be in a particular locality",
    "exceptional": "Exceptional circumstances",
    "ofsted_required": "Ofsted notification required",
    "form_a_sent": "Form A sent to the Board",
    "submitted_by": "Submitted by",
}


ALERT_TYPES = {"new": "New alert", "update": "Updated alert", "dealert": "De-alert"}


def local(when: datetime, config: Config) -> str:
    """A UTC time as people in the council read it (Europe/London, BST/GMT)."""
    d = when.astimezone(ZoneInfo(config.organisation.timezone))
    return f"{d:%a} {d.day} {d:%b %Y %H:%M %Z}"


def show(value: Any, config: Config) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return local(value, config)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Contact):
        return str(value)
    return str(value)


def form_fields(form: Form, config: Config) -> list[list[str]]:
    rows: list[list[str]] = []
    for name, label in LABELS.items():
        value = getattr(form, name)
        if name == "alert_type":
            rows.append([label, ALERT_TYPES[form.alert_type]])
        elif name == "category" and value:
            cat = config.categories.get(value)
            rows.append([label, f"{value} {cat.name}" if cat else str(value)])
        elif value is not None:
            rows.append([label, show(value, config)])
    return rows


def basics(alert: Alert | None, rule: str, reason: str) -> dict[str, Any]:
    return {
        "ref": alert.ref if alert else None,
        "initials": alert.initials if alert else "?",
        "rule": rule,
        "reason": reason,
    }


def alert_context(alert: Alert, config: Config) -> dict[str, Any]:
    cat = config.categories[alert.category]
    return {
        "ref": alert.ref,
        "category": alert.category,
        "category_name": cat.name,
        "district": alert.district,
        "area": config.areas[alert.area].name,
        "alert_type": alert.form.alert_type,
        "status": alert.status,
        "fields": form_fields(alert.form.model_copy(update={"reference": alert.ref}), config),
    }


def subject(alert: Alert, config: Config, what: str, *, details: bool = True) -> str:
    """`[KA-2026-0001] <what>: C8 Child in Care missing - Thanet` (no names)."""
    if not details:
        return f"[{alert.ref}] {what} ({alert.initials})"
    cat = config.categories[alert.category]
    return f"[{alert.ref}] {what}: {alert.category} {cat.name} - {alert.district}"


def changes(old: Form, new: Form, config: Config) -> list[list[str]]:
    rows: list[list[str]] = []
    for name, label in LABELS.items():
        if name in ("alert_type", "reference"):
            continue
        before, after = getattr(old, name), getattr(new, name)
        if before != after and after is not None:
            rows.append([label, show(before, config), show(after, config)])
    return rows
