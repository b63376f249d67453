"""Issue 14 §1: `mailbot health` tells a monitor in one line whether every mailbox was
read and the clock fired within the last N minutes, and whether mail is stuck; its exit
status says which (0 ok, 3 stale, 4 outbox stuck). It reads the heartbeat file that
`once` and `run` write, atomically, outside the store (no lock needed)."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.cli import main
from mailbot.service.bootstrap import bootstrap
from mailbot.service.health import HEALTHY, OUTBOX_STUCK, STALE, evaluate
from mailbot.service.heartbeat import FILE, Beat, MailboxBeat, read_beat, write_beat
from tests.ops.support import (
    PASSWORD_ENV,
    START,
    Bot,
    closed_port,
    config,
    config_file,
    imap_down,
    smtp_down,
)

WITHIN = timedelta(minutes=10)
MAILBOXES = ("unit", "miu")


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-used: nothing listens")


def _health(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["health", *args])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, f"one line for the monitor, not {out}"
    return status, out[0]


def test_after_a_good_once_health_is_ok_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    assert main(["once", "--init", "--state", str(state)]) == 0
    status, line = _health(capsys, "--state", str(state))
    assert (status, line) == (
        HEALTHY, "ok: 2 mailboxes read, clock fired, outbox empty, within 10 min")


def test_an_unreachable_imap_mailbox_makes_health_fail_with_exit_3_and_the_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config_file(tmp_path, lambda d: d["mailboxes"].update(miu=imap_down(closed_port())))
    state = tmp_path / "state"
    # an installed bot (a first start cannot tell whether the unreachable mailbox
    # holds mail handled before, and so refuses: tests/ops/test_fresh_start.py)
    Store.open(state).close()
    main(["once", "--init", "--config", str(path), "--state", str(state)])
    status, line = _health(capsys, "--config", str(path), "--state", str(state))
    assert status == STALE
    assert line.startswith("FAIL: mailbox 'miu' never read (last error: cannot connect to "
                           "IMAP 127.0.0.1:"), line
    assert "Connection refused" in line and "'unit'" not in line


def test_health_reads_the_heartbeat_while_the_bot_holds_the_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bot = Bot(tmp_path / "state", config(), at=datetime.now(UTC))
    try:
        bot.service.once()
        status, line = _health(capsys, "--state", str(bot.state))
        assert status == HEALTHY, line
    finally:
        bot.close()


def test_a_missing_or_broken_heartbeat_is_a_failure_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    state.mkdir()
    status, line = _health(capsys, "--state", str(state))
    assert status == STALE and line.startswith("FAIL: no heartbeat in ") and FILE in line
    (state / FILE).write_text('{"mailboxes": {"unit": {"last_read": "yesterday"}}}')
    status, line = _health(capsys, "--state", str(state))
    assert status == STALE and line.startswith("FAIL: ") and "is not a heartbeat file" in line


def _beat(**changes: object) -> Beat:
    fresh = START - timedelta(minutes=1)
    beat = Beat(written_at=fresh, clock_fired=fresh,
                mailboxes={m: MailboxBeat(last_read=fresh) for m in MAILBOXES})
    for key, value in changes.items():
        setattr(beat, key, value)
    return beat


def test_a_mailbox_read_too_long_ago_fails_with_its_age_and_last_error() -> None:
    beat = _beat()
    beat.mailboxes["miu"] = MailboxBeat(last_read=START - timedelta(minutes=47),
                                        failing_since=START - timedelta(minutes=46),
                                        last_error="connection refused")
    verdict = evaluate(beat, MAILBOXES, START, WITHIN)
    assert verdict.status == STALE
    assert verdict.line == ("FAIL: mailbox 'miu' not read for 47 min (last error: connection "
                            "refused) (within 10 min)")


def test_the_clock_not_firing_is_stale_and_beats_a_stuck_outbox_for_the_exit_status() -> None:
    beat = _beat(clock_fired=START - timedelta(minutes=15))
    assert evaluate(beat, MAILBOXES, START, WITHIN).line == \
        "FAIL: the clock has not fired for 15 min (within 10 min)"
    beat = _beat(clock_fired=START - timedelta(minutes=15), unsent=2,
                 oldest_unsent=START - timedelta(hours=2), outbox_error="SMTP down")
    verdict = evaluate(beat, MAILBOXES, START, WITHIN)
    assert verdict.status == STALE
    assert "2 message(s) unsent in the outbox, the oldest for 2 hours (last error: SMTP down)" \
        in verdict.line


def test_mail_stuck_in_the_outbox_fails_with_exit_4() -> None:
    beat = _beat(unsent=3, oldest_unsent=START - timedelta(minutes=25))
    verdict = evaluate(beat, MAILBOXES, START, WITHIN)
    assert (verdict.status, verdict.line) == (
        OUTBOX_STUCK, "FAIL: 3 message(s) unsent in the outbox, the oldest for 25 min "
                      "(within 10 min)")
    fresh = _beat(unsent=3, oldest_unsent=START - timedelta(minutes=2))
    assert evaluate(fresh, MAILBOXES, START, WITHIN).line == \
        "ok: 2 mailboxes read, clock fired, outbox 3 unsent, none stuck, within 10 min"


def test_a_configured_mailbox_the_heartbeat_never_saw_is_never_read() -> None:
    beat = _beat()
    del beat.mailboxes["miu"]
    assert evaluate(beat, MAILBOXES, START, WITHIN).line == \
        "FAIL: mailbox 'miu' never read (within 10 min)"


def test_within_defaults_to_routing_yaml_and_the_command_line_overrides_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config_file(tmp_path, lambda d: d["operations"].update(health_within="2h"))
    state = tmp_path / "state"
    state.mkdir()
    now = datetime.now(UTC)
    write_beat(state, _beat(clock_fired=now - timedelta(minutes=30), mailboxes={
        m: MailboxBeat(last_read=now - timedelta(minutes=30)) for m in MAILBOXES}))
    assert _health(capsys, "--config", str(path), "--state", str(state))[0] == HEALTHY
    status, line = _health(capsys, "--config", str(path), "--state", str(state),
                           "--within", "10")
    assert status == STALE and "not read for 30 min" in line


def test_the_stuck_outbox_seen_by_health_after_a_real_pass_with_the_sender_down(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The SMTP sender on a closed port: once's mail waits; 11 minutes on (injected
    clock) health says the outbox is stuck, exit 4."""
    state = tmp_path / "state"
    bot = Bot(state, config(lambda d: d.update(sender=smtp_down(closed_port()))),
              at=datetime.now(UTC) - timedelta(minutes=11))
    try:
        form = Path(__file__).resolve().parents[2] / "examples/forms/c8-child-in-care-missing.eml"
        bot.service.mailboxes["unit"].deliver(form.read_bytes())  # type: ignore[attr-defined]
        bot.service.once()
        for mailbox in ("unit", "miu"):     # the mailboxes and the clock are fresh
            bot.service.watch.read(mailbox, datetime.now(UTC))  # type: ignore[union-attr]
        bot.service.watch.ticked(datetime.now(UTC))  # type: ignore[union-attr]
        bot.clock.t = datetime.now(UTC)
        bot.service.watch.pass_done(bot.service)  # type: ignore[union-attr]
        status, line = _health(capsys, "--state", str(state))
        assert status == OUTBOX_STUCK, line
        assert "unsent in the outbox, the oldest for 11 min" in line
        assert "Connection refused" in line
    finally:
        bot.close()


def test_the_heartbeat_is_written_whole_and_private(tmp_path: Path) -> None:
    """A reader racing the writer sees the old file or the new, never half of one; the
    file is 0600 like the store's, and no temporary file is left behind."""
    state = tmp_path / "state"
    state.mkdir()
    write_beat(state, _beat())
    stop = threading.Event()
    seen: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                beat = read_beat(state)
            except Exception as exc:   # any failure is the finding
                seen.append(repr(exc))
                return
            assert beat is not None
            time.sleep(0)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(200):
            write_beat(state, _beat(unsent=i, mailboxes={
                f"box{j}": MailboxBeat(last_read=START, last_error="x" * 200) for j in range(20)}))
    finally:
        stop.set()
        thread.join()
    assert seen == [], f"a reader saw a half-written heartbeat: {seen[:1]}"
    assert stat.S_IMODE(os.stat(state / FILE).st_mode) == 0o600
    assert sorted(p.name for p in state.iterdir()) == [FILE]
    assert json.loads((state / FILE).read_text())["outbox"]["unsent"] == 199


def test_run_writes_the_heartbeat_as_it_watches_and_health_says_ok(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`run` (the real loop, the real clock) refreshes the heartbeat every pass."""
    state = tmp_path / "state"
    service = bootstrap(None, state)
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,),
                              kwargs={"tick_every": 1, "idle_slice": 0.05})
    thread.start()
    try:
        for _ in range(400):    # wait for the first pass (a bound, not a timing assert)
            if (state / FILE).exists():
                break
            time.sleep(0.05)
        beat = read_beat(state)
        assert beat is not None and sorted(beat.mailboxes) == ["miu", "unit"]
        assert beat.clock_fired is not None
        status, line = _health(capsys, "--state", str(state))
        assert status == HEALTHY, line
    finally:
        stop.set()
        thread.join()
        service.store.close()
