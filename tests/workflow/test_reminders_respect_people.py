"""Issue 11, point 4: reminders respect people (T-QA, T-REVIEW, T-72H).

Reminders, chasers and procedural notices go in working hours (09:00-17:00 Monday to
Friday, the bank holidays of England and Wales skipped); the statutory real-time
clocks and a Priority One alert keep their minute. A person with several steps due
the same day gets one "waiting on you" mail listing them, each item answerable at
its own address; a reply to the list itself is asked which alert it meant. Chasing a
step nobody answers stops after `max_chasers`, with one note to the unit and a line
in the digest; an answer after that still counts.

Through the service, on the real store, templates, Maildir and file sender."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot.core.values.mail import Outgoing

from .conftest import MONDAY, Bot

WYN, KIM, UNIT = "sm.west@kent.test", "Kim Lead <kim.lead@kent.test>", \
    "safeguardingunitalerts@kent.test"


def sent_to(bot: Bot, email: str, purpose: str) -> list[tuple[datetime, Outgoing]]:
    return [(t, o) for t, o in bot.record.sent if o.purpose == purpose
            and any(r.email == email for r in (*o.to, *o.cc))]


def reply_to_address(bot: Bot, token: str, sender: str, text: str, in_reply_to: str) -> None:
    local, domain = bot.config.organisation.bot_address.split("@")
    bot.deliver(bot.email(sender, "RE: Waiting on you today", text,
                          to=f"{local}+{token}@{domain}" if token else f"{local}@{domain}",
                          headers={"In-Reply-To": f"<{in_reply_to}>",
                                   "References": f"<{in_reply_to}>"}))


def test_a_reminder_due_before_opening_goes_at_nine_not_at_dawn(bot: Bot) -> None:
    """T-QA: asked Tuesday 09:30, due Wednesday 09:30; the reminder four hours before
    would be 05:30, so it goes at the day's opening."""
    bot.at(MONDAY + timedelta(days=1, minutes=30))               # Tue 17 Nov 09:30 GMT
    ref = bot.send_form("C3", sender=KIM)
    bot.at(datetime(2026, 11, 18, 8, 59, tzinfo=UTC))
    assert sent_to(bot, WYN, "reminder") == []
    bot.at(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    ((at, reminder),) = sent_to(bot, WYN, "reminder")
    assert (at, reminder.ref, reminder.context["stage"]) == (
        datetime(2026, 11, 18, 9, 0, tzinfo=UTC), ref, "before")
    assert not reminder.late, "waiting for working hours is not lateness"


def test_a_review_due_on_christmas_day_goes_on_the_next_working_morning(bot: Bot) -> None:
    """T-REVIEW, 28 days after the route's end: Friday 25 December is a bank holiday,
    and so is Monday 28 December (Boxing Day observed), so it goes Tuesday 09:00."""
    bot.at(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))            # Friday
    ref = bot.send_form("C3", sender=KIM)
    bot.answer(WYN, ref, "APPROVE")
    bot.answer("ad.west@kent.test", ref, "APPROVE")
    bot.at(datetime(2026, 12, 29, 8, 59, tzinfo=UTC))
    assert [o for _, o in sent_to(bot, "pdo.west@kent.test", "deadline_notice")
            if o.context["clock"] == "review"] == []
    bot.at(datetime(2026, 12, 29, 9, 0, tzinfo=UTC))
    ((at, review),) = [(t, o) for t, o in sent_to(bot, "pdo.west@kent.test", "deadline_notice")
                       if o.context["clock"] == "review"]
    assert at == datetime(2026, 12, 29, 9, 0, tzinfo=UTC) and not review.late


def test_a_priority_one_reminder_keeps_its_minute_at_night(bot: Bot) -> None:
    """T-QA for Priority One is two real hours: a form on Saturday 22:00 is reminded
    at 23:00 and chased at midnight, day or night."""
    bot.at(datetime(2026, 11, 21, 22, 0, tzinfo=UTC))
    ref = bot.send_form("C1", sender="Pat Head <pat.head@kent.test>")
    bot.at(datetime(2026, 11, 22, 0, 0, tzinfo=UTC))
    times = [(t, o.context["stage"]) for t, o in sent_to(bot, "sue.manager@kent.test", "reminder")
             if o.ref == ref]
    assert times == [(datetime(2026, 11, 21, 23, 0, tzinfo=UTC), "before"),
                     (datetime(2026, 11, 22, 0, 0, tzinfo=UTC), "overdue")]


def test_the_return_interview_clock_keeps_its_minute_out_of_hours(bot: Bot) -> None:
    """T-72H is statutory and counted in real hours: found Friday 20:00, the 48-hour
    reminder goes Sunday 20:00, not on Monday morning."""
    ref = bot.send_form("C8")
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    bot.at(datetime(2026, 11, 20, 20, 0, tzinfo=UTC))
    bot.update("Tara Manager <tara.manager@kent.test>", ref,
               "Alert type: Update\r\nFound: 20/11/2026 20:00\r\n")
    bot.at(datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
    due = [t for t, o in bot.record.sent if o.ref == ref and o.purpose == "deadline_notice"
           and o.context["clock"] == "return_interview_due" and t > MONDAY + timedelta(days=4)]
    assert datetime(2026, 11, 22, 20, 0, tzinfo=UTC) in due


def two_waiting(bot: Bot) -> tuple[str, str]:
    """Two alerts asked of Wyn West on Monday, both due on Tuesday morning."""
    bot.at(MONDAY + timedelta(hours=1))
    first = bot.send_form("C3", sender=KIM)
    bot.at(MONDAY + timedelta(hours=1, minutes=30))
    second = bot.send_form("C3", sender=KIM, Liberi_ID="7700002", Child_s_name="Ash Other")
    assert first and second and first != second
    bot.at(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    return first, second


def test_two_steps_due_the_same_day_come_in_one_waiting_on_you_mail(bot: Bot) -> None:
    first, second = two_waiting(bot)
    ((at, daily),) = sent_to(bot, WYN, "waiting_on_you")
    assert at == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert [item["ref"] for item in daily.context["items"]] == [first, second]
    assert sent_to(bot, WYN, "reminder") == [], "not one mail each as well"
    assert all(item["token"] for item in daily.context["items"]), "each answerable on its own"
    assert not daily.sensitive and "Sky" not in str(daily.context) and \
        "Ash" not in str(daily.context), "reference and initials only"
    bot.at(datetime(2026, 11, 17, 16, 0, tzinfo=UTC))
    assert len(sent_to(bot, WYN, "waiting_on_you")) == 1, "one a day"


def test_a_reply_at_an_items_address_answers_that_item_only(bot: Bot) -> None:
    first, second = two_waiting(bot)
    ((_, daily),) = sent_to(bot, WYN, "waiting_on_you")
    token = next(i["token"] for i in daily.context["items"] if i["ref"] == second)
    reply_to_address(bot, str(token), "Wyn West <sm.west@kent.test>", "APPROVE",
                     daily.message_id)
    assert bot.alert(second).wait("sm_qa") is None, "the second alert moved on"
    assert bot.alert(first).wait("sm_qa") is not None, "the first still waits"


def test_a_reply_to_the_list_itself_is_asked_which_alert_and_moves_nothing(bot: Bot) -> None:
    first, second = two_waiting(bot)
    ((_, daily),) = sent_to(bot, WYN, "waiting_on_you")
    reply_to_address(bot, "", "Wyn West <sm.west@kent.test>", "APPROVE", daily.message_id)
    assert bot.alert(first).wait("sm_qa") is not None
    assert bot.alert(second).wait("sm_qa") is not None
    (question,) = bot.record.to(WYN, "reply_question")
    why = str(question.context)
    assert first in why and second in why, "the answer lists what waits on them and how"


def test_a_stranger_replying_to_the_list_moves_nothing(bot: Bot) -> None:
    first, _ = two_waiting(bot)
    ((_, daily),) = sent_to(bot, WYN, "waiting_on_you")
    token = next(i["token"] for i in daily.context["items"] if i["ref"] == first)
    reply_to_address(bot, str(token), "Kim Lead <kim.lead@kent.test>", "APPROVE",
                     daily.message_id)
    assert bot.alert(first).wait("sm_qa") is not None, "only the person it waits on"


def test_chasing_stops_after_the_limit_and_the_unit_is_told_once(bot: Bot) -> None:
    ref = bot.send_form("C3", sender=KIM)
    bot.at(MONDAY + timedelta(days=120))
    policy = bot.config.timers.qa
    chasers = [o for _, o in bot.record.sent if o.ref == ref and o.purpose == "reminder"
               and o.context["stage"] == "overdue"]
    assert len(chasers) == policy.max_chasers
    stopped = [(t, o) for t, o in bot.record.sent if o.purpose == "chasing_stopped"]
    assert len(stopped) == 1 and [r.email for r in stopped[0][1].to] == [UNIT]
    last_chaser = max(t for t, o in bot.record.sent if o.ref == ref and o.purpose == "reminder")
    assert last_chaser <= stopped[0][0], "nothing chased after it stopped"
    assert "chasing stopped" in [e.what for e in bot.record.events(ref)]
    # the digest of the week it stopped lists it
    digests = [o for t, o in bot.record.sent if o.purpose == "weekly_digest" and
               stopped[0][0] <= t <= stopped[0][0] + timedelta(days=7)]
    assert digests and ref in str(digests[0].context)
    # the step is still open: a late answer still counts
    bot.answer(WYN, ref, "APPROVE")
    assert bot.alert(ref).wait("sm_qa") is None
