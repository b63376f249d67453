"""The alert form's fields, their labels and the synonyms staff write (alert-form.md).

A label matches case-insensitively, ignoring punctuation, extra spaces, a trailing
colon, a parenthesised hint ("Category (tick one)") and leading numbering ("3.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text", "date", "datetime", "bool", "contact", "category", "district", "digits",
    "alert_type", "reference", "legal_status", "exceptional",
]


@dataclass(frozen=True)
class FieldSpec:
    id: str
    label: str                 # the canonical label, as alert-form.md writes it
    kind: Kind
    synonyms: tuple[str, ...] = ()


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("alert_type", "Alert type", "alert_type", ("Type of alert",)),
    FieldSpec("reference", "Alert reference",
              "reference", ("Ref", "Reference", "Alert ref", "Alert reference number",
                            "Alert number", "Alert ID")),
    FieldSpec("category", "Category", "category",
              ("Type of concern", "Category of concern", "Alert category", "Concern category",
               "Category of alert")),
    FieldSpec("district", "District", "district", ("District office", "Area / district")),
    FieldSpec("team", "Team", "text", ("Team name", "Social work team")),
    FieldSpec("child_name", "Child's name", "text",
              ("Name of child", "Young person", "Child", "Child name", "Child's full name",
               "Name of young person", "Young person's name", "Child / young person",
               "Name of child / young person")),
    FieldSpec("case_id", "Liberi ID", "digits",
              ("Case number", "Liberi number", "Liberi", "Liberi no", "Liberi ID number",
               "Case ID", "Case no")),
    FieldSpec("dob", "Date of birth", "date",
              ("DOB", "Expected due date", "Due date", "EDD", "Date of birth / expected due date")),
    FieldSpec("legal_status", "Legal status", "legal_status", ("Legal status of child",)),
    FieldSpec("placement", "Placement / address", "text",
              ("Placement", "Address", "Placement address", "Current placement", "Current address",
               "Home address", "Placement details")),
    FieldSpec("social_worker", "Social worker", "contact",
              ("SW", "Allocated social worker", "Social worker name and email")),
    FieldSpec("team_manager", "Team manager", "contact",
              ("TM", "Team manager / supervisor", "Supervisor", "Team manager name and email")),
    FieldSpec("summary", "Summary of concern", "text",
              ("Summary", "Concern", "Concerns", "Details of concern", "Reason for alert",
               "Brief summary", "Summary of concerns")),
    FieldSpec("incident_at", "Date and time of incident", "datetime",
              ("Date of incident", "Incident date", "Date / time of incident",
               "Incident date and time", "Time and date of incident")),
    FieldSpec("missing_since", "Date and time missing", "datetime",
              ("Date last seen", "Date missing", "Missing since", "Date / time missing",
               "Date and time last seen", "Time and date missing", "Last seen")),
    FieldSpec("whereabouts_known", "Whereabouts known", "bool",
              ("Are whereabouts known", "Whereabouts", "Is the child's whereabouts known")),
    FieldSpec("circumstances", "Circumstances of going missing", "text",
              ("Circumstances", "Circumstances of missing episode", "Circumstances of missing")),
    FieldSpec("police_informed", "Reported to police", "bool",
              ("Police informed", "Reported missing to police", "Police notified",
               "Reported missing to the police")),
    FieldSpec("police_ref", "Police reference", "text",
              ("Police ref", "Police reference number", "Police incident number",
               "Police log number", "Crime reference number")),
    FieldSpec("ooh_informed", "Out of Hours informed", "bool",
              ("OOH informed", "Out of hours team informed", "Reported to out of hours",
               "Out of Hours notified", "OOH")),
    FieldSpec("actions_taken", "Actions taken to locate", "text",
              ("Actions taken", "Actions to locate", "Action taken to locate",
               "Action taken")),
    FieldSpec("strategy_meeting", "Strategy meeting date", "date",
              ("Strategy meeting", "Date of strategy meeting", "Strategy discussion date")),
    FieldSpec("risk_meeting", "Risk management meeting date", "date",
              ("Risk management meeting", "Date of risk management meeting", "RMM date")),
    FieldSpec("found_at", "Date and time found", "datetime",
              ("Date found", "Found", "Date / time found", "Time and date found", "Found at")),
    FieldSpec("return_interview_at", "Return interview date", "date",
              ("Return interview", "Date of return interview", "Return home interview date",
               "Return home interview")),
    FieldSpec("national_alert", "National alert requested", "bool",
              ("National alert", "National alert required")),
    FieldSpec("attempts_to_locate", "Agencies contacted / reasonable attempts", "text",
              ("Agencies contacted", "Reasonable attempts", "Reasonable attempts to locate",
               "Attempts to locate", "Agencies contacted and reasonable attempts")),
    FieldSpec("known_locality", "Family known to be in a particular locality", "bool",
              ("Known locality", "Family in a known locality", "Family known to be in a locality")),
    FieldSpec("exceptional", "Exceptional circumstances", "exceptional", ()),
    FieldSpec("ofsted_required", "Ofsted notification required", "bool",
              ("Ofsted notification", "Ofsted required", "Notify Ofsted")),
    FieldSpec("form_a_sent", "Form A sent to the Board", "bool",
              ("Form A sent", "Form A", "Form A sent to the Safeguarding Children Board")),
    FieldSpec("submitted_by", "Submitted by", "contact",
              ("Completed by", "Form completed by", "Submitted by name and email")),
)

BY_ID: dict[str, FieldSpec] = {f.id: f for f in FIELDS}
ORDER: dict[str, int] = {f.id: i for i, f in enumerate(FIELDS)}

# Required on every new alert (alert-form.md); categories add their own in routing.yaml.
ALWAYS_REQUIRED = ("category", "district", "child_name", "case_id", "dob", "legal_status",
                   "social_worker", "team_manager", "summary")

_HINT = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_GLUE = re.compile(r"['’`.]")      # "Child's", "D.O.B.": glued, not split into words
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NUMBERING = re.compile(r"^(?:\d+|[ivx]+|[a-h])\s+(?=[a-z])")


def normalise(label: str) -> str:
    text = _HINT.sub(" ", label.lower().replace("&", " and "))
    text = _NON_WORD.sub(" ", _GLUE.sub("", text)).strip()
    return _NUMBERING.sub("", text)


_LOOKUP: dict[str, str] = {}
for _spec in FIELDS:
    for _name in (_spec.label, *_spec.synonyms):
        _LOOKUP.setdefault(normalise(_name), _spec.id)

UNBORN_LABELS = frozenset(normalise(x) for x in ("Expected due date", "Due date", "EDD"))


def field_for(label: str) -> str | None:
    """The field id a label names, or None. Labels longer than any real one never match."""
    if len(label) > 80:
        return None
    return _LOOKUP.get(normalise(label))


def label_as_written(label: str) -> str:
    """The label for messages back to the sender: their words, without the colon."""
    text = " ".join(label.replace("\xa0", " ").split()).rstrip(" :*：")
    return re.sub(r"\s*\([^)]*\)$", "", text).rstrip(" :*：") or text


@dataclass(frozen=True)
class RawField:
    """One label and the text written beside it, before any typing."""

    field: str
    label: str      # as written
    value: str
