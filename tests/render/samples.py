"""Realistic Outgoing values for every purpose, shaped as the core builds them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailbot.core.values.mail import Outgoing, Recipient

NOW = datetime(2026, 11, 16, 9, 5, tzinfo=UTC)
DUE = "2026-11-16T14:30:00+00:00"
REF = "KA-2026-0042"

SUE = Recipient(name="Sue Manager", email="sue.manager@kent.test", role="sm")
ED = Recipient(name="Ed East", email="ad.east@kent.test", role="ad")
MIU = Recipient(name="Management Information Unit", email="miu@kent.test", role="miu")
UNIT = Recipient(name="Safeguarding Unit Alerts", email="safeguardingunitalerts@kent.test",
                 role="unit")
SW = Recipient(name="Sam Worker", email="sam.worker@kent.test", role="sw")


def alert(child: str = "Jamie Lee Smith") -> dict[str, Any]:
    return {
        "ref": REF,
        "category": "C8",
        "category_name": "Child in Care (including UASC) missing",
        "district": "Canterbury",
        "area": "East",
        "alert_type": "new",
        "status": "in_qa",
        "fields": [
            ["Alert type", "New alert"],
            ["Category", "C8 Child in Care (including UASC) missing"],
            ["District", "Canterbury"],
            ["Child's name", child],
            ["Liberi ID", "1234567"],
            ["Date of birth", "03/04/2011"],
            ["Placement / address", "Oak House children's home,\n12 High Street, Canterbury"],
            ["Date and time missing", "Sun 15 Nov 2026 21:40 GMT"],
            ["Reported to police", "Yes"],
            ["Police reference", "KP-55121"],
        ],
    }


def basics(reason: str, rule: str = "R-CIC", ref: str | None = REF,
           initials: str = "J.L.S.") -> dict[str, Any]:
    return {"ref": ref, "initials": initials, "rule": rule, "reason": reason}


def contexts() -> dict[str, dict[str, Any]]:
    """purpose -> context, exactly the keys the core hands over."""
    return {
        "approval_request": {
            **basics("you are the Service Manager for Canterbury."),
            "alert": alert(),
            "step": {
                "id": "sm_qa", "asks": "quality assurance", "role_title": "Service Manager",
                "answers": ["approve", "return", "forward", "dealert"],
                "may_forward_to": [
                    {"role": "director",
                     "title": "Director of Specialist Children's Services"},
                    {"role": "ad_sqa",
                     "title": "Assistant Director, Safeguarding and Quality Assurance"},
                ],
            },
            "due_at": DUE, "escalated": False, "escalation_reason": "", "original_owner": "",
        },
        "task_request": {
            **basics("the Management Information Unit records missing and found dates.",
                     rule="R-MIU"),
            "alert": alert(),
            "task": {"id": "miu_dates", "task": "record_missing_dates",
                     "description": "Record the date missing on Liberi."},
            "due_at": DUE,
        },
        "alert_notice": {
            **basics("you are the Practice Development Officer for East."),
            "alert": alert(),
            "notice": "update", "by": "Sam Worker",
            "changes": [["Date and time found", "", "Mon 16 Nov 2026 08:10 GMT"]],
            "note": "The Area Assistant Director will be told.",
        },
        "submitter_receipt": {
            **basics("you sent this alert form."),
            "next_step": "Sue Manager (Service Manager) has been asked for quality assurance.",
        },
        "submitter_returned": {
            **basics("you sent this alert form."),
            "by": "Sue Manager (Service Manager)",
            "reasons": "Please add the strategy meeting date and the police reference.",
            "step_asks": "quality assurance",
        },
        "form_problems": {
            **basics("you sent a message to the alerts inbox.", rule="R-FORM", ref=None,
                     initials="?"),
            "problems": ["District: 'Canterbry' is not a district we know",
                         "Date of birth: 31/02/2011 is not a real date"],
            "unsupported": ["alert form.doc"],
            "original_subject": "Alert - missing child",
        },
        "reminder": {
            **basics("you were asked for quality assurance of this alert.", rule="T-QA"),
            "what": "Quality assurance by the Service Manager is awaited.",
            "due_at": DUE, "stage": "overdue", "chasers": 1,
        },
        "deadline_notice": {
            **basics("you are the Team Manager named on the alert.", rule="T-72H"),
            "clock": "return_interview_due",
            "what": "A return interview must be completed within 72 hours of being found.",
            "due_at": "2026-11-19T08:10:00+00:00", "since": "2026-11-16T08:10:00+00:00",
        },
        "reply_refused": {
            **basics("you replied to the alerts inbox.", rule="R-AUTH"),
            "why": "Only the person asked, or their deputy, can answer this step.",
        },
        "reply_question": {
            **basics("you replied to a request about this alert.", rule="unclear answer"),
            "why": "We read the first line of your reply, \"approve?\", but did not act on it "
                   "because it reads as a question. To answer, reply again with APPROVE or "
                   "RETURN alone on the first line.",
        },
        "duplicate_question": {
            **basics("you sent an alert form for a child who already has an open alert.",
                     rule="R-ALL"),
            "question": f"This looks like alert {REF} for the same child. If it is news about "
                        f"that alert, reply UPDATE and it will be added to {REF}; if it is a "
                        "separate episode, reply NEW and it will be raised as a new alert.",
            "unclear": "", "original_subject": "Alert C8", "until": "2026-11-30T09:05:00+00:00",
        },
        "delivery_problem": {
            **basics("the unit is told when a message about an alert cannot be delivered.",
                     rule="R-ALL"),
            "recipient": "sue.manager@kent.test", "purpose": "approval_request",
            "what": "The mail server said the mailbox is full.",
        },
    }


SENSITIVE = {"approval_request", "task_request", "alert_notice"}
RECIPIENTS = {
    "approval_request": (SUE,), "task_request": (MIU,), "alert_notice": (ED,),
    "submitter_receipt": (SW,), "submitter_returned": (SW,), "form_problems": (SW,),
    "reminder": (SUE,), "deadline_notice": (SW,), "reply_refused": (SW,),
    "reply_question": (SUE,),
    "delivery_problem": (UNIT,), "duplicate_question": (SW,),
}
ANSWERABLE = {"approval_request", "task_request", "reminder", "duplicate_question",
              "reply_question"}


def outgoing(purpose: str, /, **changes: Any) -> Outgoing:
    ctx = contexts()[purpose]
    ref = ctx["ref"]
    fields: dict[str, Any] = {
        "message_id": f"{purpose}.{ref or 'none'}.1@mailbot.kent.test",
        "purpose": purpose,
        "to": RECIPIENTS[purpose],
        "ref": ref,
        "subject": f"[{ref}] {purpose.replace('_', ' ')}" if ref else "Your alert form",
        "context": ctx,
        "sensitive": purpose in SENSITIVE,
        "reply_token": "t0k3n-abc" if purpose in ANSWERABLE else None,
        "rule": ctx["rule"],
    }
    fields.update(changes)
    return Outgoing(**fields)
