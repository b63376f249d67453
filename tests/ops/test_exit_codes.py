"""Exit codes a scheduler can act on, and `run` saying what it watches (issue 14 §1).

Each test runs the real command (`python -m mailbot`) on a real state folder and
Maildir; "unreachable" is a real closed loopback port.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.adapters.store import Store
from mailbot.errors import EXIT_MEANINGS, ExitCode
from mailbot.service.pass_report import once_outcome
from tests.ops.cli_support import (
    FORM,
    ROOT,
    closed_port,
    environment,
    mailbot,
    no_traceback,
    routing_yaml,
)
from tests.ops.support import Bot, config, smtp_down

MAILDIR = {"backend": "maildir", "address": "safeguardingunitalerts@kent.test",
           "path": "mail/unit"}


def test_the_exit_codes_are_named_once_and_documented_in_help_and_operations() -> None:
    """issue 14 §1: 0 ok, 2 config, 3 mailbox, 4 sender, 5 store, 1 other, one table;
    `mailbot --help` and docs/operations.md give each."""
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0, "OTHER": 1, "CONFIG": 2, "MAILBOX_UNREACHABLE": 3, "SENDER_UNREACHABLE": 4,
        "STORE": 5, "OUTPUT_CLOSED": 141}
    assert {c for c, _ in EXIT_MEANINGS} == set(ExitCode)
    helped = mailbot("--help")
    assert helped.returncode == 0
    section = (ROOT / "docs" / "operations.md").read_text().split("## Exit codes", 1)[1]
    section = section.split("\n## ", 1)[0]
    for code, meaning in EXIT_MEANINGS:
        assert f"  {int(code)}  {meaning.split()[0]}" in helped.stdout, code
        assert re.search(rf"^\| {int(code)} \|", section, re.M), f"docs lack code {int(code)}"


def test_once_with_its_imap_mailbox_unreachable_does_the_rest_then_exits_3(
        tmp_path: Path) -> None:
    """issue 14 §1: the unit's Maildir is read and its form handled, the clock runs, and
    then `once` exits 3 naming the IMAP mailbox it could not reach (it exited 0)."""
    state = tmp_path / "state"
    port = closed_port()
    config = routing_yaml(tmp_path, mailboxes={
        "unit": MAILDIR,
        "miu": {"backend": "imap", "address": "miu@kent.test", "host": "127.0.0.1",
                "port": port, "username": "miu@kent.test", "password": "env:OPS_MIU_PASSWORD",
                "security": "none", "timeout": 5}})
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)

    # an installed bot (a first start cannot tell whether the unreachable mailbox
    # holds mail handled before, and so refuses: tests/ops/test_fresh_start.py)
    Store.open(state).close()
    result = mailbot("once", "--init", "--config", str(config), "--state", str(state),
                     env={"OPS_MIU_PASSWORD": "not-a-real-one"})

    assert result.returncode == ExitCode.MAILBOX_UNREACHABLE, result.stderr[-2000:]
    assert "handled 1 message(s)" in result.stdout, "the other mailbox was still read"
    [line] = [t for t in result.stderr.splitlines() if t.startswith("mailbot: mailbox")]
    assert "mailbox miu could not be read" in line and f"127.0.0.1:{port}" in line
    assert "not-a-real-one" not in result.stderr
    assert len(list((state / "outbox" / "new").iterdir())) >= 2, "its mail was sent"
    no_traceback(result)


def test_once_with_the_smtp_sender_unreachable_keeps_the_mail_and_exits_4(
        tmp_path: Path) -> None:
    """issue 14 §1: the form is handled and committed, its mail waits in the outbox
    (nothing lost), and `once` exits 4; the next run, still unable, exits 4 again."""
    state = tmp_path / "state"
    port = closed_port()
    config = routing_yaml(tmp_path, mailboxes={"unit": MAILDIR}, sender={
        "backend": "smtp", "host": "127.0.0.1", "port": port, "security": "none",
        "timeout": 5})
    inbox = MaildirMailbox("unit", state / "mail" / "unit")
    inbox.deliver(FORM)

    first = mailbot("once", "--init", "--config", str(config), "--state", str(state))
    again = mailbot("once", "--config", str(config), "--state", str(state))

    assert first.returncode == ExitCode.SENDER_UNREACHABLE, first.stderr[-2000:]
    assert "handled 1 message(s)" in first.stdout
    assert f"127.0.0.1:{port}" in first.stderr and "wait in the outbox" in first.stderr
    assert again.returncode == ExitCode.SENDER_UNREACHABLE, again.stderr[-2000:]
    assert list(inbox.fetch()) == [], "the form was handled (moved to Processed)"
    with Store.open(state, create=False) as store:
        waiting = store.pending_outbox()
    assert len(waiting) >= 2, "the form's mail waits in the outbox"
    assert any(e.attempts >= 1 and f"127.0.0.1:{port}" in e.last_error for e in waiting)
    assert "approval_request" in {e.purpose for e in waiting}, "the QA request waits"
    no_traceback(first)


def test_once_with_everything_well_exits_0(tmp_path: Path) -> None:
    """issue 14 §1: 0 means done and nothing wrong (the shipped Maildir + file sender)."""
    state = tmp_path / "state"
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)
    result = mailbot("once", "--init", "--state", str(state))
    assert (result.returncode, result.stderr) == (0, ""), result.stderr[-2000:]


def test_explain_of_an_unknown_reference_exits_non_zero_with_a_plain_message(
        tmp_path: Path) -> None:
    """issue 14 §1: `explain KA-2026-9999` said "No alert" and exited 0."""
    state = tmp_path / "state"
    assert mailbot("once", "--init", "--state", str(state)).returncode == 0
    result = mailbot("explain", "ka-2026-9999", "--state", str(state))
    assert result.returncode == ExitCode.OTHER
    assert result.stdout == ""
    assert result.stderr.strip() == (f"mailbot: no alert KA-2026-9999 in {state}, open or "
                                     "closed (`mailbot status` lists the open ones)")


def _stderr_until(proc: subprocess.Popen[bytes], wanted: str, within: float = 90) -> str:
    """stderr until it holds a whole line with `wanted` (or the process ends, or `within`
    seconds pass), read unbuffered so that select() sees every byte."""
    assert proc.stderr is not None
    seen, ends = b"", time.monotonic() + within
    while time.monotonic() < ends and proc.poll() is None:
        text = seen.decode(errors="replace")
        if re.search(rf"{re.escape(wanted)}[^\n]*\n", text):   # its whole line is in
            break
        ready, _, _ = select.select([proc.stderr], [], [], 1.0)
        if ready:
            seen += os.read(proc.stderr.fileno(), 65536)
    return seen.decode(errors="replace")


def test_run_says_at_start_what_it_watches_even_without_v(tmp_path: Path) -> None:
    """issue 14 §1: `run` printed nothing at start, even with -v. Now one line on stderr
    (each mailbox with backend and folder, the sender, the state folder, the tick), and
    with -v each at INFO."""
    state = tmp_path / "state"
    for verbose in ([], ["-v"]):
        proc = subprocess.Popen([sys.executable, "-m", "mailbot", *verbose, "run", "--init",
                                 "--state", str(state), "--tick", "7"], cwd=ROOT, bufsize=0,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=environment())
        try:
            seen = _stderr_until(proc, "mailbot run:")
        finally:
            proc.send_signal(signal.SIGTERM)
            _, rest = proc.communicate(timeout=60)
        assert proc.returncode == 0, rest.decode()[-2000:]
        [banner] = [line for line in seen.splitlines() if line.startswith("mailbot run:")]
        assert f"mailbox unit: maildir {state / 'mail' / 'unit'}" in banner
        assert f"mailbox miu: maildir {state / 'mail' / 'miu'}" in banner
        assert f"sender: file {state / 'outbox'}" in banner
        assert f"state folder: {state.resolve()}" in banner and "clock tick: every 7 s" in banner
        if verbose:
            assert re.search(r"INFO (mailbot )?watching mailbox unit: maildir", seen), seen


def test_mail_waiting_out_its_pause_is_not_said_to_be_refused_again(tmp_path: Path) -> None:
    """A run within the pause after a failed send does not try that mail; it said "the
    sender did not take the mail (Connection refused)" all the same, also with the mail
    server back (found with a real Postfix: tests/mailstack/test_outage.py). It says the
    mail was not tried in this run, and when it will be."""
    bot = Bot(tmp_path / "state", config(lambda d: d.update(sender=smtp_down(closed_port()))),
              at=datetime.now(UTC))
    try:
        bot.service.mailboxes["unit"].deliver(FORM)  # type: ignore[attr-defined]
        bot.once_at(timedelta(0))
        code, [line] = once_outcome(bot.service)
        assert code == ExitCode.SENDER_UNREACHABLE
        assert line.startswith("the sender did not take the mail (SMTP 127.0.0.1:")
        for _ in range(10):     # each waiting message tried once (one failure a pass)
            if all(e.attempts for e in bot.store.pending_outbox()):
                break
            bot.once_at(timedelta(seconds=1))
        bot.once_at(timedelta(seconds=1))
        code, [line] = once_outcome(bot.service)
        assert code == ExitCode.SENDER_UNREACHABLE
        first = min(e.retry_at for e in bot.store.pending_outbox() if e.retry_at)
        assert line == (
            f"{len(bot.store.pending_outbox())} message(s) wait in the outbox, not tried in "
            f"this run: the last try failed ({bot.store.pending_outbox()[0].last_error}); they "
            f"are tried again at the first run after {first:%Y-%m-%d %H:%M:%S} UTC: nothing "
            "is lost"), line
        assert "Connection refused" in line
    finally:
        bot.close()
