"""Issue 14 §7: a lost store is never silently replaced by an empty one while the
mailboxes hold history. `once` and `run` refuse (exit 5, a store problem), name the
mailbox and how many messages its Processed folder holds, and say what to do;
`--fresh` starts anyway. On a Maildir here; on a real Dovecot in
tests/mailstack/test_fresh_start.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.cli import main
from tests.ops.test_backup_restore import config_for, form


def once(config: Path, state: Path, *extra: str) -> int:
    return main(["once", "--init", "--config", str(config), "--state", str(state), *extra])


def test_once_on_an_empty_state_folder_beside_a_processed_maildir_refuses_and_says_what_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, state = config_for(tmp_path), tmp_path / "state"
    unit = MaildirMailbox("unit", tmp_path / "mail" / "unit")
    unit.deliver(form(1))
    unit.deliver(form(2))
    assert once(config, state) == 0, "a first start, with nothing filed yet, is not refused"
    assert len(unit.folder_keys("processed")) == 2
    capsys.readouterr()

    shutil.rmtree(state)           # the store is lost; the mailbox remembers
    assert once(config, state) == 5
    said = capsys.readouterr().err
    assert f"the state folder {state} is empty" in said
    assert "the Processed folder of mailbox 'unit' holds 2 messages handled before" in said
    assert "mailbot restore" in said and "mailbot rebuild" in said and "--fresh" in said
    assert not (state / "db.json").exists(), "no empty store was made in its place"

    state.mkdir()                  # an empty folder made by hand is the same
    assert once(config, state) == 5
    assert once(config, state, "--fresh") == 0, "--fresh starts an empty store anyway"
    assert (state / "db.json").exists()
    assert once(config, state) == 0, "with a store there, the history is no reason to stop"
    unit.close()


def test_run_refuses_the_same_way(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, state = config_for(tmp_path), tmp_path / "state"
    data = yaml.safe_load(config.read_text())
    processed = Path(data["mailboxes"]["unit"]["path"]) / ".Processed" / "cur"
    processed.mkdir(parents=True)
    for n in range(1234):
        (processed / f"{n}.host:2,S").write_bytes(b"Subject: handled\r\n\r\nx\r\n")
    assert main(["run", "--init", "--tick", "0.1", "--config", str(config), "--state", str(state)]) == 5
    assert "holds 1,234 messages handled before" in capsys.readouterr().err
