"""The calendar entry attached to a message about a deadline (.ics, RFC 5545 / 5546).

One entry per deadline (issue 11): the core gives each deadline a stable UID and
a SEQUENCE that goes up with every message about it (`CalendarEntry`). Outlook
adds an attached METHOD:PUBLISH entry as a new appointment each time it is
opened; it updates in place, and removes on a cancellation, only an iTIP
message: METHOD:REQUEST (then CANCEL) with an ORGANIZER, the same UID and a
higher SEQUENCE, and the MIME part's `method=` the same as the METHOD inside.
So every entry is a REQUEST from the bot, with every attendee RSVP=FALSE: no
answer is asked for, so accepting it sends no "Accepted:" mail to the inbox.

A calendar is often synced to a phone and shown on a lock screen, so the entry
names the alert by reference (and initials at most), never by the child's name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot.core.values.mail import CalendarEntry

# the entry blocks nobody's diary: it marks a moment, with a prompt before it
DURATION = timedelta(minutes=15)
ALARM_BEFORE = timedelta(minutes=15)
PRODID = "-//mailbot//alerts deadline//EN"


def deadline_ics(entry: CalendarEntry, *, organizer: tuple[str, str], stamp: datetime,
                 description: str = "") -> bytes:
    """One VEVENT at `entry.at` (15 minutes long): METHOD:REQUEST with a display alarm
    15 minutes before, or METHOD:CANCEL with STATUS:CANCELLED. `organizer` is the
    bot's (name, address)."""
    from icalendar import Alarm, Calendar, Event, vCalAddress, vText

    if entry.at.tzinfo is None or stamp.tzinfo is None:
        raise ValueError("deadline_ics needs timezone-aware datetimes")
    start = entry.at.astimezone(UTC)
    cancel = entry.method == "CANCEL"

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", entry.method)

    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + DURATION)
    event.add("summary", f"Cancelled: {entry.summary}" if cancel else entry.summary)
    if description:
        event.add("description", description)
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    name, address = organizer
    boss = vCalAddress(f"mailto:{address}")
    boss.params["cn"] = vText(name)
    event.add("organizer", boss)
    for email in entry.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        if not cancel:
            attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee, encode=False)

    if not cancel:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", entry.summary)
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)

    calendar.add_component(event)
    return bytes(calendar.to_ical())
