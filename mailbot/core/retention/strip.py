"""What is left of a record once the child's personal data is removed.

Kept: the reference, category, area and district, the dates the figures count
(raised, closed, missing since, found, return interview, incident), the outcome
(status, national alert's status, episodes) and each clock's due and met times.
Gone: the child's name, Liberi ID, date of birth, the form's free text and
contacts, the submitter, who was told, answers' text, calendar summaries.

The Liberi ID is replaced by a keyed hash (`pseudonym`): the digest counts a
child's repeat missing episodes across alerts, and two stripped alerts of one
child must still count as one child. The key is the store's secret, so the hash
says nothing without the store.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from mailbot.core.values.alert import Alert, Event, Wait
from mailbot.core.values.form import Contact, Form

RETAIN_RULE = "R-RETAIN"
PSEUDONYM = "#"     # a pseudonymised Liberi ID starts with this

# the event details the figures, the report and `explain` read: structure, not text
KEPT_DETAIL = frozenset({
    "stage", "task", "owner", "role", "roles", "due_at", "late", "clock", "deputy", "by",
    "kind", "found_at", "reissue_due", "chasers", "forwarded", "on", "still_to_come",
    "fields", "user", "action", "period", "reason_given", "notice", "status",
})
_FORM_KEPT = ("alert_type", "reference", "category", "district", "team", "incident_at",
              "missing_since", "whereabouts_known", "found_at", "return_interview_at",
              "national_alert", "ofsted_required", "form_a_sent", "police_informed",
              "ooh_informed")


def pseudonym(case_id: str | None, secret: bytes) -> str | None:
    if not case_id or case_id.startswith(PSEUDONYM):
        return case_id
    key = "".join(case_id.split()).casefold()
    return PSEUDONYM + hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:16]


def stripped_alert(alert: Alert, secret: bytes, at: datetime) -> Alert:
    """`alert` without the child's personal data (idempotent: stripping twice is once)."""
    form = Form(**{k: getattr(alert.form, k) for k in _FORM_KEPT},
                case_id=pseudonym(alert.form.case_id, secret))
    return alert.model_copy(update={
        "form": form, "submitter": Contact(), "told": (),
        "waits": tuple(_wait(w) for w in alert.waits),
        "calendar": {k: v.model_copy(update={"summary": alert.ref, "attendees": ()})
                     for k, v in alert.calendar.items()},
        "personal_data_removed_at": alert.personal_data_removed_at or at,
    })


def _wait(wait: Wait) -> Wait:
    return wait.model_copy(update={"answers": (), "task": None if wait.task is None else wait.id})


def stripped_event(event: Event) -> Event:
    """An event with only the details that carry no text about the child. The record
    of an access to the records (who exported, found or erased, and why) is kept whole:
    it is the audit trail."""
    if event.what == "records_access":
        return event
    detail = {k: v for k, v in event.detail.items() if k in KEPT_DETAIL and _plain(v)}
    if detail == event.detail:
        return event
    return event.model_copy(update={"detail": detail})


def _plain(value: Any) -> bool:
    """Numbers, flags, short keys, times and lists of them: no free text."""
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, str):
        return len(value) <= 64 and "\n" not in value
    return value is None or isinstance(value, bool | int | float | datetime)
