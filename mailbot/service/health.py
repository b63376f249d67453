"""`mailbot health`: one line a monitor can act on, from the heartbeat file (issue 14).

Healthy when every configured mailbox was read, and the clock fired, within the
last N minutes, and nothing in the outbox has waited longer than that. The exit
status says which: 0 healthy, 3 a mailbox or the clock is stale, 4 mail is stuck
in the outbox (3 wins when both).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.core.outage import lasted
from mailbot.service.heartbeat import Beat

# The exit statuses of `mailbot health`. (mailbot/errors.py is to name every exit
# status in one place: these keep their values there.)
HEALTHY = 0
STALE = 3          # a mailbox not read, or the clock not fired, within N minutes
OUTBOX_STUCK = 4   # mail waiting in the outbox longer than N minutes


@dataclass(frozen=True)
class Health:
    status: int
    line: str


def _minutes(length: timedelta) -> str:
    return lasted(length).replace(" minutes", " min").replace(" minute", " min")


def evaluate(beat: Beat | None, mailboxes: Iterable[str], now: datetime,
             within: timedelta, *, where: str = "heartbeat.json") -> Health:
    """The verdict on the heartbeat `beat` (None: there is none) at `now`."""
    if beat is None:
        return Health(STALE, f"FAIL: no heartbeat in {where}: `mailbot run` (or `once`) has not "
                             "written one yet, or writes to another state folder")
    stale: list[str] = []
    names = list(mailboxes)
    for name in names:
        m = beat.mailboxes.get(name)
        error = f" (last error: {m.last_error})" if m is not None and m.last_error else ""
        if m is None or m.last_read is None:
            stale.append(f"mailbox {name!r} never read{error}")
        elif now - m.last_read > within:
            stale.append(f"mailbox {name!r} not read for {_minutes(now - m.last_read)}{error}")
    if beat.clock_fired is None:
        stale.append("the clock has never fired")
    elif now - beat.clock_fired > within:
        stale.append(f"the clock has not fired for {_minutes(now - beat.clock_fired)}")
    stuck = ""
    if beat.oldest_unsent is not None and now - beat.oldest_unsent > within:
        error = f" (last error: {beat.outbox_error})" if beat.outbox_error else ""
        stuck = (f"{beat.unsent} message(s) unsent in the outbox, the oldest for "
                 f"{_minutes(now - beat.oldest_unsent)}{error}")
    limit = f"within {_minutes(within)}"
    if stale or stuck:
        return Health(STALE if stale else OUTBOX_STUCK,
                      f"FAIL: {'; '.join([*stale, *([stuck] if stuck else [])])} ({limit})")
    outbox = "outbox empty" if not beat.unsent else f"outbox {beat.unsent} unsent, none stuck"
    count = f"{len(names)} mailbox{'' if len(names) == 1 else 'es'} read"
    return Health(HEALTHY, f"ok: {count}, clock fired, {outbox}, {limit}")
