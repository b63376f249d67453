"""What is due at `now`: a pure function of the state, the config and the time.

T-QA reminders, chasers and escalation for every waiting step; the statutory
and procedural clocks (T-48H, T-72H, T-NAT-3W, T-NAT-6M, T-NAT-12M, T-REVIEW);
and whether this week's digest (T-WEEKLY) is owed. Each thing fires once: the
returned state records that it fired, and the shell commits that state together
with the messages, so however often the clock ticks nothing is sent twice.
After downtime, what fell due is sent once, in due order, marked late.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.core import people, present, route
from mailbot.core.config import Config
from mailbot.core.durations import Duration
from mailbot.core.model import Alert, Clock, Decision, Event, Outgoing, State, Wait
from mailbot.core.work import Ctx, Work

MAX_CHASE_INTERVAL = timedelta(days=7)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def due(state: State, config: Config, ctx: Ctx) -> Decision:
    alerts = dict(state.alerts)
    outgoing: list[tuple[datetime, int, Outgoing]] = []
    events: list[Event] = []
    order = 0
    for ref in sorted(alerts, key=lambda r: next_due_of(alerts[r], config) or ctx.now):
        alert = alerts[ref]
        when = next_due_of(alert, config)
        if when is None or when > ctx.now:
            continue
        work = Work(config, ctx, alert)
        for _ in range(50):   # bounded: each pass fires at least one thing or stops
            item = _earliest(work.alert, config)
            if item is None or item[0] > ctx.now:
                break
            before = len(work.outgoing)
            _fire(work, item[1])
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
    week = digest_week(state, config, ctx.now)
    new_state = state.model_copy(update={"alerts": alerts})
    if week:
        new_state = new_state.model_copy(update={"digest_sent": (*state.digest_sent, week)[-60:]})
    outgoing.sort(key=lambda item: (item[0], item[1]))
    return Decision(state=new_state, outgoing=tuple(o for _, _, o in outgoing),
                    events=tuple(events), digest_week=week,
                    note=f"tick: {len(outgoing)} to send" + (f", digest {week}" if week else ""))


def next_due(state: State, config: Config, now: datetime) -> datetime | None:
    """The earliest moment anything falls due (for sleeping and simulated clocks)."""
    times = [t for t in (next_due_of(a, config) for a in state.alerts.values()) if t]
    times.append(next_digest_moment(config, now, state))
    return min(times) if times else None


def next_due_of(alert: Alert, config: Config) -> datetime | None:
    item = _earliest(alert, config)
    return item[0] if item else None


def _earliest(alert: Alert, config: Config) -> tuple[datetime, Wait | Clock] | None:
    found: list[tuple[datetime, int, Wait | Clock]] = []
    for wait in alert.waits:
        policy = config.qa_policy(alert.category, wait.kind)
        if not wait.reminded and wait.chasers == 0:
            found.append((policy.reminder_before.before(wait.due_at), 0, wait))
        elif wait.next_nudge_at is not None:
            found.append((wait.next_nudge_at, 1, wait))
    found += [(c.due_at, 2, c) for c in alert.clocks if not c.done]
    if not found:
        return None
    when, _, item = min(found, key=lambda f: (f[0], f[1]))
    return when, item


def _fire(work: Work, item: Wait | Clock) -> None:
    if isinstance(item, Clock):
        fire_clock(work, item)
    else:
        nudge(work, item)


# -- T-QA: reminders, chasers, escalation ---------------------------------------


def _replace_wait(work: Work, wait: Wait) -> None:
    work.update(waits=tuple(wait if w.id == wait.id else w for w in work.alert.waits))


def nudge(work: Work, wait: Wait) -> None:
    now = work.ctx.now
    policy = work.qa_policy(wait.kind)
    if not wait.reminded and wait.chasers == 0 and now < wait.due_at:
        _reminder(work, wait, "before", wait.due_at)
        _replace_wait(work, wait.model_copy(update={"reminded": True}))
        return
    due_at = wait.next_nudge_at or wait.due_at
    late = work.is_late(due_at)
    following = work.after(now, policy.chaser_every, business=policy.business_hours)
    if wait.chasers < policy.chasers_before_escalation:
        _reminder(work, wait, "overdue", wait.due_at, late=late)
        _replace_wait(work, wait.model_copy(update={
            "reminded": True, "chasers": wait.chasers + 1, "next_nudge_at": following}))
        work.event("T-QA", "chased", stage=wait.id, chasers=wait.chasers + 1, late=late)
        return
    target = _escalation_target(work, wait)
    if target is None:
        # everyone above has been asked: keep chasing, but less and less often
        # (doubling, at most weekly), so a stalled step nags rather than spams
        beyond = wait.chasers - policy.chasers_before_escalation
        interval = min(policy.chaser_every.fixed * 2 ** min(beyond + 1, 8), MAX_CHASE_INTERVAL)
        following = work.after(now, Duration(fixed=interval), business=policy.business_hours)
        _reminder(work, wait, "overdue", wait.due_at, late=late)
        _replace_wait(work, wait.model_copy(update={"chasers": wait.chasers + 1,
                                                    "next_nudge_at": following}))
        work.event("T-QA", "chased", stage=wait.id, chasers=wait.chasers + 1, late=late,
                   escalation="none left")
        return
    key, why = target
    hand_to(work, wait, key, "escalated", why, late=late)


def _escalation_target(work: Work, wait: Wait) -> tuple[str, str] | None:
    cfg = work.config
    name = people.recipient(cfg, wait.owner, wait.role, work.alert).name
    reason = f"{name} has not answered after {wait.chasers} chaser(s)"
    level = wait.escalation
    if level < 1:
        deputy = people.deputy_of(cfg, wait.owner)
        if deputy and deputy not in wait.escalated_to and deputy != wait.owner:
            return deputy, f"{reason}; you are their deputy"
    if level < 2:
        above = people.next_tier(cfg, wait.role, work.alert)
        if above and above not in wait.escalated_to and above != wait.owner:
            title = cfg.roles[cfg.escalation[wait.role]].title
            return above, f"{reason} (nor their deputy); it comes to you as {title}"
    return None


def hand_to(work: Work, wait: Wait, key: str, code: str, why: str, *, late: bool = False) -> None:
    """Ask someone else to act on a waiting step: the deputy (out of office, bounce,
    no answer) or the tier above. The owner is told why."""
    cfg, now = work.config, work.ctx.now
    policy = work.qa_policy(wait.kind)
    level = wait.escalation + 1 if code == "escalated" else max(wait.escalation, 1)
    updated = wait.model_copy(update={
        "escalated_to": (*wait.escalated_to, key), "escalation": level, "chasers": 0,
        "reminded": True, "out_of_office": wait.out_of_office or code == "out_of_office",
        "next_nudge_at": work.after(now, policy.chaser_every, business=policy.business_hours)})
    _replace_wait(work, updated)
    work.event("T-QA", code, stage=wait.id, to=key, why=why, late=late)
    suffix = f"e{len(updated.escalated_to)}"
    if wait.kind == "task":
        route.send_task(work, updated, key, suffix=suffix, reason=f"Handed to you: {why}.")
    else:
        route.send_request(work, updated, key, reason=f"This comes to you because {why}.",
                           escalated=True, suffix=suffix, late=late)
    if code == "escalated":
        _reminder(work, updated, "escalated", wait.due_at, late=late,
                  note=f"It has now also gone to {people.recipient(cfg, key).name} ({why}).")


def _reminder(work: Work, wait: Wait, stage: str, due_at: datetime, *, late: bool = False,
              note: str = "") -> None:
    cfg = work.config
    asks = wait.task or wait.id
    for s in route.stages(work):
        if s.id == wait.id and hasattr(s, "asks"):
            asks = s.asks
    if wait.kind == "task":
        asks = route.TASKS.get(wait.task or "", asks)
    to = [people.recipient(cfg, wait.owner, wait.role, work.alert)]
    to += [people.recipient(cfg, k, "", work.alert) for k in wait.escalated_to
           if stage != "escalated"]
    words = {"before": "Reminder", "overdue": "Overdue", "escalated": "Escalated"}[stage]
    what = f"{asks[:1].upper()}{asks[1:]} for alert {work.alert.ref} ({work.alert.initials})"
    if note:
        what = f"{what}. {note}"
    context = {**present.basics(work.alert, "T-QA", f"Alert {work.alert.ref} waits on you."),
               "what": what, "due_at": due_at.isoformat(), "stage": stage,
               "chasers": wait.chasers}
    work.send("reminder", to, present.subject(work.alert, cfg, words, details=False), context,
              rule="T-QA", sensitive=False, late=late, attach_ics=due_at)


# -- statutory and procedural clocks ---------------------------------------------


def fire_clock(work: Work, clock: Clock) -> None:
    cfg, alert, now = work.config, work.alert, work.ctx.now
    late = work.is_late(clock.due_at)
    work.update(clocks=tuple(c.model_copy(update={"done": True, "fired_at": now})
                             if c.id == clock.id else c for c in alert.clocks))
    if clock.kind == "missing_notice":
        if alert.found_at is None:
            route.missing_48h(work, clock.id, clock.roles, clock.rule,
                              "This Child in Care has been missing for 48 hours (T-48H).",
                              late=late)
        else:
            # say so: a clock that fires with nothing to send still changes the state,
            # and the shell commits a tick only when it has something to show for it
            work.event(clock.rule, "missing_48h_not_needed", found_at=alert.found_at.isoformat())
        return
    if clock.kind in ("return_interview_due", "return_interview_overdue"):
        if alert.return_interview_at is None:
            interview_due = cfg.timers.return_interview.after(alert.found_at or clock.due_at)
            what = (f"The return interview for {alert.ref} ({alert.initials}) is due by "
                    f"{present.local(interview_due, cfg)}."
                    if clock.kind == "return_interview_due" else
                    f"The return interview for {alert.ref} ({alert.initials}) was due by "
                    f"{present.local(interview_due, cfg)} and is not recorded. Send an updated "
                    "alert with the return interview date.")
            route.deadline(work, clock.roles, clock.kind, clock.rule, what,
                           cc_roles=clock.cc_roles, due_at=interview_due, since=alert.found_at,
                           late=late, ics=True)
        return
    if clock.kind == "national_gate_open":
        work.event(clock.rule, "national_gate_due", late=late)
        route.advance(work)
        return
    if clock.kind == "national_reissue":
        last = alert.national.last_notice_at or alert.national.issued_at or now
        reissue_by = cfg.timers.national_reissue.after(last)
        missing = alert.form.missing_since
        route.create_task(work, "nat_reissue", "pdo", "national_reissue", clock.rule,
                          due=reissue_by)
        work.event(clock.rule, "national_reissue_asked", by=reissue_by.isoformat(),
                   original_missing=missing.isoformat() if missing else None)
        return
    if clock.kind == "national_lapse_warning":
        last = alert.national.last_notice_at or alert.national.issued_at or now
        lapse = cfg.timers.national_lapse.after(last)
        route.deadline(work, clock.roles, clock.kind, clock.rule,
                       f"The national alert for {alert.ref} ({alert.initials}) lapses on "
                       f"{present.local(lapse, cfg)}: other authorities delete it after 12 months "
                       "with no follow-up. Re-issue it (giving the original missing date) or send "
                       "the found notification.", cc_roles=clock.cc_roles, due_at=lapse,
                       since=last, late=late, ics=True)
        return
    if clock.kind == "review":
        route.deadline(work, clock.roles, "review", clock.rule,
                       f"Please review alert {alert.ref} ({alert.initials}) for ongoing need, "
                       "and ask the team manager / social worker for an update; send an updated "
                       "alert or a de-alert.", cc_roles=clock.cc_roles, due_at=None, late=late)
        route.start_review_clock(work, since=clock.due_at if not late else now)
        return
    work.event(clock.rule, "clock_unknown", kind=clock.kind)


# -- T-WEEKLY ------------------------------------------------------------------


def digest_moment(config: Config, now: datetime) -> datetime:
    """The latest configured digest day-and-hour (local time) at or before `now`."""
    tz = ZoneInfo(config.organisation.timezone)
    local_now = now.astimezone(tz)
    want = DAYS.index(config.timers.digest.day)
    day = local_now.date() - timedelta(days=(local_now.weekday() - want) % 7)
    moment = datetime(day.year, day.month, day.day, config.timers.digest.hour, tzinfo=tz)
    if moment > local_now:
        moment -= timedelta(days=7)
        moment = datetime(moment.year, moment.month, moment.day, config.timers.digest.hour,
                          tzinfo=tz)
    return moment.astimezone(now.tzinfo)


def week_key(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def digest_week(state: State, config: Config, now: datetime) -> str | None:
    key = week_key(digest_moment(config, now))
    return None if key in state.digest_sent else key


def next_digest_moment(config: Config, now: datetime, state: State) -> datetime:
    moment = digest_moment(config, now)
    if week_key(moment) not in state.digest_sent:
        return moment
    tz = ZoneInfo(config.organisation.timezone)
    following = (moment.astimezone(tz) + timedelta(days=7)).replace(tzinfo=None)
    return datetime(following.year, following.month, following.day, following.hour,
                    tzinfo=tz).astimezone(now.tzinfo)
