"""Clear errors, never tracebacks, for every operational fault, with nothing lost (issue 14 §3).

The faults are real: a full tmpfs, `chattr +i` on the state folder and on db.json
(we run as root, so a file mode would not stop us), a folder where the lock file
belongs, a second process holding the lock, a truncated or garbled db.json, and
the output's reader going away. Each test skips, saying why, where the machine
cannot make its fault.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.errors import ExitCode
from tests.ops.cli_support import FORM, ROOT, environment, mailbot, no_traceback


def _store_with_a_form_waiting(state: Path) -> MaildirMailbox:
    """A store made by the first run, and a form delivered since."""
    first = mailbot("once", "--init", "--state", str(state))
    assert first.returncode == 0, first.stderr
    inbox = MaildirMailbox("unit", state / "mail" / "unit")
    inbox.deliver(FORM)
    return inbox


def _waiting(inbox: MaildirMailbox) -> int:
    return len(list(inbox.fetch()))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, mounted for the test and taken away after it."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.strip()}): needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """Fill `disk` up, then give back `leave` bytes (room for the lock, not a commit)."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    with filler.open("r+b") as out:
        out.truncate(max(0, filler.stat().st_size - leave))
    return filler


def test_a_full_disk_is_one_clear_line_and_the_form_waits_in_the_inbox(
        small_disk: Path) -> None:
    """issue 14 §3: a real ENOSPC (a full tmpfs) gave a raw traceback. Now exit 5, one
    line saying the disk is full, and the form still in the inbox; once there is room
    again, the next run handles it."""
    state = small_disk / "state"
    inbox = _store_with_a_form_waiting(state)
    filler = _fill(small_disk, leave=8192)

    full = mailbot("once", "--state", str(state))

    assert full.returncode == ExitCode.STORE, full.stderr[-3000:]
    no_traceback(full)
    [line] = full.stderr.splitlines()
    assert line.startswith(f"mailbot: {state}: the disk is full (while recording a change)") \
        and "Free some space" in line, line
    assert _waiting(inbox) == 1, "the form left the inbox though nothing was recorded"
    filler.unlink()
    again = mailbot("once", "--state", str(state))
    assert (again.returncode, again.stdout) == (0, "handled 1 message(s)\n"), again.stderr
    assert _waiting(inbox) == 0


def _chattr(flag: str, path: Path) -> None:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr {flag} is not possible here: {done.stderr.strip()}")


def test_an_immutable_state_folder_is_one_clear_line_and_nothing_is_lost(tmp_path: Path) -> None:
    """issue 14 §3: permission denied on the store (the folder made immutable: root is
    not stopped by a mode) is exit 5 and a line naming it; the form waits, and is
    handled once the folder is writable again."""
    state = tmp_path / "state"
    inbox = _store_with_a_form_waiting(state)
    _chattr("+i", state)
    try:
        refused = mailbot("once", "--state", str(state))
    finally:
        subprocess.run(["chattr", "-i", str(state)], check=False)
    assert refused.returncode == ExitCode.STORE, refused.stderr[-3000:]
    no_traceback(refused)
    assert "permission denied (while recording a change)" in refused.stderr
    assert "lsattr" in refused.stderr and _waiting(inbox) == 1
    again = mailbot("once", "--state", str(state))
    assert (again.returncode, again.stdout) == (0, "handled 1 message(s)\n"), again.stderr


def test_an_immutable_db_json_is_one_clear_line_and_the_journal_keeps_the_work(
        tmp_path: Path) -> None:
    """issue 14 §3: db.json immutable: the pass is done and journalled, the fold into
    db.json at the end is refused (exit 5, one line); after `chattr -i` the alert is
    there and the form is not handled twice."""
    state = tmp_path / "state"
    inbox = _store_with_a_form_waiting(state)
    _chattr("+i", state / "db.json")
    try:
        refused = mailbot("once", "--state", str(state))
    finally:
        subprocess.run(["chattr", "-i", str(state / "db.json")], check=False)
    assert refused.returncode == ExitCode.STORE, refused.stderr[-3000:]
    no_traceback(refused)
    assert f"{state / 'db.json'}: permission denied (while folding the journal into db.json)" \
        in refused.stderr
    assert refused.stdout == "handled 1 message(s)\n" and _waiting(inbox) == 0
    status = mailbot("status", "--state", str(state))
    assert status.returncode == 0 and "KA-" in status.stdout, "the alert was lost"
    again = mailbot("once", "--state", str(state))
    assert (again.returncode, again.stdout) == (0, "handled 0 message(s)\n"), again.stderr


def test_a_lock_path_that_is_a_folder_is_one_clear_line(tmp_path: Path) -> None:
    """issue 14 §3: `state/lock` a folder gave IsADirectoryError's traceback."""
    state = tmp_path / "state"
    inbox = _store_with_a_form_waiting(state)
    (state / "lock").unlink()
    (state / "lock").mkdir()
    for command in (["explain", "KA-2026-0001"], ["once"]):
        result = mailbot(*command, "--state", str(state))
        assert result.returncode == ExitCode.STORE, result.stderr[-3000:]
        no_traceback(result)
        assert result.stderr.startswith(f"mailbot: {state / 'lock'} is a folder, where mailbot "
                                        "keeps a file")
    assert _waiting(inbox) == 1
    shown = mailbot("status", "--state", str(state))    # it reads without the lock
    assert shown.returncode == 0 and "No open alerts." in shown.stdout, shown.stderr[-3000:]


def test_a_lock_held_by_another_process_names_it_and_touches_nothing(tmp_path: Path) -> None:
    """issue 14 §3: a second mailbot on the folder is refused with the holder's PID."""
    state = tmp_path / "state"
    inbox = _store_with_a_form_waiting(state)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom mailbot.adapters.store import Store\n"
         "s = Store.open(sys.argv[1])\nprint('held', flush=True)\nsys.stdin.read()\n",
         str(state)], cwd=ROOT, env=environment(), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = mailbot("once", "--state", str(state))
    finally:
        holder.communicate(timeout=60)
    assert refused.returncode == ExitCode.STORE
    assert refused.stderr.strip() == (
        f"mailbot: {state} is in use by another mailbot process (PID {holder.pid}); stop it "
        "first, or point this one at another state folder")
    assert _waiting(inbox) == 1
    assert mailbot("once", "--state", str(state)).stdout == "handled 1 message(s)\n"


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_store_is_named_left_as_it_is_and_nothing_is_read(
        tmp_path: Path, damage: str) -> None:
    """issue 14 §3: a truncated or garbled db.json: exit 5, the file named and untouched,
    the inbox untouched; -v shows the traceback for a developer."""
    state = tmp_path / "state"
    inbox = _store_with_a_form_waiting(state)
    hot = state / "db.json"
    data = hot.read_bytes()
    hot.write_bytes(data[:len(data) // 2] if damage == "truncated" else b"\x00\xffnot json{")
    broken = hot.read_bytes()
    for command in (["status"], ["once"]):
        result = mailbot(*command, "--state", str(state))
        assert result.returncode == ExitCode.STORE, result.stderr[-3000:]
        no_traceback(result)
        [line] = result.stderr.splitlines()
        assert line.startswith(f"mailbot: {hot}: not valid JSON") and \
            "restore it from a backup" in line
    assert hot.read_bytes() == broken and _waiting(inbox) == 1
    verbose = mailbot("-v", "status", "--state", str(state))
    assert verbose.returncode == ExitCode.STORE
    assert "Traceback (most recent call last)" in verbose.stderr
    assert verbose.stderr.rstrip().splitlines()[-1].startswith(f"mailbot: {hot}: not valid JSON")


def test_check_config_into_a_reader_that_goes_away_ends_quietly(tmp_path: Path) -> None:
    """issue 14 §3: `check-config | head` gave a BrokenPipeError traceback. The reader
    here closes the pipe before a byte is read: the command stops quietly, 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)   # the reader is gone before the command writes
    proc = subprocess.run([sys.executable, "-m", "mailbot", "check-config"], cwd=ROOT,
                          stdout=write_end, stderr=subprocess.PIPE, env=environment(),
                          timeout=120)
    os.close(write_end)
    assert proc.returncode == ExitCode.OUTPUT_CLOSED
    assert proc.stderr == b"", proc.stderr.decode()[-2000:]
    piped = subprocess.run(f"{sys.executable} -m mailbot check-config | head -n 1", shell=True,
                           cwd=ROOT, capture_output=True, text=True, env=environment(),
                           timeout=120)
    assert piped.stdout.endswith("checks passed)\n") and piped.stderr == ""
