"""Issue 14 §7 on a real Dovecot: the store lost, the unit's Processed folder on the
IMAP server holding what it handled, `mailbot once` refuses to start an empty store
(exit 5) and says so; `--fresh` starts anyway (tests/ops/test_fresh_start.py: Maildir)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.cli import main
from tests.mailstack.bot import PASSWORD_ENV, County, LiveBot, People
from tests.support.mailstack import PASSWORD, MailStack


def once(config: Path, state: Path, *extra: str) -> int:
    return main(["once", "--init", "--config", str(config), "--state", str(state), *extra])


def test_once_on_a_lost_store_beside_a_dovecot_processed_folder_refuses(
        mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    county = County.create(mailstack, tmp_path / "county")
    live = LiveBot(county, datetime.now(UTC))
    try:
        people = People(county)
        mid = people.send_form(county.email("tara.manager"), "C8")
        live.receive(mid)
        assert live.service.store.load().alerts, "the form made an alert"
    finally:
        live.close()
    shutil.rmtree(county.state)
    assert once(county.config_path, county.state) == 5
    said = capsys.readouterr().err
    assert "the Processed folder of mailbox 'unit' holds 1 message handled before" in said
    assert not (county.state / "db.json").exists()
    assert once(county.config_path, county.state, "--fresh") == 0
