"""R-NAT: the Service Manager (Safeguarding and QA) approves and signs off the national alert."""

from __future__ import annotations

from mailbot.core.context import Work

SIGNOFF_STAGE = "nat_signoff"


def signed_off(work: Work, by: str) -> None:
    work.update(national=work.alert.national.model_copy(
        update={"status": "signed_off", "issued_at": work.ctx.now}))
    work.event("R-NAT", "national_signed_off", by=by)
