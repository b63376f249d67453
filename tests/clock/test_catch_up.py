"""After downtime: each item that fell due while the bot was off is sent once, marked
late, in the order it fell due; a restart does not send it again (T-QA, T-48H, T-72H).

The bot is switched off on Monday 16 November 2026 at 18:00 and started again on
Thursday 19 November at 18:00, as `mailbot once` from cron or `mailbot run`
would be: read the mail, tick, send.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path

from mailbot.adapters.file_sender import FileSender, file_name
from mailbot.core.values.mail import Outgoing
from tests.workflow.conftest import MONDAY, Bot

OFF = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)      # Monday 18:00 GMT
BACK = datetime(2026, 11, 19, 18, 0, tzinfo=UTC)     # Thursday 18:00 GMT


def what(out: Outgoing) -> str:
    ctx = out.context
    sub = ctx.get("clock") or ctx.get("stage") or (ctx.get("task") or {}).get("task") or ""
    return f"{out.ref} {out.purpose} {sub}"


def three_alerts(bot: Bot) -> tuple[str, str, str]:
    """A child in care missing since Sunday 16:00 (T-48H on Tuesday 16:00), a CP child
    found on Monday at noon (T-72H: Wednesday and Thursday noon), and a C3 whose
    Service Manager never answers (chased at 17:00 each working day)."""
    cic = bot.send_form("C8")
    cp = bot.send_form("C6", sender="Morgan Lead <morgan.lead@kent.test>")
    media = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    assert cic and cp and media
    bot.at(MONDAY + timedelta(minutes=20))
    bot.answer("sue.manager@kent.test", cic, "APPROVE")
    bot.answer("ad.east@kent.test", cic, "APPROVE")
    bot.answer("pdo.east@kent.test", cic, "DONE", purpose="task_request")
    bot.answer("director@kent.test", cic, "APPROVE")
    bot.answer("sm.north@kent.test", cp, "APPROVE")
    bot.answer("ad.north@kent.test", cp, "APPROVE")
    bot.answer("miu@kent.test", cp, "DONE", purpose="task_request")
    bot.at(datetime(2026, 11, 16, 12, 30, tzinfo=UTC))
    bot.update("Mo Worker <mo.worker@kent.test>", cp,
               "Alert type: Updated alert\r\nDate and time found: 16/11/2026 12:00")
    bot.answer("miu@kent.test", cp, "DONE", purpose="task_request")    # the found date
    return cic, cp, media


def test_bot_off_three_days_each_due_item_sent_once_late_in_due_order_then_not_again(
        tmp_path: Path) -> None:
    state = tmp_path / "state"
    bot = Bot(state, MONDAY)
    try:
        cic, cp, media = three_alerts(bot)
        bot.at(OFF)
        on_time = [t for t, o in bot.record.sent if o.ref == media and o.purpose == "reminder"]
        assert on_time == [datetime(2026, 11, 16, 13, 0, tzinfo=UTC),
                           datetime(2026, 11, 16, 17, 0, tzinfo=UTC)], "reminder, first chaser"
        seen = len(bot.record.decisions)

        bot.clock.t = BACK                 # no ticks while off
        bot.service.once()
        caught_up = [o for t, d, inc in bot.record.decisions[seen:] if inc is None
                     for o in d.outgoing]
    finally:
        bot.close()

    assert [what(o) for o in caught_up] == [
        f"{cic} task_request record_missing_48h",       # fell due Tue 16:00 (T-48H)
        f"{media} reminder overdue",                    # Tue 17:00, Wed 17:00 and Thu 17:00: once
        f"{cp} deadline_notice return_interview_due",   # Wed 12:00 (T-72H reminder at 48 h)
        f"{cp} deadline_notice return_interview_overdue",   # Thu 12:00 (72 h)
    ]
    assert all(o.late for o in caught_up), "everything that fell due while off is marked late"
    outbox = FileSender(state / "outbox")
    for out in caught_up:
        msg = email.message_from_bytes((outbox.path / "new" / file_name(out.message_id)).read_bytes(),
                                       policy=default)
        assert msg["X-Mailbot-Late"] == "yes", what(out)
        assert "SENT LATE" in str(msg.get_body(("plain",)).get_content()), what(out)

    # a restart (the same state folder, a new process) sends none of it again
    files = len(outbox.sent_paths())
    again = Bot(state, BACK + timedelta(minutes=1))
    try:
        again.service.once()
        again.at(datetime(2026, 11, 20, 16, 59, tzinfo=UTC))
        assert again.record.sent == [], "nothing was due again before Friday 17:00"
        # the chaser that fell due three times while off was the second: the step goes to
        # the deputy one working day after the restart, not on the old schedule
        again.at(datetime(2026, 11, 20, 17, 0, tzinfo=UTC))
        assert [what(o) for _, o in again.record.sent] == [f"{media} approval_request ",
                                                           f"{media} reminder escalated"]
        assert again.record.sent[0][1].to[0].email == "sm.north@kent.test", "Wyn West's deputy"
        assert not any(o.late for _, o in again.record.sent)
    finally:
        again.close()
    assert len(outbox.sent_paths()) == files + 2
