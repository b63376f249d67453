"""Section 8: the state folder is 0700 and every file in it 0600, set when made and
checked at every start (tightened, with a warning naming what was open)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.adapters.store import Store

from .conftest import FORM, ROOT, loose_paths, mailbot

DEMO = ("import io, os, sys; os.umask(0o022); from pathlib import Path; "
        "from mailbot.demo import run_demo; run_demo(Path(sys.argv[1]), out=io.StringIO())")


def test_after_a_simulated_year_every_file_is_0600_and_every_folder_0700(tmp_path: Path) -> None:
    """The demo: a year of alerts on the real store, Maildir in (the bot makes its
    folders), the file outbox out (.eml files holding a child's name), the register,
    archive and cold logs, all under umask 022."""
    state = tmp_path / "state"
    ran = subprocess.run([sys.executable, "-c", DEMO, str(state)], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert list((state / "outbox" / "new").iterdir()), "the year sent mail by the file outbox"
    assert list((state / "archive").rglob("*.json")), "the year closed alerts into the archive"
    assert loose_paths(state) == [], "readable by other users on the machine"


def test_once_from_the_command_line_leaves_nothing_readable_by_others(tmp_path: Path) -> None:
    state = tmp_path / "state"
    once = mailbot("once", "--init", "--state", str(state))     # makes the state folder itself
    assert once.returncode == 0, once.stderr
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)
    once = mailbot("once", "--state", str(state))
    assert once.returncode == 0 and "handled 1 message(s)" in once.stdout, once.stderr
    assert len(list((state / "outbox" / "new").iterdir())) >= 2
    assert loose_paths(state) == []
    assert "made private" not in once.stderr, "nothing the bot made needed tightening"


def test_files_opened_to_others_are_tightened_at_the_next_start_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)
    assert mailbot("once", "--init", "--state", str(state)).returncode == 0
    eml = next((state / "outbox" / "new").iterdir())
    # as a restore by a tool that keeps its own modes, or a copy made by hand, leaves them
    os.chmod(state, 0o755)
    os.chmod(state / "db.json", 0o644)
    os.chmod(eml, 0o664)
    os.chmod(state / "events", 0o775)

    with caplog.at_level(logging.WARNING), Store.open(state):
        pass
    # each open checks the top level: enough that nobody else can reach anything
    # (a file's own mode does not matter inside a folder only its owner may enter)
    assert loose_paths(state) == [f"{eml.relative_to(tmp_path)} 664"]
    assert all(not (folder.stat().st_mode & 0o077) for folder in eml.parents
               if folder == state or state in folder.parents)
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "3 path(s) in the state folder could be read by other users" in warning
    assert "db.json (-rw-r--r--)" in warning
    assert "Jordan" not in warning, "the log names files, never children"

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        from mailbot.cli import _tighten_all
        _tighten_all(state)             # what `mailbot run` does at start: the whole folder
    assert loose_paths(state) == []
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "1 path(s)" in warning and eml.name in warning


def test_a_symbolic_link_in_the_state_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    os.chmod(outside, 0o644)
    state = tmp_path / "state"
    Store.open(state).close()
    (state / "link").symlink_to(outside)
    Store.open(state).close()
    assert outside.stat().st_mode & 0o777 == 0o644, "a file outside the state folder was changed"
