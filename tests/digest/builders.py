"""Hand-built alerts and events for digest tests: plain values, a fixed `now`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from mailbot.core.values.alert import Alert, Event, National, Wait
from mailbot.core.values.form import Contact, Form

# Monday 23 November 2026, 08:00 GMT: the shipped routing.yaml's digest hour.
# The week reported is Mon 16 Nov 00:00 to Mon 23 Nov 00:00 (ISO week 47).
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# Names nobody would write by accident, so a test can prove none leaks out.
NAMES = ("Peregrine Wolstenholme", "Araminta Ravenscroft-Thistlewood", "Balthazar Quillfeather",
         "Wilhelmina Fairweather", "Thaddeus Merriweather")
DISTRICTS = {"north": "Dartford", "east": "Canterbury", "south": "Ashford", "west": "Maidstone"}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def alert(ref: str, category: str, area: str, created: datetime, *, child: str = NAMES[0],
          case_id: str = "1000", missing_since: datetime | None = None,
          closed_at: datetime | None = None, found_at: datetime | None = None,
          return_interview_at: date | None = None, national: National | None = None,
          waits: tuple[Wait, ...] = (), missing_episodes: int = 0, **extra: Any) -> Alert:
    form = Form(category=category, child_name=child, case_id=case_id,
                district=DISTRICTS[area], missing_since=missing_since)
    return Alert(
        ref=ref, category=category, area=area, district=DISTRICTS[area],
        status="closed" if closed_at else extra.pop("status", "open"), form=form,
        submitter=Contact(name="Sam Worker", email="sam.worker@kent.test"),
        created_at=created, updated_at=closed_at or created, closed_at=closed_at,
        found_at=found_at, return_interview_at=return_interview_at,
        national=national or National(), waits=waits,
        missing_episodes=missing_episodes or (1 if missing_since else 0), **extra)


def event(ref: str, what: str, when: datetime, seq: int = 1) -> Event:
    return Event(ref=ref, seq=seq, at=when, rule="R-ALL", what=what)


def wait(step: str, role: str, asked: datetime,
         kind: Literal["approval", "task"] = "approval") -> Wait:
    return Wait(id=step, kind=kind, rule="T-QA", role=role, owner="someone", token="t" * 20,
                asked_at=asked, due_at=asked + timedelta(days=1))
