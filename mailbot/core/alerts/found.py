"""A missing child is found: T-72H starts, MIU records the date (R-MIU), and a national
alert is followed by its "found" notification (T-NAT-FOUND)."""

from __future__ import annotations

from mailbot.core.chain import notices
from mailbot.core.clocks import return_interview
from mailbot.core.context import Work
from mailbot.core.national import found as national_found
from mailbot.core.values.form import Form


def found(work: Work, form: Form) -> None:
    cfg, alert = work.config, work.alert
    found_at = work.alert.form.found_at
    assert found_at is not None
    return_interview.start(work, found_at)
    if any(w.task == "record_missing_dates" for w in work.alert.waits) or \
            cfg.route_of(alert.category).missing:
        notices.notice(work, ("miu",), "found", "R-MIU",
                       "The child has been found: record the date found on Liberi.")
    national_found.national_found(work)
