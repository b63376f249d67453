"""The `mailbot` command on the embedded default: once, status, explain, run + SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.cli import main

ROOT = Path(__file__).resolve().parents[1]
FORM = (ROOT / "examples" / "forms" / "c8-child-in-care-missing.eml").read_bytes()


def test_once_status_and_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)
    assert main(["once", "--init", "--state", str(state)]) == 0
    assert "handled 1 message(s)" in capsys.readouterr().out
    sent = list((state / "outbox" / "new").iterdir())
    assert len(sent) >= 2, "the QA request and the receipt are in the file outbox"

    assert main(["status", "--state", str(state)]) == 0
    status = capsys.readouterr().out
    assert "KA-" in status and "Service Manager: quality assurance" in status and \
        "Sue Manager" in status and "sm_qa" not in status
    assert "Jordan" not in status and "J.E." in status, "status shows initials, not names"

    ref = next(w for w in status.split() if w.startswith("KA-"))
    assert main(["explain", ref, "--state", str(state)]) == 0
    explained = capsys.readouterr().out
    assert "raised" in explained and "R-CIC" in explained


def test_a_second_bot_on_the_same_state_folder_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mailbot.adapters.store import Store

    state = tmp_path / "state"
    with Store.open(state):
        assert main(["once", "--state", str(state)]) == 5, "issue 14 §1: a store problem is 5"
    assert "state" in capsys.readouterr().err


def test_run_handles_mail_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "run", "--init", "--state",
                             str(state), "--tick", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ})
    try:
        inbox = MaildirMailbox("unit", state / "mail" / "unit")
        inbox.deliver(FORM)
        outbox = state / "outbox" / "new"
        for _ in range(300):           # up to 30 s on a loaded machine; usually well under 1 s
            if outbox.is_dir() and len(list(outbox.iterdir())) >= 2:
                break
            time.sleep(0.1)
        assert len(list(outbox.iterdir())) >= 2
        assert list(inbox.fetch()) == [], "the form left the inbox"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    from mailbot.adapters.store import Store

    with Store.open(state) as store:                # the lock was released
        assert len(store.load().alerts) == 1


def test_check_config_warns_with_the_date_about_ews_pointed_at_exchange_online(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 §1: Exchange Online answers EWS only for allow-listed app IDs, and
    switches it off on 1 April 2027: check-config says so, and is still valid."""
    shipped = (Path(__file__).resolve().parents[1] / "routing.yaml").read_text()
    ews = ('  unit: {backend: ews, address: safeguardingunitalerts@kent.test, service_endpoint: '
           '"https://outlook.office365.com/EWS/Exchange.asmx", auth: oauth, client_id: app-1, '
           'client_secret: "env:EWS_SECRET", tenant_id: kent}')
    line = "  unit: {backend: maildir, address: safeguardingunitalerts@kent.test, path: mail/unit}"
    assert line in shipped
    config = tmp_path / "routing.yaml"
    config.write_text(shipped.replace(line, ews))
    monkeypatch.setenv("EWS_SECRET", "not-a-secret")
    assert main(["check-config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "warning  mailboxes.unit: EWS to Exchange Online" in out
    assert "EwsAllowedAppIDs" in out and "1 April 2027" in out and "backend: graph" in out
    assert main(["check-config"]) == 0
    assert "EWS to Exchange Online" not in capsys.readouterr().out, "the shipped Maildir: no warning"


def test_a_short_read_runs_without_the_cyclic_collector_and_puts_it_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: `status`, `explain` and `report` read, print and end, so no cyclic
    collection walks what they hold meanwhile; `once` and `run` keep the collector (what
    they let go is the mail they read). After each, it is as it was: on, here."""
    import gc

    from mailbot import cli

    state = tmp_path / "state"
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)
    during: dict[str, bool] = {}
    for name in ("status", "explain", "once"):
        real = cli.COMMANDS[name]

        def probe(args: object, name: str = name, real: object = real) -> int:
            during[name] = gc.isenabled()
            return int(real(args) or 0)  # type: ignore[operator]
        monkeypatch.setitem(cli.COMMANDS, name, probe)
    assert gc.isenabled()
    assert main(["once", "--init", "--state", str(state)]) == 0
    assert main(["status", "--state", str(state)]) == 0
    ref = next(w for w in capsys.readouterr().out.split() if w.startswith("KA-"))
    assert main(["explain", ref, "--state", str(state)]) == 0
    assert during == {"once": True, "status": False, "explain": False}
    assert gc.isenabled(), "put back after the command"


def test_status_answers_while_run_runs_with_what_it_last_committed(tmp_path: Path) -> None:
    """`run` holds the state folder's lock as long as it runs; `status` was refused
    (exit 5) all that time, the `docker exec ... mailbot status` of docs/operations.md
    included. It reads the last commit without the lock and writes nothing."""
    state = tmp_path / "state"
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "run", "--init", "--state",
                             str(state), "--tick", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ})
    try:
        MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)
        outbox = state / "outbox" / "new"
        for _ in range(300):           # up to 30 s on a loaded machine; usually well under 1 s
            if outbox.is_dir() and len(list(outbox.iterdir())) >= 2:
                break
            time.sleep(0.1)
        shown = subprocess.run([sys.executable, "-m", "mailbot", "status", "--state",
                                str(state)], cwd=ROOT, capture_output=True, text=True,
                               timeout=60, check=False)
        assert shown.returncode == 0, shown.stderr[-2000:]
        assert "KA-" in shown.stdout and "J.E." in shown.stdout and "Jordan" not in shown.stdout
        assert proc.poll() is None, "the bot runs on"
        explained = subprocess.run([sys.executable, "-m", "mailbot", "explain", "KA-2026-0001",
                                    "--state", str(state)], cwd=ROOT, capture_output=True,
                                   text=True, timeout=60, check=False)
        assert explained.returncode == 5 and "in use by another mailbot" in explained.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
