"""The first live check on the real Dovecot + Postfix stack (issue 13): `mailbot
check-mailbox unit --send-test ADDRESS` sends one test mail through Postfix, and the
SMTP sender's sent copy (an envelope copy to the bot's +Sent address, read over IMAP)
is found, as it would be after a crash mid-send."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mailbot.cli import main
from tests.mailstack.bot import PASSWORD_ENV, County
from tests.support.mailstack import PASSWORD, MailStack

pytestmark = pytest.mark.mailstack


def test_send_test_goes_through_postfix_and_its_sent_copy_is_found(
        mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    county = County.create(mailstack, tmp_path)
    to = str(county.data["people"]["sue.manager"]["email"])
    code = main(["check-mailbox", "unit", "--config", str(county.config_path), "--state",
                 str(county.state), "--send-test", to])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "sent copy: found after" in out
    for _ in range(50):     # Postfix delivers to the person too, a moment later
        delivered = mailstack.mailbox_messages(to)
        if delivered:
            break
        time.sleep(0.1)
    (mail,) = delivered
    assert b"mailbot: test message (no action needed)" in mail
    assert mailstack.mailbox_messages(county.bot) == [], "nothing for the unit to read"
