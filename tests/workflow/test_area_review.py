"""Section 6 of the procedure: "Each Service Management Team should have a process in
place for reviewing their current alerts" (issue 11, point 7). Once a week each
area's Service Manager gets the area's open alerts (R-ALL, T-REVIEW), with the step,
who it waits on and the next deadline, by reference and initials only (T-QA's
one-reply answers: a step they can answer carries its own reply address).

Through the service, on the real store, templates, Maildir and file sender."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from mailbot.adapters.file_sender import file_name
from mailbot.core.values.mail import Outgoing
from mailbot.service.config_file import read_config
from mailbot.simulation import Simulation

from .conftest import BASE, MONDAY, ROOT, Bot

NEXT_MONDAY = MONDAY + timedelta(days=7)           # Mon 23 Nov 2026 09:00 GMT
SUE, NIA, WYN, SOL = ("sue.manager@kent.test", "sm.north@kent.test", "sm.west@kent.test",
                      "sm.south@kent.test")
# the children's names (whole, and the first names no other word here shares), dates of
# birth and case numbers
CHILD_DETAILS = [*(BASE[c]["Child's name"] for c in BASE), "Kim Other",
                 *(BASE[c]["Child's name"].split()[0] for c in BASE),
                 *(BASE[c]["Date of birth"] for c in BASE),
                 *(BASE[c]["Liberi ID"] for c in BASE), "5550001"]


def reviews(bot: Bot) -> list[tuple[datetime, Outgoing]]:
    return [(t, o) for t, o in bot.record.sent if o.purpose == "area_review"]


def sent_mail(state: Path, out: Outgoing) -> EmailMessage:
    """The email as it left (the file sender's outbox)."""
    (path,) = (state / "outbox").glob(f"*/{file_name(out.message_id)}")
    msg = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def bodies(state: Path, out: Outgoing) -> tuple[str, str]:
    msg = sent_mail(state, out)
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def two_areas(bot: Bot) -> dict[str, str]:
    """Two alerts in East (Sue Manager), one in North (Nia North), one in West (Wyn
    West); nothing in South (Sol South)."""
    return {
        "east_cic": bot.send_form("C8") or "",
        "north_cp": bot.send_form("C6") or "",
        "west_media": bot.send_form("C3") or "",
        "east_other": bot.send_form("C8", District="Canterbury", Liberi_ID="5550001",
                                    **{"Child's name": "Kim Other"}) or "",
    }


def test_each_service_manager_gets_only_their_areas_open_alerts_once_a_week(
        bot: Bot, tmp_path: Path) -> None:
    """Section 6, T-REVIEW: on the digest's day at the start of working hours (Monday
    09:00), one mail to each area's Service Manager listing that area's open alerts;
    South, with nothing open, gets nothing; nobody else gets one."""
    refs = two_areas(bot)
    bot.at(NEXT_MONDAY + timedelta(hours=1))
    sent = reviews(bot)
    assert sorted(r.email for _, o in sent for r in o.to) == sorted([SUE, NIA, WYN])
    assert {t for t, _ in sent} == {NEXT_MONDAY}, "Monday 09:00 GMT, the start of the day"
    by_sm = {o.to[0].email: o for _, o in sent}
    listed = {email: [i["ref"] for i in o.context["items"]] for email, o in by_sm.items()}
    assert sorted(listed[SUE]) == sorted([refs["east_cic"], refs["east_other"]])
    assert listed[NIA] == [refs["north_cp"]] and listed[WYN] == [refs["west_media"]]
    assert by_sm[SUE].subject == "Weekly review of open alerts in East: 2 open, 2 overdue"
    installation = bot.service.store.installation   # the store's own part (core/ids.py)
    assert by_sm[SUE].message_id == f"noref.area_review.2026-w48-sue-manager.{installation}@kent.test"
    assert not by_sm[SUE].sensitive and by_sm[SUE].ref is None

    text, html = bodies(tmp_path / "state", by_sm[SUE])
    assert f"{refs['east_cic']} (child J.E.)" in text and f"{refs['east_other']} (child K.O.)" in text
    assert "Service Manager quality assurance, from you" in text
    assert refs["north_cp"] not in text + html, "only the area's own alerts"
    assert "sm_qa" not in text + html and "T-QA" not in text + html


def test_no_child_name_appears_in_any_review(bot: Bot, tmp_path: Path) -> None:
    """References and initials only (the digest's rule): not in the text, the HTML, the
    headers or the context the core handed the renderer."""
    two_areas(bot)
    bot.at(NEXT_MONDAY + timedelta(hours=1))
    assert reviews(bot)
    words = set(CHILD_DETAILS)
    for _, out in reviews(bot):
        raw = sent_mail(tmp_path / "state", out).as_string()
        text, html = bodies(tmp_path / "state", out)
        for where, content in {"email": raw, "text": text, "html": html,
                               "context": repr(out.context)}.items():
            leaked = sorted(w for w in words if w.lower() in content.lower())
            assert not leaked, f"{leaked} in the review to {out.to[0].email} ({where})"


def test_the_review_goes_once_a_week_even_across_restarts(tmp_path: Path) -> None:
    """Exactly once: the week is committed with the mail, and the Message-ID names the
    week and the person, so a restart later that week sends nothing again; the next
    week's goes as usual."""
    state = tmp_path / "state"
    first = Bot(state, MONDAY)
    two_areas(first)
    first.at(NEXT_MONDAY + timedelta(minutes=30))
    week_48 = {o.message_id for _, o in reviews(first)}
    assert len(week_48) == 3
    first.close()

    again = Bot(state, NEXT_MONDAY + timedelta(days=2))    # back on Wednesday
    again.service.tick()
    again.at(NEXT_MONDAY + timedelta(days=6))
    assert reviews(again) == [], "not again that week"
    again.at(NEXT_MONDAY + timedelta(days=7, hours=1))
    week_49 = [o.message_id for _, o in reviews(again)]
    assert len(week_49) == 3 and not set(week_49) & week_48
    assert all("2026-w49" in m for m in week_49)
    outbox = list((state / "outbox").glob("*/noref.area_review.*.eml"))
    assert len(outbox) == 6, "three a week, each once"
    again.close()


def test_a_reply_to_an_items_address_counts_for_that_item_only(bot: Bot,
                                                               tmp_path: Path) -> None:
    """T-QA: a step the Service Manager can answer carries its own reply address (the
    plus-address token the request carries). An APPROVE sent there, in reply to the
    review, approves that alert's step and leaves the other alert waiting."""
    refs = two_areas(bot)
    bot.at(NEXT_MONDAY + timedelta(minutes=5))
    (review,) = [o for _, o in reviews(bot) if o.to[0].email == SUE]
    first, second = review.context["items"]
    token = first["steps"][0]["token"]
    assert token and second["steps"][0]["token"] and token != second["steps"][0]["token"]
    text, html = bodies(tmp_path / "state", review)
    address = f"safeguardingunitalerts+{token}@kent.test"
    assert address in text and f"mailto:{address}?subject=" in html

    raw = bot.email(f"Sue Manager <{SUE}>", f"Answer for {first['ref']} ({first['initials']})",
                    "APPROVE\r\nChecked on Monday.", to=address,
                    headers={"In-Reply-To": f"<{review.message_id}>"})
    bot.deliver(raw)
    answered, untouched = bot.alert(first["ref"]), bot.alert(second["ref"])
    assert [w.id for w in answered.waits] == ["ad_qa"], "the Service Manager's step is done"
    assert [w.id for w in untouched.waits] == ["sm_qa"], "the other alert still waits"
    assert {first["ref"], second["ref"]} == {refs["east_cic"], refs["east_other"]}
    approved = [e for e in bot.record.events(first["ref"]) if e.what == "approved"]
    assert approved and approved[-1].detail["stage"] == "sm_qa"
    assert not [e for e in bot.record.events(second["ref"]) if e.what == "approved"]


def test_a_step_the_service_manager_cannot_answer_has_no_reply_address(bot: Bot) -> None:
    """Once the Service Manager has approved, the alert waits on the Area Assistant
    Director: the review still lists it, with who it waits on, but offers no reply."""
    ref = bot.send_form("C8") or ""
    bot.answer(SUE, ref, "APPROVE")
    bot.at(NEXT_MONDAY + timedelta(minutes=5))
    (review,) = [o for _, o in reviews(bot) if o.to[0].email == SUE]
    (item,) = review.context["items"]
    (step,) = item["steps"]
    assert step["what"] == "Area Assistant Director quality assurance"
    assert step["owner"].startswith("Ed East") and step["token"] is None
    assert review.context["answerable"] == 0


def _config(tmp_path: Path, **review: Any) -> Path:
    """The shipped routing.yaml with `timers.area_review` set."""
    import yaml

    data = yaml.safe_load((ROOT / "routing.yaml").read_text())
    data["timers"]["area_review"] = review
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(data))
    read_config(path)
    return path


def test_the_day_and_hour_come_from_routing_yaml(tmp_path: Path) -> None:
    """`timers.area_review: {day: wednesday, hour: 11}`: Wednesday at 11:00 London time."""
    bot = Bot(tmp_path / "state", MONDAY, config=_config(tmp_path, day="wednesday", hour=11))
    bot.send_form("C3")
    bot.at(MONDAY + timedelta(days=9))
    assert [t for t, _ in reviews(bot)] == [datetime(2026, 11, 18, 11, 0, tzinfo=UTC)]
    bot.close()


def test_a_bank_holiday_moves_the_review_to_the_next_working_morning(tmp_path: Path) -> None:
    """Monday 28 December 2026 is a bank holiday (Boxing Day moved): the review goes on
    Tuesday 29 December at 09:00, and is that week's one."""
    start = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
    bot = Simulation(tmp_path / "state", start)
    bot.deliver(bot.email("Tara Manager <tara.manager@kent.test>", "Alert C3",
                          "\r\n".join(f"{k}: {v}" for k, v in
                                      {"Alert type": "New alert", **BASE["C3"]}.items())))
    bot.at(start + timedelta(days=9))
    assert [t for t, o in bot.record.sent if o.purpose == "area_review"] == [
        datetime(2026, 12, 29, 9, 0, tzinfo=UTC)]
    bot.close()


def test_switched_off_nobody_gets_a_review(tmp_path: Path) -> None:
    bot = Bot(tmp_path / "state", MONDAY, config=_config(tmp_path, role=None))
    two_areas(bot)
    bot.at(NEXT_MONDAY + timedelta(days=1))
    assert reviews(bot) == []
    bot.close()
