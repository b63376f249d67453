"""Commands that only read build nothing that reads or sends mail (issue 12).

`status`, `explain` and `report` read the store and routing.yaml; `health` reads the
heartbeat file; `check-config` reads routing.yaml. None of them reads or sends mail,
so none builds a mailbox or a sender: no mailbox library is imported, no secret is
resolved (a `cmd:` secret is not run, a password missing from the environment does
not matter) and no Maildir or outbox folder is made in the state folder. Each runs
as a real `python -m mailbot` process; which modules it loaded is printed by a probe
that runs the same `main` and then lists `sys.modules`. No timing is asserted:
`bench/startup.py` gives the times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.adapters.store import Store
from tests.ops.cli_support import FORM, ROOT, environment, mailbot, routing_yaml

# what reads or sends mail, and the workflow that handles it
MAIL_MODULES = ("mailbot.adapters.imap", "mailbot.adapters.smtp", "mailbot.adapters.microsoft.ews",
                "mailbot.adapters.microsoft.graph", "imapclient", "exchangelib", "httpx", "msal")
WORKFLOW = ("mailbot.service.service", "mailbot.core.on_message", "mailbot.core.intake.mail")
STORE = ("mailbot.adapters.store", "tinydb", "filelock")
PROBE = ("import json, sys\nfrom mailbot.cli import main\ncode = main(sys.argv[2:])\n"
         "print(json.dumps(sorted(m for m in sys.modules if m.startswith(tuple(sys.argv[1].split(\n"
         "    ',')))) + [code]), file=sys.stderr)\n")
ADDRESS = "safeguardingunitalerts@kent.test"


def loaded(argv: list[str], watch: tuple[str, ...],
           env: dict[str, str] | None = None) -> tuple[list[str], int, str]:
    """The modules under `watch` that `mailbot ARGV` imported, its exit code and stdout."""
    done = subprocess.run([sys.executable, "-c", PROBE, ",".join(watch), *argv], cwd=ROOT,
                          env=environment(env), capture_output=True, text=True, timeout=120)
    *found, code = json.loads(done.stderr.strip().splitlines()[-1])
    return found, code, done.stdout


def mail_configs(folder: Path, marker: Path) -> dict[str, Path]:
    """routing.yaml with IMAP in and SMTP out, and with Exchange (EWS) and Microsoft 365
    (Graph); every password from a variable that is not set, or from a command that
    leaves `marker` behind when it runs."""
    helper = folder / "secret-helper"
    helper.write_text(f"#!/bin/sh\ntouch {marker}\necho a-token\n")
    helper.chmod(0o700)
    imap = {"backend": "imap", "address": ADDRESS, "host": "127.0.0.1", "port": 143,
            "username": "unit", "password": "env:MAILBOT_UNSET_PASSWORD", "security": "none"}
    graph = {"backend": "graph", "tenant_id": "t", "client_id": "c",
             "client_secret": f"cmd:{helper}"}
    return {
        "imap": routing_yaml(folder / "imap", mailboxes={
            "unit": imap, "miu": {**imap, "address": "miu@kent.test", "username": "miu",
                                  "password": f"cmd:{helper}"}},
            sender={"backend": "smtp", "host": "127.0.0.1", "port": 25, "security": "none",
                    "username": "unit", "password": f"cmd:{helper}"}),
        "microsoft": routing_yaml(folder / "microsoft", mailboxes={
            "unit": {"backend": "ews", "address": ADDRESS, "auth": "basic", "username": "unit",
                     "service_endpoint": "https://mail.kent.test/EWS/Exchange.asmx",
                     "password": f"cmd:{helper}"},
            "miu": {**graph, "address": "miu@kent.test"}},
            sender={**graph, "address": ADDRESS}),
    }


@pytest.fixture(scope="module")
def one_alert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store holding one open alert, made by the bot from a real form (Maildir, file
    sender: the shipped routing.yaml)."""
    state = tmp_path_factory.mktemp("read-only") / "state"
    assert mailbot("once", "--init", "--state", str(state)).returncode == 0
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)
    assert mailbot("once", "--state", str(state)).stdout == "handled 1 message(s)\n"
    table = mailbot("status", "--state", str(state)).stdout
    return state, table.splitlines()[2].split()[0]


@pytest.mark.parametrize("backends", ["imap", "microsoft"])
@pytest.mark.parametrize("command", [["status"], ["explain", "{ref}"],
                                     ["report", "--from", "2020-01-01", "--to", "2030-12-31",
                                      "--out", "{out}"]])
def test_a_read_only_command_builds_no_mailbox_or_sender(
        tmp_path: Path, one_alert: tuple[Path, str], backends: str, command: list[str]) -> None:
    """Before: `mailbot status` on an IMAP/SMTP or Exchange/Microsoft 365 configuration
    imported imapclient, the SMTP, EWS and Graph adapters and the whole workflow, built
    each mailbox and the sender, and so stopped on a mailbox password it did not need
    (and ran each `cmd:` secret helper, which may fetch a token over the network)."""
    state, ref = one_alert
    marker = tmp_path / "secret-helper-ran"
    config = mail_configs(tmp_path, marker)[backends]
    argv = [a.format(ref=ref, out=tmp_path / "report") for a in command]
    found, code, out = loaded([*argv, "--state", str(state), "--config", str(config)],
                              MAIL_MODULES + WORKFLOW)
    assert code == 0, f"`mailbot {argv[0]}` exited {code} (a missing password?):\n{out}"
    assert found == [], f"`mailbot {argv[0]}` imported {found}, though it reads no mail"
    assert not marker.exists(), f"`mailbot {argv[0]}` ran a secret helper it does not need"
    if argv[0] != "report":
        assert ref in out, f"`mailbot {argv[0]}` did not show {ref}:\n{out}"


def test_status_makes_no_mail_folder_in_the_state_folder(tmp_path: Path) -> None:
    """Before: `status` built the Maildir mailboxes and the file sender, which made
    mail/unit, mail/miu (with their Processed, Rejected... folders) and outbox/ in a
    state folder that had none: a command that only reads wrote folders."""
    state = tmp_path / "state"
    Store.open(state).close()
    before = sorted(p.name for p in state.iterdir())
    _, code, out = loaded(["status", "--state", str(state)], MAIL_MODULES)
    assert (code, out.strip()) == (0, "No open alerts.")
    made = sorted(set(p.name for p in state.iterdir()) - set(before))
    assert "mail" not in made and "outbox" not in made, f"`mailbot status` made {made}"


@pytest.mark.parametrize("command,unwanted", [
    (["health", "--state", "{state}"], WORKFLOW + STORE + MAIL_MODULES),
    (["check-config", "{config}"], WORKFLOW + STORE + MAIL_MODULES + ("mailbot.service.bootstrap",)),
])
def test_health_and_check_config_load_neither_the_workflow_nor_the_store(
        tmp_path: Path, command: list[str], unwanted: tuple[str, ...]) -> None:
    """Before: `health` imported the workflow through the heartbeat's type hints, and
    `check-config` the composition root (and so the store) for its Exchange Online
    warnings."""
    config = mail_configs(tmp_path, tmp_path / "marker")["imap"]
    argv = [a.format(state=tmp_path / "state", config=config) for a in command]
    env = {"MAILBOT_UNSET_PASSWORD": "set-for-check-config"}
    found, code, _ = loaded(argv, unwanted, env)
    assert code in (0, 3), code   # health: 3, no bot has written a heartbeat here
    assert found == [], f"`mailbot {argv[0]}` imported {found}"
