"""Who holds which role: the organisation, its roles, people and areas (R-CONF)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from mailbot.core.config.base import Frozen, email_address

ROLE_SOURCES = ("directory", "form", "sender")


class Organisation(Frozen):
    name: str
    domains: tuple[str, ...] = Field(min_length=1)
    timezone: str = "Europe/London"
    reference_prefix: str = Field(default="KA", pattern=r"^[A-Z]{1,6}$")
    bot_address: str
    bot_name: str = "Safeguarding Unit Alerts"
    # The organisation's own border mail server, as it names itself in
    # Authentication-Results; when set, a DMARC failure it reports voids a reply.
    trusted_authserv_id: str | None = None
    # Reply-To bot+TOKEN@domain: Dovecot, Postfix and Exchange Online deliver it to the
    # bot; Exchange Server does not (set false there: the token also rides in the
    # request's Message-ID, which replies quote in In-Reply-To/References)
    plus_addressing: bool = True

    @field_validator("domains")
    @classmethod
    def _lower_domains(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.lower() for d in v)

    _address = field_validator("bot_address")(lambda v: email_address(v))


class Role(Frozen):
    title: str
    # directory: a person named in `areas` or `county`; form: the person the
    # form names (sw, tm), used only inside the organisation's domains;
    # sender: whoever sent the form.
    source: Literal["directory", "form", "sender"] = "directory"
    scope: Literal["area", "county", "case"] = "county"
    form_field: str | None = None


class Person(Frozen):
    name: str
    email: str
    deputy: str | None = None
    # people (keys) who may send on this person's behalf (Sender: them, From: this
    # person), e.g. a director's PA; anyone else's Sender voids the message
    delegates: tuple[str, ...] = ()

    _address = field_validator("email")(lambda v: email_address(v))


class Area(Frozen):
    name: str
    districts: tuple[str, ...] = Field(min_length=1)
    roles: dict[str, str]
