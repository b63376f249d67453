"""The clock changes, bank holidays and the two kinds of interval (T-72H, T-QA, T-WEEKLY).

Statutory clocks run in real hours across the last Sundays of March and October;
times are shown in Europe/London (BST or GMT); the digest goes at 08:00 London
time on the Monday after each change; working-time deadlines skip weekends and
bank holidays; a Priority One alert is chased in real hours through the night.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path

import pytest
from icalendar import Calendar

from mailbot.adapters.file_sender import file_name
from mailbot.core.values.mail import Outgoing
from tests.clock.calendar_model import london
from tests.workflow.conftest import Bot


def sent_mail(bot: Bot, out: Outgoing) -> email.message.EmailMessage:
    path = bot.service.store.folder / "outbox" / "new" / file_name(out.message_id)
    msg = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def calendar_start(msg: email.message.EmailMessage) -> datetime:
    (part,) = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    start: datetime = event.decoded("DTSTART")
    return start


@pytest.mark.parametrize(("found_text", "found", "shown"), [
    # Saturday 28 March 2026, GMT; the clocks go forward on Sunday: 72 real hours later
    # is Tuesday 11:00 BST, not 10:00
    ("28/03/2026 10:00", datetime(2026, 3, 28, 10, 0, tzinfo=UTC), "Tue 31 Mar 2026 11:00 BST"),
    # Saturday 24 October 2026, BST; the clocks go back on Sunday: Tuesday 09:00 GMT
    ("24/10/2026 10:00", datetime(2026, 10, 24, 9, 0, tzinfo=UTC), "Tue 27 Oct 2026 09:00 GMT"),
], ids=["spring", "autumn"])
def test_t_72h_across_a_clock_change_is_72_real_hours_and_shown_in_london_time(
        tmp_path: Path, found_text: str, found: datetime, shown: str) -> None:
    bot = Bot(tmp_path / "state", found - timedelta(days=1))
    try:
        ref = bot.send_form("C8", **{"Date and time missing": "26/03/2026 20:00"
                                     if found.month == 3 else "22/10/2026 20:00"})
        bot.answer("sue.manager@kent.test", ref, "APPROVE")
        bot.at(found + timedelta(minutes=40))
        bot.update("Sam Worker <sam.worker@kent.test>", ref,
                   f"Alert type: Updated alert\r\nDate and time found: {found_text}")
        assert bot.alert(ref).found_at == found, "the form's time, read as London time"
        bot.at(found + timedelta(hours=73))
        notices = [(t, o) for t, o in bot.record.sent if o.ref == ref and
                   o.context.get("clock") in ("return_interview_due", "return_interview_overdue")]
        assert [(t - found, o.context["clock"]) for t, o in notices] == [
            (timedelta(minutes=40), "return_interview_due"),        # at once, when read
            (timedelta(hours=48), "return_interview_due"),
            (timedelta(hours=72), "return_interview_overdue"),
        ]
        for _, out in notices:
            msg = sent_mail(bot, out)
            assert shown in msg.get_body(("plain",)).get_content()
            assert calendar_start(msg) == found + timedelta(hours=72), "the calendar is in UTC"
    finally:
        bot.close()


@pytest.mark.parametrize(("first", "second"), [
    (london(2026, 3, 23, 8), london(2026, 3, 30, 8)),      # 08:00 GMT, then 08:00 BST
    (london(2026, 10, 19, 8), london(2026, 10, 26, 8)),    # 08:00 BST, then 08:00 GMT
], ids=["spring", "autumn"])
def test_t_weekly_digest_goes_at_0800_london_time_on_the_monday_after_each_change(
        tmp_path: Path, first: datetime, second: datetime) -> None:
    bot = Bot(tmp_path / "state", first)
    try:
        bot.at(second + timedelta(hours=2))
        digests = [t for t, o in bot.record.sent if o.purpose == "weekly_digest"]
        assert digests == [first, second]
        assert second - first != timedelta(days=7), "a week of wall-clock time, not of hours"
    finally:
        bot.close()


@pytest.mark.parametrize(("asked", "due"), [
    # Thursday 24 December 14:00: three hours that day; Christmas Day, the weekend
    # and Monday 28th (Boxing Day's substitute) skipped; five hours on Tuesday 29th
    (london(2026, 12, 24, 14), london(2026, 12, 29, 14)),
    # Thursday 2 April 15:00 BST: Good Friday and Easter Monday skipped
    (london(2026, 4, 2, 15), london(2026, 4, 7, 15)),
    # Friday 27 March 16:00 GMT: one hour that day, seven on Monday, after the change
    (london(2026, 3, 27, 16), london(2026, 3, 30, 16)),
], ids=["christmas", "easter", "spring-change"])
def test_t_qa_working_time_skips_weekends_and_bank_holidays(
        tmp_path: Path, asked: datetime, due: datetime) -> None:
    bot = Bot(tmp_path / "state", asked)
    try:
        ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
        request = bot.request("sm.west@kent.test", ref)
        assert datetime.fromisoformat(request.context["due_at"]) == due
        bot.at(due + timedelta(days=1))
        reminders = [(t, o.context["stage"]) for t, o in bot.record.sent
                     if o.ref == ref and o.purpose == "reminder"]
        assert reminders[:2] == [(due - timedelta(hours=4), "before"), (due, "overdue")]
        assert calendar_start(sent_mail(bot, bot.record.to("sm.west@kent.test", "reminder")[0])) \
            == due
    finally:
        bot.close()


def test_priority_one_is_chased_in_real_hours_through_the_night_the_clocks_go_forward(
        tmp_path: Path) -> None:
    asked = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)      # Saturday 23:30 GMT
    bot = Bot(tmp_path / "state", asked)
    try:
        ref = bot.send_form("C1", sender="Pat Head <pat.head@kent.test>")
        due = datetime.fromisoformat(bot.request("sue.manager@kent.test", ref).context["due_at"])
        assert due == asked + timedelta(hours=2), "01:30 GMT is 02:30 BST: two real hours"
        bot.at(asked + timedelta(hours=3, minutes=59))
        steps = [(t - asked, o.purpose, o.to[0].email) for t, o in bot.record.sent
                 if o.ref == ref and o.purpose in ("reminder", "approval_request")]
        assert steps == [
            (timedelta(0), "approval_request", "sue.manager@kent.test"),
            (timedelta(hours=1), "reminder", "sue.manager@kent.test"),      # an hour before
            (timedelta(hours=2), "reminder", "sue.manager@kent.test"),      # overdue
            (timedelta(hours=3), "approval_request", "sm.south@kent.test"),  # her deputy
            (timedelta(hours=3), "reminder", "sue.manager@kent.test"),      # told it moved
        ]
    finally:
        bot.close()
