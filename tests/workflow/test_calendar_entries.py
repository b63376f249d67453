"""Issue 11, point 5: one calendar entry per deadline (T-QA, T-72H).

Every message about one deadline carries the same UID with SEQUENCE one higher each
time (RFC 5546), so Outlook keeps one entry and updates it in place; when the step is
answered the people who had the entry get a CANCEL with the next SEQUENCE; a step
asked again after a RETURN is a new deadline with a new UID.

Read from the .eml files the file sender wrote, with the icalendar library."""

from __future__ import annotations

import email
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from icalendar import Calendar

from mailbot.adapters.file_sender import file_name
from mailbot.core.values.mail import Outgoing

from .conftest import MONDAY, Bot

WYN, KIM = "sm.west@kent.test", "Kim Lead <kim.lead@kent.test>"


def entry(bot: Bot, out: Outgoing) -> tuple[str, int, str, str]:
    """(UID, SEQUENCE, METHOD, the part's file name) of the mail as it left."""
    outbox = Path(bot.service.sender.path)   # type: ignore[attr-defined]
    (path,) = outbox.glob(f"*/{file_name(out.message_id)}")
    msg = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(msg, EmailMessage)
    (part,) = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    assert part.get_param("method") == str(calendar["METHOD"]), "typed with its own method"
    return (str(event["UID"]), int(event["SEQUENCE"]), str(calendar["METHOD"]),
            str(part.get_filename()))


def about_step(bot: Bot, ref: str) -> list[Outgoing]:
    return [o for _, o in bot.record.sent if o.ref == ref and o.calendar is not None]


def test_a_step_keeps_one_uid_and_each_chaser_raises_the_sequence(bot: Bot) -> None:
    ref = bot.send_form("C3", sender=KIM)
    assert ref
    bot.at(MONDAY + timedelta(days=2))                 # the reminder and two chasers
    mails = [entry(bot, o) for o in about_step(bot, ref)]
    assert len(mails) >= 3
    assert len({uid for uid, *_ in mails}) == 1, "one entry for the step's deadline"
    assert [seq for _, seq, _, _ in mails] == list(range(len(mails)))
    assert {method for _, _, method, _ in mails} == {"REQUEST"}
    assert {name for *_, name in mails} == {f"{ref}-deadline.ics"}


def test_answering_the_step_cancels_its_entry_for_everyone_who_had_it(bot: Bot) -> None:
    ref = bot.send_form("C3", sender=KIM)
    assert ref
    bot.at(MONDAY + timedelta(days=3))                 # handed to the deputy as well
    had = {r.email for o in about_step(bot, ref) for r in (*o.to, *o.cc)}
    assert {WYN, "sm.north@kent.test"} <= had
    requests = [entry(bot, o) for o in about_step(bot, ref)]
    bot.answer(WYN, ref, "APPROVE")
    cancels = [o for _, o in bot.record.sent if o.purpose == "calendar_cancel" and o.ref == ref]
    (cancel,) = cancels
    uid, seq, method, _ = entry(bot, cancel)
    assert (uid, method) == (requests[0][0], "CANCEL")
    assert seq == requests[-1][1] + 1, "a CANCEL outranks every update before it"
    assert {r.email for r in cancel.to} == had
    assert "Sky" not in cancel.subject + str(cancel.context), "reference and initials only"
    # the next step has an entry of its own
    ad = bot.request("ad.west@kent.test", ref)
    assert entry(bot, ad)[0] != uid and entry(bot, ad)[1] == 0


def test_a_step_asked_again_after_a_return_is_a_new_deadline(bot: Bot) -> None:
    ref = bot.send_form("C3", sender=KIM)
    assert ref
    first = entry(bot, bot.request(WYN, ref))
    bot.answer(WYN, ref, "RETURN please add the school's account")
    bot.update(KIM, ref, "Alert type: Update\r\nSummary of concern: The school's account added.")
    again = entry(bot, bot.request(WYN, ref))
    assert again[0] != first[0] and again[1] == 0
    cancelled = [entry(bot, o) for _, o in bot.record.sent if o.purpose == "calendar_cancel"]
    assert [c[0] for c in cancelled] == [first[0]]


def test_no_cancel_while_the_deadline_stands(bot: Bot) -> None:
    ref = bot.send_form("C3", sender=KIM)
    bot.at(MONDAY + timedelta(days=1))
    assert ref and not [o for _, o in bot.record.sent if o.purpose == "calendar_cancel"]
