"""Issue 11, point 6: the thing that is due is the thing shown.

`status` shows each waiting step's deadline itself, in its own column, and the time
the bot next writes (a reminder or a notice) only as such; a held national alert
(T-NAT-3W) "may go on" a date, which is nobody's deadline; every column is in the
procedure's words (R-ALL, T-QA)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from mailbot.core.wording import local
from mailbot.service.views import status_table

from .conftest import Bot


def row_of(bot: Bot, ref: str) -> dict[str, str]:
    """The status row of `ref`, by column (the dashes under the header mark them)."""
    lines = status_table(bot.service.store.load(), bot.config, bot.now).split("\n\n")[0]
    header, dashes, *rows = lines.splitlines()
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]
    (row,) = [r for r in rows if r.startswith(ref)]
    return {header[a:b].strip().replace(" ", "_"): row[a:b if i < len(spans) - 1 else None].strip()
            for i, (a, b) in enumerate(spans)}


def test_status_shows_the_deadline_itself_and_the_reminder_as_such(bot: Bot) -> None:
    bot.at(datetime(2026, 11, 17, 9, 30, tzinfo=UTC))         # Tuesday: due Wednesday 09:30
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    assert ref
    request = bot.request("sm.west@kent.test", ref)
    row = row_of(bot, ref)
    deadline = datetime.fromisoformat(request.context["due_at"])
    assert row["due_by"] == local(deadline, bot.config), "the step's own deadline"
    reminder = datetime(2026, 11, 18, 5, 30, tzinfo=UTC)       # 4 hours before: out of hours
    assert deadline - reminder == bot.config.timers.qa.reminder_before.fixed
    assert row["bot_writes_next"] == local(datetime(2026, 11, 18, 9, 0, tzinfo=UTC), bot.config)
    assert row["waiting_on"] == "Service Manager: quality assurance" and row["who"] == "Wyn West"


def test_a_held_national_alert_may_go_on_a_date_that_is_nobodys_deadline(bot: Bot) -> None:
    ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>")   # missing 09/11 10:00
    assert ref
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    row = row_of(bot, ref)
    opens = local(datetime(2026, 11, 30, 10, 0, tzinfo=UTC), bot.config)
    assert row["waiting_on"].startswith(f"national alert held: may go on {opens}")
    assert row["due_by"] != opens, "the hold's end is not shown as a deadline"
    held = bot.record.to("sm.south@kent.test", "deadline_notice", ref)
    assert f"may go on {opens}" in held[0].context["what"]


def test_bot_writes_next_skips_the_bank_holidays_the_reminders_skip(bot: Bot) -> None:
    """T-QA: a reminder due out of hours on Christmas Day 2026 goes on the next working
    morning, Tuesday 29 December (Boxing Day's substitute is Monday 28): status says
    so, as the clock will do it, not Friday 25 December."""
    ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>")
    assert ref
    state = bot.service.store.load()
    alert = state.alerts[ref]
    wait = alert.waits[0].model_copy(update={
        "due_at": datetime(2026, 12, 25, 12, 0, tzinfo=UTC), "reminded": False, "chasers": 0})
    moved = state.model_copy(update={"alerts": {ref: alert.model_copy(update={"waits": (wait,)})}})
    holidays = bot.service.holidays
    assert datetime(2026, 12, 25).date() in holidays and datetime(2026, 12, 28).date() in holidays

    def writes_next(table: str) -> str:
        line = next(r for r in table.splitlines() if r.startswith(ref))
        return line.rstrip().rsplit("  ", 1)[-1].strip()

    with_holidays = writes_next(status_table(moved, bot.config, bot.now, holidays=holidays))
    assert with_holidays.startswith("Tue 29 Dec 2026"), with_holidays
    assert writes_next(status_table(moved, bot.config, bot.now)).startswith("Fri 25 Dec 2026")
