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
                "id": "sm_qa", "asks": "quality assurance", "asked": "for quality assurance",
                "role_title": "Service Manager",
                "answers": ["approve", "return", "forward", "dealert"],
                "may_forward_to": [
                    {"role": "director",
                     "title": "Director of Specialist Children's Services"},
                    {"role": "ad_sqa",
                     "title": "Assistant Director, Safeguarding and Quality Assurance"},
                ],
            },
            "due_at": DUE, "escalated": False, "escalation_reason": "", "original_owner": "",
            "still_to_come": "",
        },
        "task_request": {
            **basics("the Management Information Unit records missing and found dates.",
                     rule="R-MIU"),
            "alert": alert(),
            "task": {"id": "miu_dates", "task": "record_missing_dates",
                     "description": "Record the date missing on Liberi.", "still_to_come": []},
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
            "still_to_come": [], "still_to_come_intro": "", "reply_lines": [],
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
            "advice": [],
            "problems": ["District: 'Canterbry' is not a district we know",
                         "Date of birth: 31/02/2011 is not a real date"],
            "unsupported": ["alert form.doc"],
            "original_subject": "Alert - missing child",
        },
        "reminder": {
            **basics("you were asked for quality assurance of this alert.", rule="T-QA"),
            "what": f"You were asked for quality assurance on alert {REF} (J.L.S.).",
            "due_at": DUE, "stage": "overdue", "chasers": 1,
        },
        "waiting_on_you": {
            **basics("You have more than one alert waiting on you today; they come in one "
                     "email rather than one each.", rule="", ref=None, initials="?"),
            "items": [
                {"ref": REF, "initials": "J.L.S.", "stage": "chase", "due_at": DUE,
                 "what": "the Service Manager's answer: quality assurance",
                 "token": "t0k3n-abc", "answers": ["approve", "return"], "fields": False,
                 "subject": f"{REF} (J.L.S.)"},
                {"ref": "KA-2026-0043", "initials": "R.S.", "stage": "before",
                 "due_at": "2026-11-16T16:00:00+00:00",
                 "what": "the Service Manager's answer: check actions to locate, meeting "
                         "dates, and that Police and Out of Hours were told",
                 "token": "t0k3n-def", "answers": ["approve", "return"], "fields": False,
                 "subject": "KA-2026-0043 (R.S.)"},
                {"ref": "KA-2026-0044", "initials": "A.E.", "stage": "before",
                 "due_at": "2026-11-16T17:00:00+00:00",
                 "what": "Complete and send the Ofsted notification (consult the area PDO on "
                         "the template)",
                 "token": "t0k3n-ghi", "answers": ["done"], "fields": False,
                 "subject": "KA-2026-0044 (A.E.)"},
            ],
        },
        "chasing_stopped": {
            **basics(f"Chasing has stopped on alert {REF}.", rule="T-QA"),
            "what": "the Service Manager's answer: quality assurance", "due_at": DUE,
            "chased": 8, "asked": ["Sue Manager", "Sol South", "Ed East"],
        },
        "calendar_cancel": {
            **basics(f"You had a calendar entry for a deadline on alert {REF}.", rule=""),
            "what": "Service Manager's answer due", "due_at": DUE,
            "why": "it has been answered, or is no longer needed",
        },
        "area_review": {
            **basics("you are the Service Manager for East. The procedure asks each Service "
                     "Management Team to review its current alerts, so the area's open alerts "
                     "come to you every Monday.", rule="", ref=None, initials="?"),
            "areas": ["East"], "where": "East", "open": 3, "overdue": 1, "yours": 1,
            "answerable": 1,
            "items": [
                {"ref": REF, "initials": "J.L.S.", "district": "Canterbury",
                 "category": "C8 Child in Care (including UASC) missing", "status": "in quality "
                 "assurance", "hold_until": None, "overdue": True,
                 "deadline": {"at": DUE, "what": "Service Manager quality assurance due",
                              "overdue": True, "step": True},
                 "steps": [{"what": "Service Manager quality assurance", "owner": "you",
                            "yours": True, "due_at": DUE, "overdue": True,
                            "token": "t0k3n-abc", "answers": ["approve", "return"],
                            "fields": False, "subject": f"{REF} (J.L.S.)"}]},
                {"ref": "KA-2026-0031", "initials": "R.S.", "district": "Thanet",
                 "category": "C8 Child in Care (including UASC) missing", "status": "open",
                 "hold_until": None, "overdue": False,
                 "deadline": {"at": "2026-11-18T17:00:00+00:00", "what": "Return interview due",
                              "overdue": False, "step": False},
                 "steps": [{"what": "Quality assurance and contact with the district",
                            "owner": "Pam East", "yours": False,
                            "due_at": "2026-11-19T17:00:00+00:00", "overdue": False,
                            "token": None, "answers": ["done"], "fields": False,
                            "subject": "KA-2026-0031 (R.S.)"}]},
                {"ref": "KA-2026-0027", "initials": "A.E.", "district": "Swale",
                 "category": "C7 Child subject to Child Protection Plan missing, national "
                             "alert required", "status": "held", "overdue": False,
                 "hold_until": "2026-11-30T10:00:00+00:00", "deadline": None, "steps": []},
            ],
        },
        "deadline_notice": {
            **basics("you are the Team Manager named on the alert.", rule="T-72H"),
            "clock": "return_interview_due",
            "what": "A return interview must be completed within 72 hours of being found.",
            "due_at": "2026-11-19T08:10:00+00:00", "since": "2026-11-16T08:10:00+00:00",
            "opens_at": None,
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
        "outage_notice": {
            **basics("you are told when the alerts system cannot read a mailbox or send its "
                     "mail for longer than 30 minutes.", rule="", ref=None, initials="?"),
            "kind": "mailbox", "mailbox": "miu", "what": "the mailbox 'miu' (miu@kent.test)",
            "since": "2026-11-16T08:20:00+00:00", "at": "2026-11-16T09:05:00+00:00",
            "lasted": "45 minutes", "unsent": 0,
            "error": "mailbox miu: IMAP server unreachable: Connection refused",
        },
        "outage_over": {
            **basics("you are told when the alerts system cannot read a mailbox or send its "
                     "mail for longer than 30 minutes.", rule="", ref=None, initials="?"),
            "kind": "outbox", "mailbox": "", "what": "the outbox (mail waiting to be sent)",
            "since": "2026-11-16T07:50:00+00:00", "at": "2026-11-16T09:05:00+00:00",
            "lasted": "1 hour 15 minutes", "unsent": 0, "error": "",
        },
    }


SENSITIVE = {"approval_request", "task_request", "alert_notice"}
RECIPIENTS = {
    "approval_request": (SUE,), "task_request": (MIU,), "alert_notice": (ED,),
    "submitter_receipt": (SW,), "submitter_returned": (SW,), "form_problems": (SW,),
    "reminder": (SUE,), "deadline_notice": (SW,), "reply_refused": (SW,),
    "reply_question": (SUE,),
    "delivery_problem": (UNIT,), "duplicate_question": (SW,),
    "waiting_on_you": (SUE,), "chasing_stopped": (UNIT,), "calendar_cancel": (SUE,),
    "area_review": (SUE,), "outage_notice": (UNIT,), "outage_over": (UNIT,),
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
