"""Retention and erasure of a closed alert's personal data (issue 15), as pure values.

`strip.py` says what of an alert, an event and a sent mail is left once the child's
details are removed; `due.py` which closed alerts are past their category's period.
The store applies it everywhere it keeps them (mailbot.adapters.store.scrub).
"""

from mailbot.core.retention.due import Due, past_retention, retained_until
from mailbot.core.retention.strip import (
    RETAIN_RULE,
    pseudonym,
    stripped_alert,
    stripped_event,
)

__all__ = ["RETAIN_RULE", "Due", "past_retention", "pseudonym", "retained_until",
           "stripped_alert", "stripped_event"]
