"""The clock ticked: what is due at `now`: a pure function of the state, the config and the time.

T-QA reminders, chasers and escalation for every waiting step; the statutory
and procedural clocks (T-48H, T-72H, T-NAT-3W, T-NAT-6M, T-NAT-12M, T-REVIEW);
whether this week's digest (T-WEEKLY) is owed; and which forms held as possible
duplicates (issue 10) have waited out their window. Each thing fires once: the
returned state records that it fired, and the shell commits that state together
with the messages, so however often the clock ticks nothing is sent twice.
After downtime, what fell due is sent once, in due order, marked late.
"""

from __future__ import annotations

from datetime import datetime

from mailbot.core.alerts import duplicate
from mailbot.core.clocks import calendar
from mailbot.core.clocks import due as clock_due
from mailbot.core.config import Config
from mailbot.core.context import Ctx, Work
from mailbot.core.values.alert import Event
from mailbot.core.values.mail import Outgoing
from mailbot.core.values.state import Decision, State


def due(state: State, config: Config, ctx: Ctx) -> Decision:
    alerts = dict(state.alerts)
    outgoing: list[tuple[datetime, int, Outgoing]] = []
    events: list[Event] = []
    order = 0
    for ref in sorted(alerts, key=lambda r: clock_due.next_due_of(alerts[r], config) or ctx.now):
        alert = alerts[ref]
        when = clock_due.next_due_of(alert, config)
        if when is None or when > ctx.now:
            continue
        work = Work(config, ctx, alert)
        for _ in range(50):   # bounded: each pass fires at least one thing or stops
            item = clock_due.earliest(work.alert, config)
            if item is None or item[0] > ctx.now:
                break
            before = len(work.outgoing)
            clock_due.fire(work, item[1])
            # whatever an item acted on after its time brings (a reminder, a task, the
            # request after a gate opened) is marked late, not only the messages that say so
            late = work.is_late(item[0])
            for out in work.outgoing[before:]:
                if late and not out.late:
                    out = out.model_copy(update={"late": True})
                outgoing.append((item[0], order, out))
                order += 1
        alerts[ref] = work.alert
        events += work.events
    week = calendar.owed(state, config, ctx.now)
    new_state, expired = duplicate.expire(state.model_copy(update={"alerts": alerts}), config,
                                          ctx.now)
    events += expired
    if week:
        new_state = new_state.model_copy(update={"digest_sent": (*state.digest_sent, week)[-60:]})
    outgoing.sort(key=lambda item: (item[0], item[1]))
    return Decision(state=new_state, outgoing=tuple(o for _, _, o in outgoing),
                    events=tuple(events), digest_week=week,
                    note=f"tick: {len(outgoing)} to send" + (f", digest {week}" if week else ""))


def next_due(state: State, config: Config, now: datetime) -> datetime | None:
    """The earliest moment anything falls due (for sleeping and simulated clocks)."""
    times = [t for t in (clock_due.next_due_of(a, config) for a in state.alerts.values()) if t]
    times.append(calendar.next_digest_moment(config, now, state))
    if (expiry := duplicate.next_expiry(state, config)) is not None:
        times.append(expiry)
    return min(times) if times else None
