"""Until when a Microsoft server asked mailbot to make no calls to it (EWS
ErrorServerBusy's BackOffMilliseconds, Graph's Retry-After), kept across polls in
memory and, with a cursor store, across processes: a `mailbot once` started by
cron inside the wait makes no call at all.

In memory the time is monotonic (a wall clock set back must not stretch a wait);
in the store it is a Unix time, the only clock two processes share.
"""

from __future__ import annotations

import time

from mailbot.adapters.microsoft.settings import CursorStore

# the longest wait believed: a server's back-off is minutes; a saved value beyond this
# (a clock set wrong, a damaged state file) must not silence a mailbox for days
LONGEST = 3600.0


class StayAway:
    """The end of the server's wait, loaded from `store[key]` on first use."""

    def __init__(self, store: CursorStore | None = None, key: str = "") -> None:
        self._store, self._key = store, key
        self._until = 0.0          # time.monotonic() at which the wait ends
        self._loaded = store is None
        self._saved: float | None = None   # what the store holds (None: nothing)
        self._dirty = False

    def left(self) -> float:
        """Seconds still to wait (0: none)."""
        if not self._loaded:
            self._loaded = True
            try:
                saved = float(self._store.cursor(self._key) or 0)  # type: ignore[union-attr]
            except ValueError:
                saved = 0.0     # unreadable: no wait (the server will say again if it must)
            self._saved = saved or None
            self._until = max(self._until, time.monotonic() + min(saved - time.time(), LONGEST))
        return max(0.0, self._until - time.monotonic())

    def until(self) -> float:
        """The end of the wait as a Unix time."""
        return time.time() + self.left()

    def extend(self, seconds: float) -> None:
        self.left()   # loaded first, so a saved wait is not forgotten
        seconds = min(seconds, LONGEST)
        if time.monotonic() + seconds > self._until:
            self._until = time.monotonic() + seconds
            self._dirty = True

    def save(self) -> None:
        """Write the wait to the store, if it changed; a wait that is over is cleared.
        Called from the thread that uses the store, after the failing call."""
        if self._store is None:
            return
        left = self.left()
        if self._dirty and left > 0:
            self._saved = round(time.time() + left, 3)
            self._store.set_cursor(self._key, repr(self._saved))
        elif self._saved is not None and left == 0:
            self._saved = None
            self._store.set_cursor(self._key, None)
        self._dirty = False
