"""What a form needs before it can be routed: every problem at once, in its own words.

A new alert needs the always-required fields (alert-form.md) and what its category
requires in routing.yaml; an update or de-alert needs only its reference. Any value
given is checked against the config whatever the kind. R-ABSENT: a "missing" alert
whose child's whereabouts are known is refused, and so is a C7 (national) alert for a
family known to be in a particular locality (T-NAT-3W: the threshold is not met).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email

from mailbot.core.config import Config, GateStage
from mailbot.core.intake.form import vocab
from mailbot.core.intake.form.fields import ALWAYS_REQUIRED, BY_ID, ORDER, UNBORN_LABELS, normalise
from mailbot.core.values.form import Contact, Form, Problem
from mailbot.core.values.mail import MessageKind

_Add = Callable[[str, str], None]


def validate_form(form: Form, config: Config, kind: MessageKind) -> tuple[Problem, ...]:
    """Problems that stop this form being routed, one per field, in form order."""
    found: dict[str, Problem] = {}

    def add(field: str, message: str) -> None:
        label = form.labels.get(field) or BY_ID[field].label
        found.setdefault(field, Problem(field=field, label=label, message=message))

    _check_values(form, config, add)
    update = kind in (MessageKind.UPDATE, MessageKind.DEALERT)
    for field in _required(form, config, update):
        if getattr(form, field) is None:
            add(field, "this is missing")
    if not update and form.category in config.categories:
        _check_missing_rules(form, config, add)
    return tuple(sorted(found.values(), key=lambda p: ORDER.get(p.field, -1)))


def _required(form: Form, config: Config, update: bool) -> list[str]:
    if update:
        return ["reference"]
    needed = list(ALWAYS_REQUIRED)
    if form.category in config.categories:
        needed += [f for f in config.categories[form.category].requires if f not in needed]
    if _unborn(form):
        needed.remove("case_id")
    return needed


def _unborn(form: Form) -> bool:
    dob_label = form.labels.get("dob")
    return (dob_label is not None and normalise(dob_label) in UNBORN_LABELS) \
        or vocab.is_unborn_status(form.legal_status)


def _check_values(form: Form, config: Config, add: _Add) -> None:
    if form.category is not None and form.category not in config.categories:
        listed = "; ".join(f"{k} {c.name}" for k, c in config.categories.items())
        add("category", f"'{form.category}' is not one of the categories ({listed})")
    if form.district is not None and config.district_name(form.district) is None:
        add("district", f"'{form.district}' is not one of the districts "
                        f"({', '.join(config.all_districts())})")
    if form.case_id is not None and not form.case_id.isdigit():
        add("case_id", f"{form.case_id} is not a Liberi ID: it is digits only")
    prefix = config.organisation.reference_prefix
    if form.reference is not None and not re.fullmatch(rf"{prefix}-\d{{4}}-\d{{4}}", form.reference):
        add("reference", f"{form.reference} is not an alert reference (they look like "
                         f"{prefix}-2026-0042)")
    if form.legal_status is not None:
        base = form.legal_status.removesuffix(" (unborn)")
        if base not in vocab.LEGAL_STATUSES and form.legal_status != "Unborn":
            add("legal_status", f"'{form.legal_status}' is not one of "
                                f"{', '.join(vocab.LEGAL_STATUSES)}")
    if form.exceptional is not None and form.exceptional not in vocab.EXCEPTIONAL:
        add("exceptional", f"'{form.exceptional}' is not one of s47, care order abduction, "
                           "removed without notice, none")
    for field in ("social_worker", "team_manager", "submitted_by"):
        contact: Contact | None = getattr(form, field)
        if contact is not None:
            message = _contact_problem(contact, config)
            if message:
                add(field, message)


def _contact_problem(contact: Contact, config: Config) -> str:
    if not contact.email:
        return f"'{contact.name}' has no email address: write the name and the email address"
    try:
        # test_environment admits the reserved .test domain of the example county;
        # whether the domain is the council's is checked below, not by DNS.
        validate_email(contact.email, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return f"{contact.email} is not a valid email address"
    if not config.is_internal(contact.email):
        return (f"{contact.email} is not a council address "
                f"({', '.join(config.organisation.domains)}): alerts only go to staff")
    return ""


def _check_missing_rules(form: Form, config: Config, add: _Add) -> None:
    assert form.category is not None
    route = config.route_of(form.category)
    if route.missing and form.whereabouts_known:
        add("whereabouts_known", "Yes means the child's whereabouts are known, so the child is "
            "not missing (an unauthorised absence) and is not alerted as missing (R-ABSENT)")
    national = any(isinstance(s, GateStage) and s.gate == "national_threshold" for s in route.stages)
    if national and form.known_locality:
        add("known_locality", "Yes means the family is known to be in a particular locality, "
            "so the threshold for a national alert is not met: send it under another category")
