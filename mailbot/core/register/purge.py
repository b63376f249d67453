"""The register's 12-month purge (R-OLA; Appendix 3, "Process to end a national alert", point 2).

Every entry, open or closed, is deleted with its originals once `ola_expiry`
(12 months) has passed since its last notification. For an open entry that is
Appendix 3's rule: a follow-up or re-issue restarts the 12 months. A closed
entry's last notification is its "found" notice, and the register only serves
live alerts, so it goes 12 months after closing, long enough to recognise a
repeated "found" notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mailbot.core.durations import Duration
from mailbot.core.register.entries import RegisterEntry
from mailbot.core.values.base import Value


class Purge(Value):
    kept: tuple[RegisterEntry, ...]
    purged: tuple[RegisterEntry, ...]

    @property
    def originals(self) -> tuple[str, ...]:
        return tuple(o for e in self.purged for o in e.originals)


def purge_due(entries: Sequence[RegisterEntry], now: datetime, expiry: Duration) -> Purge:
    """Entries whose last notification is `expiry` old go, originals and all."""
    kept = tuple(e for e in entries if expiry.after(e.last_notified) > now)
    return Purge(kept=kept, purged=tuple(e for e in entries if expiry.after(e.last_notified) <= now))
