"""Graph's request budget for one app on one mailbox: 10,000 requests in any 10
minutes (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits),
kept as a sliding window so that a poll with a backlog stops before the server
would answer 429, instead of after.

One budget per mailbox in a process, shared by its reader and its sender (the
server counts both against the same app and mailbox). A request in a JSON batch
counts as one each (Graph evaluates them individually).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from mailbot.errors import ServerBusy

LIMIT = 10_000
WINDOW = 600.0


class RequestBudget:
    """Requests made in the last `window` seconds, and how many more may be made."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._made: deque[float] = deque()
        self._lock = threading.Lock()

    def room(self) -> int:
        with self._lock:
            self._forget()
            return self.limit - len(self._made)

    def spend(self, count: int, what: str) -> None:
        """Count `count` requests about to be made; if they would go over the budget,
        ServerBusy (no request is made) until enough of the window has passed."""
        with self._lock:
            self._forget()
            if len(self._made) + count > self.limit:
                index = min(len(self._made) - 1, len(self._made) + count - self.limit - 1)
                wait = max(0.0, self._made[index] + self.window - self._clock()) if self._made else 0.0
                raise ServerBusy(
                    f"Graph {what}: mailbot has made {len(self._made)} of the {self.limit} requests "
                    f"Microsoft 365 allows per mailbox in {self.window / 60:.0f} minutes; "
                    f"not asked again for {wait:.0f} s", time.time() + wait)
            now = self._clock()
            self._made.extend([now] * count)

    def _forget(self) -> None:
        horizon = self._clock() - self.window
        while self._made and self._made[0] <= horizon:
            self._made.popleft()


_budgets: dict[tuple[object, ...], RequestBudget] = {}
_budgets_lock = threading.Lock()


def budget_for(base_url: str, mailbox: str, limit: int = LIMIT, window: float = WINDOW,
               clock: Callable[[], float] = time.monotonic) -> RequestBudget:
    """The one budget of this mailbox on this Graph, made on first use (a budget set
    otherwise, as the tests set one on a clock of their own, is one of its own)."""
    key = (base_url, mailbox.lower(), limit, window, clock)
    with _budgets_lock:
        return _budgets.setdefault(key, RequestBudget(limit, window, clock))
