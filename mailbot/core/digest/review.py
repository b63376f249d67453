"""The weekly review of each area's open alerts (procedure section 6: "Each Service
Management Team should have a process in place for reviewing their current alerts").

Once a week (`timers.area_review`: by default the digest's day, at the start of
working hours; a day that is not a working day moves it to the next opening) the
Service Manager of each area gets one mail listing the area's alerts open at that
moment: each step waiting, who it waits on, and the alert's next deadline, by
reference and initials only. A step the Service Manager may answer carries its own
reply address (the step's token, as the request and its reminders do), so a reply
there counts as a reply to the request. One person covering two areas gets one mail
for both; an area with nothing open sends nothing (docs/decisions.md).

Exactly once: the week is recorded in the state committed with the mail, and each
mail's Message-ID names the week and the person (`noref.area_review.2026-w48-...`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.core import ids
from mailbot.core.authority import people, policy
from mailbot.core.clocks.business_time import next_working_moment
from mailbot.core.clocks.calendar import DAYS, iso_key
from mailbot.core.config import ApprovalStage, Config
from mailbot.core.config.authority import Action
from mailbot.core.context import Ctx
from mailbot.core.digest import steps
from mailbot.core.values.alert import Alert, Wait
from mailbot.core.values.mail import Outgoing, Recipient
from mailbot.core.values.state import State

PURPOSE = "area_review"
RULE = "T-REVIEW"
KEEP = 60                       # weeks of the record kept in the state
STATUS_WORDS = {"in_qa": "in quality assurance", "returned": "returned for more information",
                "held": "held", "open": "open"}


@dataclass(frozen=True)
class ReviewWeek:
    key: str                    # ISO week of the configured day: "2026-W48"
    due_at: datetime            # when it goes (aware UTC)


def review_week(now: datetime, config: Config,
                holidays: frozenset[date] = frozenset()) -> ReviewWeek | None:
    """The latest review due at or before `now`; None when the review is switched off."""
    if config.timers.area_review.role is None:
        return None
    this = _this_weeks_day(now, config)
    for day in (this, this - timedelta(days=7), this - timedelta(days=14)):
        due = _moment(day, config, holidays)
        if due <= now:
            return ReviewWeek(iso_key(day), due)
    return None


def owed(state: State, config: Config, now: datetime,
         holidays: frozenset[date] = frozenset()) -> ReviewWeek | None:
    week = review_week(now, config, holidays)
    return week if week is not None and week.key not in state.review_sent else None


def next_moment(state: State, config: Config, now: datetime,
                holidays: frozenset[date] = frozenset()) -> datetime | None:
    """When the next review is owed (for sleeping and simulated clocks)."""
    if config.timers.area_review.role is None:
        return None
    week = owed(state, config, now, holidays)
    if week is not None:
        return week.due_at
    this = _this_weeks_day(now, config)
    later = (_moment(this + timedelta(days=7 * n), config, holidays) for n in range(3))
    return min(t for t in later if t > now)


def send(state: State, config: Config, ctx: Ctx) -> tuple[State, list[Outgoing]]:
    """The week's review mails when owed, and the state that records them sent."""
    week = owed(state, config, ctx.now, ctx.holidays)
    if week is None:
        return state, []
    mails = [m for key, areas in reviewers(config).items()
             if (m := mail(state, config, key, areas, week, ctx)) is not None]
    sent = (*state.review_sent, week.key)[-KEEP:]
    return state.model_copy(update={"review_sent": sent}), mails


def reviewers(config: Config) -> dict[str, list[str]]:
    """Person key -> the areas they review, in routing.yaml's order."""
    role = config.timers.area_review.role
    found: dict[str, list[str]] = {}
    for area in config.areas:
        key = config.holder(role, area) if role else None
        if key is not None and key in config.people:
            found.setdefault(key, []).append(area)
    return found


def mail(state: State, config: Config, key: str, areas: list[str], week: ReviewWeek,
         ctx: Ctx) -> Outgoing | None:
    alerts = [a for a in state.alerts.values() if a.area in areas and a.status != "closed"
              and a.created_at < week.due_at]
    if not alerts:
        return None
    items = [i for _, i in sorted(((_urgency(a, config, ctx.now), item(config, a, key, ctx.now))
                                   for a in alerts), key=lambda pair: pair[0])]
    person = config.person(key)
    names = [config.areas[a].name for a in areas]
    where = " and ".join(names)
    overdue = sum(1 for i in items if i["overdue"])
    yours = sum(1 for i in items if any(s["yours"] for s in i["steps"]))
    answerable = sum(1 for i in items if any(s["token"] for s in i["steps"]))
    role = config.timers.area_review.role or ""
    title = steps.role_title(config, role)
    day = (config.timers.area_review.day or config.timers.digest.day).capitalize()
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    subject = f"Weekly review of open alerts in {where}: {len(items)} open" + \
        (f", {overdue} overdue" if overdue else "")
    return Outgoing(
        message_id=ids.message_id(None, PURPOSE, f"{week.key}-{key}", domain,
                                  installation=config.installation),
        purpose=PURPOSE, to=(Recipient(name=person.name, email=person.email, role=role),),
        subject=subject, sensitive=False, rule=RULE,
        late=ctx.now - week.due_at > ctx.tolerance,
        context={"ref": None, "initials": "?", "rule": "", "areas": names, "where": where,
                 "items": items, "open": len(items), "overdue": overdue, "yours": yours,
                 "answerable": answerable,
                 "reason": f"you are the {title} for {where}. The procedure asks each "
                           "Service Management Team to review its current alerts, so the "
                           f"area's open alerts come to you every {day}."})


def item(config: Config, alert: Alert, key: str, now: datetime) -> dict[str, Any]:
    """One alert of the review: its steps, who each waits on, and its next deadline."""
    waits = sorted(alert.waits, key=lambda w: (w.kind != "approval", w.due_at, w.id))
    lines = [_step(config, alert, w, key, now) for w in waits]
    dates = [(w.due_at, f"{line['what']} due", True) for w, line in zip(waits, lines, strict=True)]
    dates += [(at, what, False) for at, what in _deadlines(alert, config)]
    first = min(dates, key=lambda d: (d[0], not d[2])) if dates else None
    category = config.categories.get(alert.category)
    hold = alert.national.gate_opens_at if alert.national.status == "held" else None
    return {
        "ref": alert.ref, "initials": alert.initials, "district": alert.district,
        "category": f"{alert.category} {category.name}" if category else alert.category,
        "status": STATUS_WORDS.get(alert.status, "open"), "steps": lines,
        # `step`: the next deadline is a step's own, already shown beside it
        "deadline": None if first is None else {"at": first[0].isoformat(), "what": first[1],
                                                "overdue": first[0] < now, "step": first[2]},
        "hold_until": hold.isoformat() if hold else None,
        "overdue": any(at < now for at, _, _ in dates),
    }


def can_act(config: Config, alert: Alert, wait: Wait, key: str) -> bool:
    """May this person answer the step (the authority policy's parties for an answer)?"""
    if wait.still_to_come:
        return False
    stage = next((s for s in config.route_of(alert.category).stages if s.id == wait.id), None)
    if isinstance(stage, ApprovalStage) and policy.separation_applies(config, stage) and \
            policy.own_case(config, alert, key):
        return False
    email = people.email_of(config, key).lower()
    action: Action = "task_done" if wait.kind == "task" else "answer"
    return any(email in policy.addresses_of(party, config, alert, wait)
               for party in config.authority.parties(action))


def _step(config: Config, alert: Alert, wait: Wait, key: str, now: datetime) -> dict[str, Any]:
    act = config.organisation.plus_addressing and can_act(config, alert, wait, key)
    asked = (wait.owner, *wait.escalated_to)
    others = [steps.person_name(config, k, alert) for k in dict.fromkeys(asked) if k != key]
    return {"what": steps.step_words(config, alert, wait.id, wait),
            "owner": " and ".join((["you"] if key in asked else []) + others),
            "yours": key in asked,
            "due_at": wait.due_at.isoformat(), "overdue": wait.due_at < now,
            "token": wait.token if act else None, "answers": list(wait.answers),
            "fields": bool(wait.still_to_come),
            "subject": f"{alert.ref} ({alert.initials})"}


def _deadlines(alert: Alert, config: Config) -> list[tuple[datetime, str]]:
    """The alert's clocks that are deadlines for someone (a hold is not: it says when
    the national alert may go on)."""
    found = [(c.due_at, "Return interview due") for c in alert.clocks
             if c.kind == "return_interview_overdue" and not c.done]
    found += [(c.due_at, "Practice Development Officer's review due") for c in alert.clocks
              if c.kind == "review" and not c.done]
    national = alert.national
    if national.status == "issued":
        last = national.last_notice_at or national.issued_at or alert.created_at
        found.append((config.timers.national_reissue.after(last), "National alert re-issue due"))
    return found


def _dates(alert: Alert, config: Config) -> list[datetime]:
    return [w.due_at for w in alert.waits] + [at for at, _ in _deadlines(alert, config)]


def _urgency(alert: Alert, config: Config, now: datetime) -> tuple[bool, float, str]:
    """Overdue first, then by the next deadline, then those with none, by reference."""
    dates = _dates(alert, config)
    first = min(dates).timestamp() if dates else float("inf")
    return (not any(at < now for at in dates), first, alert.ref)


def _this_weeks_day(now: datetime, config: Config) -> date:
    tz = ZoneInfo(config.organisation.timezone)
    today = now.astimezone(tz).date()
    wanted = DAYS.index(config.timers.area_review.day or config.timers.digest.day)
    return today - timedelta(days=(today.weekday() - wanted) % 7)


def _moment(day: date, config: Config, holidays: frozenset[date]) -> datetime:
    tz = ZoneInfo(config.organisation.timezone)
    hours = config.timers.business_hours
    hour = config.timers.area_review.hour
    start = datetime.combine(day, time(hours.start if hour is None else hour), tz)
    return next_working_moment(start, hours, holidays, tz)
