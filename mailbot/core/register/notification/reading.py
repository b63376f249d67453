"""What another council's notification was read as: the values `read_notification` returns."""

from __future__ import annotations

from datetime import date
from typing import Literal

from mailbot.core.values.base import Value

Kind = Literal["alert", "reissue", "found", "unknown"]

# the unit's words for each field that may be `uncertain`
FIELD_WORDS = {"kind": "what kind of notification it is", "authority": "the issuing authority",
               "child": "the child's name", "dob": "the date of birth",
               "date_missing": "the date missing"}


class OlaChild(Value):
    name: str                    # as given ("Taylor EXAMPLE", "SMITH, Jordan")
    dob: date | None = None
    dob_text: str = ""           # the date of birth as written, even when unreadable


class OlaReading(Value):
    kind: Kind
    authority: str
    children: tuple[OlaChild, ...] = ()
    date_missing: date | None = None
    date_notified: date | None = None
    contact: str = ""
    sender: str = ""
    subject: str = ""
    uncertain: tuple[str, ...] = ()   # field names read without confidence
    summary: tuple[str, ...] = ()     # lines for the unit (may name the child)

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2].lower()
