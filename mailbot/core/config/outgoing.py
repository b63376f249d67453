"""What may leave the organisation, and how fast mail may go (R-CONF).

The cascade's custodians are the one destination outside the organisation's
domains; the limits stop a loop or a flood from mailing one address without end.
"""

from __future__ import annotations

from pydantic import Field

from mailbot.core.config.base import Frozen


class Cascade(Frozen):
    """R-CASCADE: the national custodian list, the one outside destination."""

    by_bot: bool = False
    custodians: tuple[str, ...] = ()
    marking: str = "OFFICIAL-SENSITIVE"


class Limits(Frozen):
    per_address_per_hour: int = Field(default=30, ge=1)
    per_address_per_day: int = Field(default=200, ge=1)
    unauthorised_replies_per_sender_per_day: int = Field(default=1, ge=0)
