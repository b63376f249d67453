"""Deadlines come from the times on the form and the reply, are kept in UTC, and travel
as calendar entries (T-48H, T-72H, T-QA); the digest can be previewed (T-WEEKLY).
"""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path

import pytest
from icalendar import Calendar

from mailbot.adapters.file_sender import FileSender
from mailbot.adapters.store.store import read_committed
from mailbot.cli import main
from mailbot.core.clocks import due
from mailbot.core.values.alert import Timer
from mailbot.core.values.state import Decision
from tests.workflow.conftest import Bot, form_body

SENT = datetime(2026, 7, 6, 8, 0, tzinfo=UTC)          # Monday 09:00 BST
READ = SENT + timedelta(hours=10)                       # the bot was off, or the mail slow
MISSING = READ - timedelta(hours=40)                    # Sunday 5 July 02:00 UTC = 03:00 BST


def stored_clocks(state: Path, ref: str) -> dict[str, str]:
    """The clocks as the store holds them (its snapshot and journal): due times as text, in UTC."""
    committed = read_committed(state)
    assert committed is not None
    alert = committed.state.alerts[ref].model_dump(mode="json")
    return {c["id"]: c["due_at"] for c in alert["clocks"]}


def test_t_48h_counts_from_the_time_missing_on_the_form_not_from_when_it_was_read(
        tmp_path: Path) -> None:
    state = tmp_path / "state"
    bot = Bot(state, SENT)
    try:
        # written (Date: header) at SENT, read ten hours later; the form says 03:00 BST
        raw = bot.email("Tara Manager <tara.manager@kent.test>", "Alert C8",
                        form_body("C8", **{"Date and time missing": "05/07/2026 03:00"}))
        bot.clock.t = READ
        bot.deliver(raw)
        ref = next(iter(bot.service.store.load().alerts))
        assert bot.alert(ref).form.missing_since == MISSING
        bot.at(READ + timedelta(minutes=30))
        bot.answer("sue.manager@kent.test", ref, "APPROVE")
        bot.answer("ad.east@kent.test", ref, "APPROVE")
        assert stored_clocks(state, ref)["miu_48h"] == "2026-07-07T02:00:00Z", \
            "kept in UTC, from the form's time"
        bot.at(READ + timedelta(hours=8) - timedelta(minutes=1))
        assert bot.purposes_to("miu@kent.test", ref) == []
        bot.at(READ + timedelta(hours=8))
        (sent_at, task), = [(t, o) for t, o in bot.record.sent if o.ref == ref
                            and (o.context.get("task") or {}).get("task") == "record_missing_48h"]
        assert sent_at == MISSING + timedelta(hours=48) == READ + timedelta(hours=8)
        assert not task.late
    finally:
        bot.close()


def test_t_72h_counts_from_the_time_found_on_the_update_even_when_read_a_day_later(
        tmp_path: Path) -> None:
    state = tmp_path / "state"
    bot = Bot(state, SENT)
    try:
        ref = bot.send_form("C6", sender="Morgan Lead <morgan.lead@kent.test>",
                            **{"Date and time missing": "05/07/2026 20:00"})
        found = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)             # 10:00 BST
        bot.at(found + timedelta(hours=30))                         # the news comes late
        bot.update("Mo Worker <mo.worker@kent.test>", ref,
                   "Alert type: Updated alert\r\nDate and time found: 06/07/2026 10:00")
        assert stored_clocks(state, ref)["ri.overdue"] == "2026-07-09T09:00:00Z"
        bot.at(found + timedelta(hours=73))
        times = [t for t, o in bot.record.sent if o.ref == ref and o.purpose == "deadline_notice"]
        assert times == [found + timedelta(hours=30), found + timedelta(hours=48),
                         found + timedelta(hours=72)]
    finally:
        bot.close()


def test_every_reminder_carries_a_calendar_entry_at_the_deadline_in_utc(tmp_path: Path) -> None:
    """T-QA reminders before, overdue and on escalation, and the T-72H notices."""
    state = tmp_path / "state"
    bot = Bot(state, SENT)
    try:
        bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")   # never answered
        cic = bot.send_form("C8", **{"Date and time missing": "05/07/2026 20:00"})
        bot.answer("sue.manager@kent.test", cic, "APPROVE")
        bot.update("Sam Worker <sam.worker@kent.test>", cic,
                   "Alert type: Updated alert\r\nDate and time found: 06/07/2026 08:30")
        bot.at(SENT + timedelta(days=8))
    finally:
        bot.close()
    files = {}
    for raw in FileSender(state / "outbox").sent():
        msg = email.message_from_bytes(raw, policy=default)
        files[msg["Message-ID"].strip("<>")] = msg
    deadlines = [o for _, o in bot.record.sent if o.purpose == "reminder" or
                 o.context.get("clock") in ("return_interview_due", "return_interview_overdue")]
    stages = {o.context.get("stage") or o.context.get("clock") for o in deadlines}
    assert {"before", "overdue", "escalated", "return_interview_due",
            "return_interview_overdue"} <= stages
    for out in deadlines:
        parts = [p for p in files[out.message_id].walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1, f"{out.purpose} {out.context.get('stage')} has no calendar entry"
        (event,) = Calendar.from_ical(parts[0].get_content()).walk("VEVENT")
        due_at = out.context["due_at"]
        assert event.decoded("DTSTART") == datetime.fromisoformat(due_at)
        assert b"DTSTART:" + datetime.fromisoformat(due_at).strftime("%Y%m%dT%H%M%SZ").encode() \
            in parts[0].get_payload(decode=True), "written in UTC (Z), not a local time"


def test_a_child_found_before_qa_ends_gets_no_t_48h_clock_and_the_clock_moves_on(
        tmp_path: Path) -> None:
    """Found before the AD approves: nothing for MIU at 48 hours, and no clock left
    that stays due for ever (the simulated clock would never move again)."""
    bot = Bot(tmp_path / "state", SENT)
    try:
        ref = bot.send_form("C8", **{"Date and time missing": "06/07/2026 06:00"})
        bot.answer("sue.manager@kent.test", ref, "APPROVE")
        bot.update("Sam Worker <sam.worker@kent.test>", ref,
                   "Alert type: Updated alert\r\nDate and time found: 06/07/2026 08:45")
        bot.answer("ad.east@kent.test", ref, "APPROVE")
        assert "miu_48h" not in {c.id for c in bot.alert(ref).clocks}
        bot.at(SENT + timedelta(days=3))
        assert bot.service.next_due() > bot.now
        assert "record_missing_48h" not in [(o.context.get("task") or {}).get("task")
                                            for o in bot.record.to("miu@kent.test", ref=ref)]
    finally:
        bot.close()


def test_a_clock_that_fires_with_nothing_to_send_is_still_kept_as_fired(tmp_path: Path) -> None:
    """A T-48H clock left on an alert whose child is found by then (as older versions
    left them): it fires, sends nothing, says why in the alert's log, and the store
    keeps it fired, so it is not due again at every tick."""
    bot = Bot(tmp_path / "state", SENT)
    try:
        ref = bot.send_form("C8", **{"Date and time missing": "06/07/2026 06:00"})
        store = bot.service.store
        state = store.load()
        mark = datetime(2026, 7, 8, 6, 0, tzinfo=UTC)
        left = state.alerts[ref].model_copy(update={
            "found_at": datetime(2026, 7, 6, 7, 45, tzinfo=UTC),
            "clocks": (Timer(id="miu_48h", rule="T-48H", kind="missing_notice", due_at=mark,
                             roles=("miu",)),)})
        store.commit(Decision(state=state.model_copy(update={"alerts": {**state.alerts,
                                                                        ref: left}})))
        bot.clock.t = mark
        bot.service.tick()
        assert [c.done for c in store.load().alerts[ref].clocks] == [True]
        assert due.next_due_of(store.load().alerts[ref], bot.config) != mark
        assert "missing_48h_not_needed" in [e.what for e in store.events(ref)]
    finally:
        bot.close()


def test_digest_preview_prints_the_digest_and_sends_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    bot = Bot(state, datetime.now(UTC).replace(microsecond=0))
    ref = bot.send_form("C8")
    bot.close()
    outbox = FileSender(state / "outbox")
    before = (len(outbox.sent_paths()), json.loads((state / "db.json").read_text())["state"])

    assert main(["digest", "--preview", "--state", str(state)]) == 0

    printed = capsys.readouterr().out
    assert "WEEKLY ALERTS DIGEST" in printed and ref in printed
    assert "SENT LATE" not in printed, "a preview is not a sending"
    assert "Jordan" not in printed, "references and initials only"
    after = (len(outbox.sent_paths()), json.loads((state / "db.json").read_text())["state"])
    assert after == before, "nothing sent, the week's digest still owed"
