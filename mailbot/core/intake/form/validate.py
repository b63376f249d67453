"""What a form needs before it can be routed: every problem at once, in its own words,
each saying what to write instead (issue 11).

A new alert needs the fields every alert needs (alert-form.md), what its category
requires in routing.yaml, and what the route's first step `needs`; a field only a
later step needs does not hold it back (the submitter is asked for it after it is
routed). An update or de-alert needs only its reference. Any value given is checked
against the config whatever the kind.

R-ABSENT: a "missing" alert whose child's whereabouts are known is not a missing-child
alert. It is answered with what the procedure says to do instead, and not with a list
of missing-child fields to fill in. A C7 (national) alert for a family known to be in
a particular locality is refused too (T-NAT-3W: the threshold is not met).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from mailbot.core.config import Config, GateStage
from mailbot.core.intake.form import vocab
from mailbot.core.intake.form.accepts import accepts, missing
from mailbot.core.intake.form.fields import ALWAYS_REQUIRED, BY_ID, ORDER, UNBORN_LABELS, normalise
from mailbot.core.values.form import Contact, Form, Problem
from mailbot.core.values.mail import MessageKind

_Add = Callable[[str, str], None]

# The fields only a missing-child alert asks for (alert-form.md: C6-C8, C7).
MISSING_CHILD_FIELDS = frozenset({
    "missing_since", "whereabouts_known", "circumstances", "police_informed", "police_ref",
    "ooh_informed", "actions_taken", "strategy_meeting", "risk_meeting", "found_at",
    "return_interview_at", "national_alert", "attempts_to_locate", "known_locality",
    "exceptional"})


def validate_form(form: Form, config: Config, kind: MessageKind,
                  typed: Sequence[Problem] = ()) -> tuple[Problem, ...]:
    """Problems that stop this form being routed, one per field, in form order. `typed`:
    the values that could not be typed (they come first for their field)."""
    found: dict[str, Problem] = {p.field: p for p in reversed(typed)}

    def add(field: str, message: str) -> None:
        label = form.labels.get(field) or BY_ID[field].label
        found.setdefault(field, Problem(field=field, label=label, message=message))

    _check_values(form, config, add)
    update = kind in (MessageKind.UPDATE, MessageKind.DEALERT)
    absent = not update and not_missing(form, config)
    for field in _required(form, config, update, absent):
        if getattr(form, field) is None:
            add(field, missing(field, config))
    if absent:
        assert form.category is not None
        dropped = MISSING_CHILD_FIELDS | set(config.categories[form.category].requires)
        found = {f: p for f, p in found.items() if f not in dropped}
        found[""] = Problem(field="", label="", message=absent_advice(config))
    elif not update and form.category in config.categories:
        _check_national(form, config, add)
    return tuple(sorted(found.values(), key=lambda p: ORDER.get(p.field, -1)))


def not_missing(form: Form, config: Config) -> bool:
    """R-ABSENT: a missing-child category whose form says the whereabouts are known."""
    return form.category in config.categories and form.whereabouts_known is True and \
        config.route_of(form.category).missing


def absent_advice(config: Config) -> str:
    """What the procedure says to do for a child whose whereabouts are known (section 5)."""
    others = [(k, c) for k, c in config.categories.items() if not config.route_of(k).missing]
    instead = ""
    if others:
        key, cat = min(others, key=lambda kc: len(kc[1].requires))
        instead = f", for example {key} {cat.name},"
    return ("The form says the child's whereabouts are known (Whereabouts known: Yes), so "
            "this is not a missing-child alert. The procedure treats a child whose "
            "whereabouts are known, or thought to be known, as absent without authorisation "
            "(an unauthorised absence), not as missing: the absence should be monitored "
            "carefully and kept under review. If it needs senior management action, send the "
            f"alert again under another category{instead} without the missing-child details. "
            "If the child's whereabouts become unknown, send a missing-child alert then, with "
            "Whereabouts known: No.")


def _required(form: Form, config: Config, update: bool, absent: bool) -> list[str]:
    if update:
        return ["reference"]
    needed = list(ALWAYS_REQUIRED)
    if form.category in config.categories and not absent:
        route = config.route_of(form.category)
        for f in (*config.categories[form.category].requires, *route.routing_needs()):
            if f not in needed:
                needed.append(f)
    if _unborn(form):
        needed.remove("case_id")
    return needed


def _unborn(form: Form) -> bool:
    dob_label = form.labels.get("dob")
    return (dob_label is not None and normalise(dob_label) in UNBORN_LABELS) \
        or vocab.is_unborn_status(form.legal_status)


def _check_values(form: Form, config: Config, add: _Add) -> None:
    if form.category is not None and form.category not in config.categories:
        add("category", f"'{form.category}' is not one of the categories. "
                        f"{accepts('category', config)}")
    if form.district is not None and config.district_name(form.district) is None:
        add("district", f"'{form.district}' is not one of the districts. "
                        f"{accepts('district', config)}")
    if form.case_id is not None and not form.case_id.isdigit():
        add("case_id", f"{form.case_id} is not a Liberi ID. {accepts('case_id', config)}")
    prefix = config.organisation.reference_prefix
    if form.reference is not None and not re.fullmatch(rf"{prefix}-\d{{4}}-\d{{4}}", form.reference):
        add("reference", f"{form.reference} is not an alert reference. "
                         f"{accepts('reference', config)}")
    if form.legal_status is not None:
        base = form.legal_status.removesuffix(" (unborn)")
        if base not in vocab.LEGAL_STATUSES and form.legal_status != "Unborn":
            add("legal_status", f"'{form.legal_status}' is not a legal status the form takes. "
                                f"{accepts('legal_status', config)}")
    if form.exceptional is not None and form.exceptional not in vocab.EXCEPTIONAL:
        add("exceptional", f"'{form.exceptional}' is not one of the exceptional circumstances "
                           f"the form takes. {accepts('exceptional', config)}")
    for field in ("social_worker", "team_manager", "submitted_by"):
        contact: Contact | None = getattr(form, field)
        if contact is not None:
            message = _contact_problem(contact, config)
            if message:
                add(field, message)


def _contact_problem(contact: Contact, config: Config) -> str:
    from email_validator import EmailNotValidError, validate_email  # heavy: 20-35 ms of regexes

    how = accepts("social_worker", config)
    if not contact.email:
        return f"'{contact.name}' has no email address. {how}"
    try:
        # test_environment admits the reserved .test domain of the example county;
        # whether the domain is the council's is checked below, not by DNS.
        validate_email(contact.email, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return f"{contact.email} is not a valid email address. {how}"
    if not config.is_internal(contact.email):
        domains = " or ".join(config.organisation.domains)
        return (f"{contact.email} is not a council address, and alerts only go to staff. "
                f"Write their council email address (at {domains}).")
    return ""


def _check_national(form: Form, config: Config, add: _Add) -> None:
    assert form.category is not None
    route = config.route_of(form.category)
    national = any(isinstance(s, GateStage) and s.gate == "national_threshold" for s in route.stages)
    if national and form.known_locality:
        others = [f"{k} {c.name}" for k, c in config.categories.items()
                  if k != form.category and config.route_of(k).missing]
        instead = f" such as {others[0]}" if others else ""
        add("known_locality", "you answered Yes: a family known to be in a particular "
            "locality is not missing in the sense of a national alert, so the threshold for one "
            f"is not met. Send the alert under another category{instead}, or answer No if "
            "the family's locality is not known.")
