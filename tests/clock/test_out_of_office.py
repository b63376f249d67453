"""T-QA: an out-of-office reply hands a waiting step to the deputy at once, even when it
is read on a restart after the step fell due; the absent manager is not chased for it
at the restart, and a second automatic reply changes nothing.
(The plain hand-over is in tests/workflow/test_chasing.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.workflow.conftest import MONDAY, ROOT, Bot

OOF = (ROOT / "examples" / "replies" / "sue-out-of-office.eml").read_bytes()


def test_out_of_office_read_on_restart_goes_to_the_deputy_and_the_absent_manager_is_not_chased(
        tmp_path: Path) -> None:
    bot = Bot(tmp_path / "state", MONDAY)
    try:
        ref = bot.send_form("C3", sender="Kim Lead <kim.lead@kent.test>", District="Thanet")
        asked = bot.request("sue.manager@kent.test", ref)
        due = datetime.fromisoformat(asked.context["due_at"])      # Monday 17:00
        bot.at(MONDAY + timedelta(hours=2))
        # off until Wednesday; Sue's automatic reply waits in the inbox meanwhile
        bot.service.mailboxes["unit"].deliver(OOF)  # type: ignore[attr-defined]
        back = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
        bot.clock.t = back
        seen = len(bot.record.sent)
        bot.service.once()
        after = [(t, o.purpose, o.to[0].email) for t, o in bot.record.sent[seen:] if o.ref == ref]
        assert after == [(back, "approval_request", "sm.south@kent.test")], \
            "handed to the deputy at once; no late chaser to the manager who is away"
        assert due < back

        bot.deliver(OOF.replace(b"demo-sue-oof", b"demo-sue-oof-2"))    # she is still away
        assert [o.to[0].email for o in bot.record.to("sm.south@kent.test", "approval_request",
                                                     ref)] == ["sm.south@kent.test"]
        bot.answer("sm.south@kent.test", ref, "APPROVE\r\nCovering for Sue.")
        assert bot.alert(ref).wait("sm_qa") is None
        assert bot.request("ad.east@kent.test", ref).context["step"]["id"] == "ad_review"
    finally:
        bot.close()
