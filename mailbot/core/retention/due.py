"""Which closed alerts are past their category's retention period, and until when each is kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mailbot.core.config import Config
from mailbot.core.values.alert import Alert


@dataclass(frozen=True)
class Due:
    ref: str
    category: str
    closed_at: datetime
    until: datetime      # the full record is kept until then


def retained_until(alert: Alert, config: Config) -> datetime | None:
    """When a closed alert's full record may go (None: open, so kept)."""
    if alert.status != "closed":
        return None
    closed = alert.closed_at or alert.updated_at
    return config.retention.period(alert.category).after(closed)


def past_retention(alerts: Iterable[Alert], config: Config, now: datetime) -> list[Due]:
    """Closed alerts whose period has run out and whose personal data is still there,
    oldest first."""
    found = []
    for alert in alerts:
        until = retained_until(alert, config)
        if until is not None and until <= now and alert.personal_data_removed_at is None:
            found.append(Due(alert.ref, alert.category, alert.closed_at or alert.updated_at, until))
    return sorted(found, key=lambda d: (d.until, d.ref))
