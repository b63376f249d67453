"""The calendar entry attached to a message about a deadline (.ics, METHOD:PUBLISH).

A calendar is often synced to a phone and shown on a lock screen, so the entry
names the alert by reference (and initials at most), never by the child's name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# the entry blocks nobody's diary: it marks a moment, with a prompt before it
DURATION = timedelta(minutes=15)
ALARM_BEFORE = timedelta(minutes=15)
PRODID = "-//mailbot//alerts deadline//EN"


def deadline_ics(*, uid: str, ref: str, what: str, at: datetime, stamp: datetime,
                 description: str = "") -> bytes:
    """One VEVENT at `at` (15 minutes long) with a display alarm 15 minutes before.

    `uid` is the message's Message-ID, so a re-sent message updates the same
    calendar entry instead of adding a second one."""
    from icalendar import Alarm, Calendar, Event

    if at.tzinfo is None or stamp.tzinfo is None:
        raise ValueError("deadline_ics needs timezone-aware datetimes")
    start = at.astimezone(UTC)
    summary = f"{ref} {what}".strip()

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + DURATION)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "TRANSPARENT")

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)

    calendar.add_component(event)
    return bytes(calendar.to_ical())
