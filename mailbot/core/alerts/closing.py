"""R-UPD: closing an alert (a de-alert): everyone who holds it is told."""

from __future__ import annotations

from mailbot.core import wording
from mailbot.core.context import Work
from mailbot.core.values.mail import Recipient


def close(work: Work, why: str, *, by: str) -> None:
    cfg = work.config
    if work.alert.told:
        named = {p.email: p.name for p in cfg.people.values()}
        to = [Recipient(name=named.get(e, e), email=e) for e in work.alert.told]
        context = {**wording.basics(work.alert, "R-UPD", f"Alert {work.alert.ref} is closed."),
                   "alert": wording.alert_context(work.alert, cfg), "notice": "dealert",
                   "by": by, "changes": [], "note": why}
        work.send("alert_notice", to, wording.subject(work.alert, cfg, "De-alert"), context,
                  rule="R-UPD", sensitive=True)
    work.update(status="closed", closed_at=work.ctx.now, waits=(), clocks=())
    work.event("R-UPD", "dealerted", why=why)
