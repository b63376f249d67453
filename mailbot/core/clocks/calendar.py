"""The week: when the weekly digest (T-WEEKLY) falls due, the week it reports, and the
key it is recorded under once sent. The one home of week arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailbot.core.config import Config
from mailbot.core.values.base import Value
from mailbot.core.values.state import State

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DigestWeek(Value):
    key: str                      # the ISO week reported ("2026-W46")
    start: datetime               # UTC
    end: datetime                 # UTC, exclusive
    last_day: date
    due_at: datetime              # when it goes out: digest day and hour, local time

    @property
    def sent_key(self) -> str:
        """The key recorded once this digest is sent: the ISO week of the moment it
        falls due (the store has always recorded that one)."""
        return iso_key(self.due_at.date())


def digest_week(now: datetime, config: Config) -> DigestWeek:
    """The week reported by the latest digest due at or before `now`, and when it fell due."""
    tz = ZoneInfo(config.organisation.timezone)
    today = now.astimezone(tz).date()
    end_day = today - timedelta(days=(today.weekday() - DAYS.index(config.timers.digest.day)) % 7)
    due_at = datetime.combine(end_day, time(config.timers.digest.hour), tz).astimezone(UTC)
    if due_at > now:
        end_day -= timedelta(days=7)
        due_at = datetime.combine(end_day, time(config.timers.digest.hour), tz).astimezone(UTC)
    last_day = end_day - timedelta(days=1)
    return DigestWeek(key=iso_key(last_day), start=midnight(end_day - timedelta(days=7), tz),
                      end=midnight(end_day, tz), last_day=last_day, due_at=due_at)


def owed(state: State, config: Config, now: datetime) -> str | None:
    """The sent-key of the digest owed at `now`, or None when it has gone out."""
    key = digest_week(now, config).sent_key
    return None if key in state.digest_sent else key


def next_digest_moment(config: Config, now: datetime, state: State) -> datetime:
    week = digest_week(now, config)
    if week.sent_key not in state.digest_sent:
        return week.due_at.astimezone(now.tzinfo)
    tz = ZoneInfo(config.organisation.timezone)
    following = (week.due_at.astimezone(tz) + timedelta(days=7)).replace(tzinfo=None)
    return datetime(following.year, following.month, following.day, following.hour,
                    tzinfo=tz).astimezone(now.tzinfo)


def iso_key(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)
