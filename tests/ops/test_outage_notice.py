"""Issue 14 §1: a mailbox unreachable, or mail stuck in the outbox, for longer than
`operations.alert_after` is told to the unit by every route that still works (the
log at ERROR, the heartbeat, mail through the outbox), once, and once more when it
is over; a restart neither repeats nor forgets it.

On the real store and Maildir, with the MIU's mailbox as IMAP on a closed loopback
port and the sender as SMTP on another; the clock is injected."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mailbot.core.outage import NOTICE, OVER
from tests.ops.support import PASSWORD_ENV, Bot, child_words, closed_port, config, imap_down, smtp_down

UNIT_AND_SQA = {"safeguardingunitalerts@kent.test", "sm.sqa@kent.test"}
FORM = Path(__file__).resolve().parents[2] / "examples" / "forms" / "c8-child-in-care-missing.eml"


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-used: nothing listens")


def _miu_down(port: int) -> Any:
    return config(lambda d: d["mailboxes"].update(miu=imap_down(port)))


def test_an_unreachable_mailbox_is_told_once_after_alert_after_and_once_when_read_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bot = Bot(tmp_path / "state", _miu_down(closed_port()))
    caplog.set_level(logging.INFO, logger="mailbot")
    try:
        bot.once_at(timedelta(0))
        bot.once_at(timedelta(minutes=20))
        assert bot.outage_mail(NOTICE) == [], "told before alert_after (30m) had passed"
        bot.once_at(timedelta(minutes=11))
        (notice,) = bot.outage_mail(NOTICE)
        assert notice.status == "sent" and set(notice.envelope_to) == UNIT_AND_SQA
        (mail,) = bot.sent_files(NOTICE)
        assert b"Subject: Alerts system: the mailbox miu cannot be read" in mail
        assert b"Connection refused" in mail or b"refused" in mail.lower()
        errors = [r for r in caplog.records if r.levelno == logging.ERROR
                  and "outage: mailbox miu" in r.getMessage()]
        assert len(errors) == 1, "the log says it once, at ERROR"
        beat = json.loads((bot.state / "heartbeat.json").read_text())
        assert beat["told"] == {"mailbox:miu": beat["mailboxes"]["miu"]["failing_since"]}

        for _ in range(3):   # still down: nothing more
            bot.once_at(timedelta(minutes=15))
        bot.restart(_miu_down(closed_port()))   # a restart does not tell it again
        bot.once_at(timedelta(minutes=5))
        assert len(bot.outage_mail(NOTICE)) == 1
        assert bot.outage_mail(OVER) == []

        bot.restart(config())                    # the MIU's mailbox is back (Maildir)
        bot.once_at(timedelta(minutes=5))
        (over,) = bot.outage_mail(OVER)
        assert over.status == "sent" and set(over.envelope_to) == UNIT_AND_SQA
        (mail,) = bot.sent_files(OVER)
        assert b"Subject: Alerts system: the mailbox miu is read again" in mail
        bot.once_at(timedelta(minutes=5))
        assert len(bot.outage_mail(OVER)) == 1 and len(bot.outage_mail(NOTICE)) == 1
        assert json.loads((bot.state / "heartbeat.json").read_text())["told"] == {}
    finally:
        bot.close()


def test_an_outage_shorter_than_alert_after_tells_nobody(tmp_path: Path) -> None:
    bot = Bot(tmp_path / "state", _miu_down(closed_port()))
    try:
        bot.once_at(timedelta(0))
        bot.once_at(timedelta(minutes=25))
        bot.restart(config())
        bot.once_at(timedelta(minutes=10))
        assert bot.outage_mail(NOTICE) == [] and bot.outage_mail(OVER) == []
    finally:
        bot.close()


def test_a_crash_between_queueing_the_notice_and_writing_the_heartbeat_sends_it_once(
        tmp_path: Path) -> None:
    """The heartbeat cannot be written (a folder stands where the file goes): the notice
    is committed to the outbox but not recorded as told; the next pass decides it again,
    under the same Message-ID, and the outbox does not take it twice."""
    bot = Bot(tmp_path / "state", _miu_down(closed_port()))
    try:
        bot.once_at(timedelta(0))
        (bot.state / "heartbeat.json").unlink()
        (bot.state / "heartbeat.json").mkdir()
        bot.once_at(timedelta(minutes=31))
        assert len(bot.outage_mail(NOTICE)) == 1
        (bot.state / "heartbeat.json").rmdir()
        bot.once_at(timedelta(minutes=1))
        bot.once_at(timedelta(minutes=1))
        assert len(bot.outage_mail(NOTICE)) == 1
        assert len(bot.sent_files(NOTICE)) == 1
    finally:
        bot.close()


def test_mail_stuck_in_the_outbox_is_told_when_the_sender_works_again_and_logged_at_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The sender is down: the notice cannot go by mail, so the log (ERROR) and the
    heartbeat carry it; it goes out as soon as mail goes, followed by the all-clear."""
    down = config(lambda d: d.update(sender=smtp_down(closed_port())))
    bot = Bot(tmp_path / "state", down)
    caplog.set_level(logging.INFO, logger="mailbot")
    try:
        form = FORM
        bot.service.mailboxes["unit"].deliver(form.read_bytes())  # type: ignore[attr-defined]
        bot.once_at(timedelta(0))
        unsent = len(bot.store.pending_outbox())
        assert unsent >= 1, "a form's mail waits in the outbox while the sender is down"
        bot.once_at(timedelta(minutes=31))
        (notice,) = bot.outage_mail(NOTICE)
        assert notice.status != "sent", "it cannot have gone: the sender is down"
        assert [r for r in caplog.records if r.levelno == logging.ERROR
                and "outage:" in r.getMessage() and "unsent in the outbox" in r.getMessage()]
        beat = json.loads((bot.state / "heartbeat.json").read_text())
        assert "outbox" in beat["told"] and beat["outbox"]["unsent"] == unsent
        assert "Connection refused" in beat["outbox"]["last_error"]
        bot.once_at(timedelta(minutes=30))
        bot.restart(down)
        bot.once_at(timedelta(minutes=30))
        assert len(bot.outage_mail(NOTICE)) == 1, "told once, however long it lasts"

        bot.restart(config())   # the sender is back (the file sender)
        bot.once_at(timedelta(minutes=5))
        bot.once_at(timedelta(minutes=65))   # each entry's retry (its back-off) is due
        assert bot.store.pending_outbox() == []
        assert len(bot.sent_files(NOTICE)) == 1 and len(bot.sent_files(OVER)) == 1
        (over,) = bot.sent_files(OVER)
        assert b"Subject: Alerts system: mail is being sent again" in over
    finally:
        bot.close()


def test_the_outage_notice_names_mailboxes_and_counts_never_a_child(tmp_path: Path) -> None:
    """Both notices, as sent: no alert's reference details, no child, not marked sensitive."""
    bot = Bot(tmp_path / "state", _miu_down(closed_port()))
    try:
        form = FORM
        bot.service.mailboxes["unit"].deliver(form.read_bytes())  # type: ignore[attr-defined]
        bot.once_at(timedelta(0))
        bot.once_at(timedelta(minutes=31))
        bot.restart(config())
        bot.once_at(timedelta(minutes=1))
        mails = bot.sent_files(NOTICE) + bot.sent_files(OVER)
        assert len(mails) == 2
        for mail in mails:
            assert b"OFFICIAL-SENSITIVE" not in mail and b"X-Mailbot-Ref" not in mail
            for word in child_words([form]):
                assert word.encode() not in mail, f"{word!r} in an outage notice"
    finally:
        bot.close()


def test_a_lost_heartbeat_file_does_not_stop_the_bot(tmp_path: Path) -> None:
    bot = Bot(tmp_path / "state", config())
    try:
        bot.once_at(timedelta(0))
        (bot.state / "heartbeat.json").write_text("{not json")
        bot.restart(config())
        bot.once_at(timedelta(minutes=1))
        assert json.loads((bot.state / "heartbeat.json").read_text())["version"] == 1
    finally:
        bot.close()
