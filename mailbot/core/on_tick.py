"""The clock ticked: what is due at `now`: a pure function of the state, the config and the time.

T-QA reminders, chasers and escalation for every waiting step (in working hours,
and at the day's hour in one "waiting on you" mail for a person with several due);
the statutory and procedural clocks (T-48H, T-72H, T-NAT-3W, T-NAT-6M, T-NAT-12M,
T-REVIEW); whether this week's digest (T-WEEKLY) is owed; each area's weekly review
of its open alerts (section 6); which forms held as possible duplicates (issue 10)
have waited out their window; and a calendar
CANCEL for each deadline that went. Each thing fires once: the returned state
records that it fired, and the shell commits that state together with the
messages, so however often the clock ticks nothing is sent twice.
After downtime, what fell due is sent once, in due order, marked late.
"""

from __future__ import annotations

from datetime import date, datetime

from mailbot.core.alerts import duplicate
from mailbot.core.clocks import calendar, entries, waiting
from mailbot.core.clocks import due as clock_due
from mailbot.core.config import Config, fingerprint
from mailbot.core.context import Ctx, Work
from mailbot.core.digest import review as area_review
from mailbot.core.values.alert import Alert
from mailbot.core.values.mail import Outgoing
from mailbot.core.values.state import Decision, State, marked, with_alerts


def due(state: State, config: Config, ctx: Ctx) -> Decision:
    before = state
    # first the day's combined mails: what they list is counted as reminded
    state, combined, events = waiting.send(state, config, ctx)
    alerts = state.alerts
    fired: dict[str, Alert] = {}
    outgoing: list[tuple[datetime, int, Outgoing]] = [(ctx.now, -1, o) for o in combined]
    order = 0
    holidays = ctx.holidays

    # what is due fires in the order of each alert's first item's real moment, asked
    # as a mark: kept by the store for an alert it has not read, so none is read
    # until it is due (and remembered for one read, so a tick recomputes only what changed)
    marking = fingerprint.marking(config, holidays)
    firsts = {ref: first for ref in alerts
              if (first := marked(alerts, ref, clock_due.FIRST, marking)) is not None
              and first <= ctx.now}
    for ref in sorted(firsts, key=lambda r: firsts[r]):
        alert = alerts[ref]
        work = Work(config, ctx, alert)
        for _ in range(50):   # bounded: each pass fires at least one thing or stops
            item = clock_due.earliest(work.alert, config, holidays)
            if item is None or item[0] > ctx.now:
                break
            sent_before = len(work.outgoing)
            clock_due.fire(work, item[1], item[0])
            # whatever an item acted on after its time brings (a reminder, a task, the
            # request after a gate opened) is marked late, not only the messages that say so
            late = work.is_late(item[0])
            for out in work.outgoing[sent_before:]:
                if late and not out.late:
                    out = out.model_copy(update={"late": True})
                outgoing.append((item[0], order, out))
                order += 1
        fired[ref] = work.alert
        events += work.events
    week = calendar.owed(state, config, ctx.now)
    new_state, expired = duplicate.expire(
        state.model_copy(update={"alerts": with_alerts(alerts, fired)}), config, ctx.now)
    events += expired
    if week:
        new_state = new_state.model_copy(update={"digest_sent": (*state.digest_sent, week)[-60:]})
    # each area's open alerts for its Service Manager, once a week, as this tick left them
    new_state, reviews = area_review.send(new_state, config, ctx)
    outgoing += [(ctx.now, order + i, out) for i, out in enumerate(reviews)]
    outgoing.sort(key=lambda item: (item[0], item[1]))
    decision = Decision(state=new_state, outgoing=tuple(o for _, _, o in outgoing),
                        events=tuple(events), digest_week=week)
    decision = entries.settle(before, decision, config)
    return decision.model_copy(update={
        "note": f"tick: {len(decision.outgoing)} to send" + (f", digest {week}" if week else "")})


def next_due(state: State, config: Config, now: datetime,
             holidays: frozenset[date] = frozenset()) -> datetime | None:
    """The earliest moment anything falls due (for sleeping and simulated clocks)."""
    marking = fingerprint.marking(config, holidays)
    times = [t for t in (marked(state.alerts, ref, clock_due.FIRST, marking) for ref in state.alerts)
             if t]
    times.append(calendar.next_digest_moment(config, now, state))
    if (expiry := duplicate.next_expiry(state, config)) is not None:
        times.append(expiry)
    if (daily := waiting.next_moment(state, config, now, holidays)) is not None:
        times.append(daily)
    if (review := area_review.next_moment(state, config, now, holidays)) is not None:
        times.append(review)
    return min(times) if times else None
