"""`mailbot report --from DATE --to DATE`: the management information tables (issue 15);
the CLI writes them as CSV (mailbot.adapters.csv_report)."""

from __future__ import annotations

from datetime import date
from typing import Any

from mailbot.core.report import Period, alert_rows, clock_rows, in_view
from mailbot.core.values.alert import Alert, Event


def gather(service: Any, first: date, last: date) -> tuple[Period, list[Alert], list[Event]]:
    period = Period.of_days(first, last, service.config)
    store = service.store
    alerts = in_view([*store.load().alerts.values(), *store.closed_alerts(period.start)], period)
    events = [e for a in alerts for e in store.events(a.ref)]
    return period, alerts, events


def tables(service: Any, first: date, last: date) -> tuple[list[list[str]], list[list[str]]]:
    period, alerts, events = gather(service, first, last)
    return (alert_rows(alerts, events, period, service.config),
            clock_rows(alerts, events, period, service.config))
