"""The weekly digest (T-WEEKLY): the week's alerts, Children in Care missing
episodes, return interviews, national alerts and the approvals waiting longest,
each figure beside the four weeks before it.

The week is the seven local days (Europe/London) that end at midnight starting
the configured digest day (`mailbot.core.clocks.calendar.digest_week`): with
`digest: {day: monday}` that is the ISO week just ended, Monday 00:00 to Monday
00:00, whichever day the digest goes out on. A week across a clock change is 167
or 169 real hours, as people count it.

The event log says what happened in a week (raised, updated, de-alerted,
found, return interview recorded, national notices); the alerts say what is
open. Only references and initials appear here, never a child's name.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.core.clocks.calendar import digest_week, midnight
from mailbot.core.config import Config
from mailbot.core.digest import attention, lists
from mailbot.core.digest.facts import Facts
from mailbot.core.digest.values import Digest, RegisterFigures
from mailbot.core.digest.week import week_figures
from mailbot.core.values.alert import Alert, Event


def compute_digest(*, now: datetime, open_alerts: Sequence[Alert], closed_alerts: Sequence[Alert],
                   events: Sequence[Event], config: Config, weeks: int = 5,
                   other_tasks: Sequence[tuple[str, datetime]] = (),
                   ola_register: RegisterFigures | None = None) -> Digest:
    """`other_tasks` are (role, due) of tasks kept outside the alerts (the register's
    questions to the MIU); `ola_register` the register's figures, when it is kept."""
    if weeks < 1:
        raise ValueError(f"a digest covers at least one week, not {weeks}")
    tz = ZoneInfo(config.organisation.timezone)
    week = digest_week(now, config)
    alerts = {a.ref: a for a in closed_alerts} | {a.ref: a for a in open_alerts}
    last_days = [week.last_day - timedelta(days=7 * i) for i in range(weeks, -1, -1)]
    # ends[0] opens the oldest week; ends[i + 1] closes week i
    ends = [midnight(day + timedelta(days=1), tz) for day in last_days]
    edges = [end.timestamp() for end in ends]
    buckets: list[list[Event]] = [[] for _ in range(weeks)]
    recorded: dict[str, datetime] = {}
    for event in events:
        if event.what == "return_interview_recorded":
            recorded[event.ref] = min(event.at, recorded.get(event.ref, event.at))
        index = bisect_right(edges, event.at.timestamp()) - 1
        if 0 <= index < weeks:
            buckets[index].append(event)
    clocked = frozenset(k for k, c in config.categories.items() if config.routes[c.route].missing)
    facts = [Facts.of(a, recorded, clocked, tz) for a in alerts.values()]
    answered: list[list[bool]] = [[] for _ in range(weeks)]
    for when, on_time in attention.answers(events):
        index = bisect_right(edges, when.timestamp()) - 1
        if 0 <= index < weeks:
            answered[index].append(on_time)
    figures = tuple(week_figures(buckets[i], last_days[i + 1], ends[i + 1], alerts, facts,
                                 recorded, config, tz).model_copy(update={
                                     "answers_on_time": sum(answered[i]),
                                     "answers_late": len(answered[i]) - sum(answered[i])})
                    for i in range(weeks))
    outstanding, outstanding_total = lists.interviews_outstanding(facts, now, config)
    overdue, overdue_total = attention.overdue_work(open_alerts, now, config)
    national = lists.by_ref(a for a in alerts.values() if a.national.status == "issued")
    return Digest(
        key=week.key, week_start=week.start, week_end=week.end, generated_at=now.astimezone(UTC),
        week_ending=f"{week.last_day:%a} {week.last_day.day} {week.last_day:%b %Y}",
        categories={k: c.name for k, c in config.categories.items()},
        areas={k: a.name for k, a in config.areas.items()},
        weeks=figures,
        repeat_missing=lists.repeaters(facts, week.end.timestamp())[:lists.LIST_LIMIT],
        longest_missing=lists.longest_missing(facts, now),
        interviews_outstanding=outstanding, interviews_outstanding_total=outstanding_total,
        national_open=tuple(lists.flag(a, lists.last_notice(a)) for a in national),
        national_reissue_due=lists.national_due(national, now, config, lapse=False),
        national_nearing_lapse=lists.national_due(national, now, config, lapse=True),
        waiting_longest=lists.waiting_longest(alerts.values(), now, config),
        tasks_open=lists.tasks_open(open_alerts, other_tasks, now, config),
        ola_register=ola_register,
        interviews_overdue_total=lists.interviews_overdue(facts, now, config),
        overdue_work=overdue, overdue_work_total=overdue_total,
        chasing_stopped=attention.chasing_stopped(events, alerts, week.start, week.end, config),
        register_overdue=sum(1 for _, due in other_tasks if due < now))
