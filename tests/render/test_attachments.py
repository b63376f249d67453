"""The calendar entry on deadline messages, and inline images (the digest's chart)."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from mailbot.adapters.render import Renderer
from mailbot.core.config import Config
from tests.render.samples import NOW, REF, outgoing

# 14:30 on a summer afternoon in London is 13:30 UTC
DEADLINE = datetime(2026, 7, 2, 14, 30, tzinfo=ZoneInfo("Europe/London"))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def ics_part(msg: EmailMessage) -> EmailMessage:
    found = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(found) == 1, "expected one calendar attachment"
    part = found[0]
    assert isinstance(part, EmailMessage)
    return part


@pytest.mark.parametrize("purpose", ["reminder", "approval_request", "task_request"])
def test_a_deadline_carries_a_calendar_entry_at_the_right_utc_time(
        renderer: Renderer, config: Config, purpose: str) -> None:
    out = outgoing(purpose, attach_ics=DEADLINE)
    msg = parse(renderer.render(out, NOW).data)

    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    part = ics_part(msg)
    assert part.get_filename() == f"{REF}-deadline.ics"
    # an iTIP request (RFC 5546), the part's method the same as the one inside, so
    # Outlook offers it once and updates it in place
    assert part.get_param("method") == "REQUEST"

    calendar = Calendar.from_ical(part.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 7, 2, 13, 30, tzinfo=UTC)
    assert start.utcoffset() == timedelta(0)
    assert event.decoded("DTEND") - start == timedelta(minutes=15)
    assert str(event["UID"]) == out.message_id
    summary = str(event["SUMMARY"])
    assert summary.startswith(f"{REF} ")
    assert "Jamie" not in summary and "Smith" not in summary
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=15)
    assert "Jamie" not in part.get_content()
    # nobody is asked to answer it, so accepting sends no "Accepted:" mail to the inbox
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert attendees and all(a.params["RSVP"] == "FALSE" for a in attendees)
    assert str(event["ORGANIZER"]).lower() == f"mailto:{config.organisation.bot_address.lower()}"


def test_no_calendar_entry_unless_asked(renderer: Renderer) -> None:
    msg = parse(renderer.render(outgoing("reminder"), NOW).data)
    assert not [p for p in msg.walk() if p.get_content_type() == "text/calendar"]


def test_inline_images_are_related_to_the_html_by_content_id(
        tmp_path: Path, config: Config) -> None:
    """The weekly digest's chart: multipart/related inside the alternative."""
    (tmp_path / "chart_note.txt.j2").write_text("Chart for {{ ref }}\n")
    (tmp_path / "chart_note.html.j2").write_text('<p>{{ ref }}</p><img src="cid:trend.png">\n')
    renderer = Renderer(tmp_path, config)
    out = outgoing("reminder", purpose="chart_note", attach_ics=None)
    msg = parse(renderer.render(out, NOW, inline_images={"trend.png": PNG}).data)

    assert msg.get_content_type() == "multipart/alternative"
    html_side = list(msg.iter_parts())[1]
    assert html_side.get_content_type() == "multipart/related"
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<trend.png>"
    assert image.get_payload(decode=True) == PNG
    html = msg.get_body(("html",))
    assert html is not None and 'src="cid:trend.png"' in html.get_content()


def test_an_inline_image_must_be_an_image(tmp_path: Path, config: Config) -> None:
    (tmp_path / "chart_note.txt.j2").write_text("x\n")
    (tmp_path / "chart_note.html.j2").write_text("<p>x</p>\n")
    renderer = Renderer(tmp_path, config)
    with pytest.raises(ValueError, match="not PNG"):
        renderer.render(outgoing("reminder", purpose="chart_note"), NOW,
                        inline_images={"x": b"MZ\x90\x00"})
