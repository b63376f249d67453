"""What every section of routing.yaml shares (R-CONF).

Each section is a frozen model that refuses keys it does not know, so a typo in
the file is an error rather than a setting silently ignored. Addresses and
durations are accepted as the file writes them.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from mailbot.core.durations import Duration, parse_duration

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PLAIN_LOCAL = re.compile(r"^[A-Za-z0-9!#$&'*+/=?^_`{|}~.%-]+$")


def routing_trick(address: str) -> str | None:
    """Why an address is not plainly itself, or None."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "it is not a complete address"
    if local.startswith('"') or not _PLAIN_LOCAL.match(local):
        return "its local part is quoted"
    if "%" in local or "!" in local:
        return "its local part carries a relay route (% or !)"
    if "@" in local:
        return "it holds two @ signs"
    return None


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


def email_address(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value.lower()


def as_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return parse_duration(value)


def norm(text: str) -> str:
    """A district's name as compared: case, spaces and punctuation ignored."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
