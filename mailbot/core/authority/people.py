"""Who holds a role for an alert, their deputies, and the tier above.

Recipients come from the directory (routing.yaml), never from the form. The
only form-sourced people are the case's own social worker and team manager
(`source: form` roles), and only at addresses inside the organisation."""

from __future__ import annotations

from mailbot.core.config import Config
from mailbot.core.values.alert import Alert
from mailbot.core.values.form import Contact
from mailbot.core.values.mail import Recipient


def holder_key(config: Config, role: str, alert: Alert) -> str | None:
    """A person key (directory) or "email:<address>" (form roles); None if nobody."""
    spec = config.roles.get(role)
    if spec is None:
        return None
    if spec.source == "directory":
        return config.holder(role, alert.area)
    if spec.source == "sender":
        return f"email:{alert.submitter.email}" if alert.submitter.email else None
    contact = getattr(alert.form, spec.form_field or "", None)
    if isinstance(contact, Contact) and contact.email and config.is_internal(contact.email):
        return f"email:{contact.email.lower()}"
    return None


def recipient(config: Config, key: str, role: str = "", alert: Alert | None = None) -> Recipient:
    if key.startswith("email:"):
        email = key.removeprefix("email:")
        name = ""
        if alert is not None:
            for contact in (alert.form.social_worker, alert.form.team_manager, alert.submitter):
                if contact is not None and contact.email.lower() == email:
                    name = contact.name
                    break
        return Recipient(name=name or email, email=email, role=role)
    person = config.person(key)
    return Recipient(name=person.name, email=person.email, role=role)


def role_recipients(config: Config, roles: tuple[str, ...] | list[str], alert: Alert) -> list[Recipient]:
    seen: set[str] = set()
    found: list[Recipient] = []
    for role in roles:
        key = holder_key(config, role, alert)
        if key is None:
            continue
        r = recipient(config, key, role, alert)
        if r.email not in seen and r.email != config.organisation.bot_address:
            seen.add(r.email)
            found.append(r)
    return found


def deputy_of(config: Config, key: str) -> str | None:
    if key.startswith("email:"):
        return None
    return config.people[key].deputy


def next_tier(config: Config, role: str, alert: Alert) -> str | None:
    above = config.escalation.get(role)
    return holder_key(config, above, alert) if above else None


def email_of(config: Config, key: str) -> str:
    return key.removeprefix("email:") if key.startswith("email:") else config.person(key).email
