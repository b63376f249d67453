"""The clock in `mailbot run`: ticks on a `schedule` scheduler.

Each tick asks the pure core what is due now; the scheduler only decides when
to ask. A private `schedule.Scheduler` (not the module-level default) keeps two
services in one process (tests) from sharing jobs.
"""

from __future__ import annotations

import logging
from typing import Any

import schedule

log = logging.getLogger("mailbot")


class Clockwork:
    def __init__(self, service: Any, *, tick_every: float = 60.0) -> None:
        self.scheduler = schedule.Scheduler()
        self.scheduler.every(max(1, int(tick_every))).seconds.do(self._tick, service)
        self._tick(service)   # catch up at once after downtime

    @staticmethod
    def _tick(service: Any) -> None:
        try:
            service.tick()
        except Exception:   # a failed tick must not stop the watch; the next one retries
            log.exception("tick failed; will retry on the next tick")

    def run_pending(self) -> None:
        self.scheduler.run_pending()
