"""Configuration checked completely up front, and no store started by a typo (issue 14 §2).

`check-config`, `run` and `once` refuse exactly what `once` would fail on, naming the
file and the key; a state folder without a store is an error for every command but
`run`/`once --init`. All through the real command, on real files and folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailbot.errors import ExitCode
from tests.ops.cli_support import mailbot, no_traceback, routing_yaml

IMAP = {"backend": "imap", "address": "safeguardingunitalerts@kent.test", "host": "127.0.0.1",
        "port": 143, "username": "unit", "password": "env:OPS_IMAP_PASSWORD", "security": "none"}
EWS = {"backend": "ews", "address": "safeguardingunitalerts@kent.test",
       "service_endpoint": "https://mail.kent.test/EWS/Exchange.asmx", "auth": "basic",
       "username": "unit", "password": "env:OPS_IMAP_PASSWORD"}
GRAPH = {"backend": "graph", "address": "safeguardingunitalerts@kent.test", "tenant_id": "t",
         "client_id": "c", "client_secret": "env:OPS_IMAP_PASSWORD"}
SMTP = {"backend": "smtp", "host": "127.0.0.1", "port": 25, "security": "none"}
SECRET = {"OPS_IMAP_PASSWORD": "correct-horse-battery"}


def _refusals(config: Path, tmp_path: Path, env: dict[str, str] | None = None
              ) -> dict[str, Any]:
    """What check-config, once and run say of one file: each command's code and stderr."""
    state = tmp_path / "state"
    said = {"check-config": mailbot("check-config", str(config), env=env),
            "once": mailbot("once", "--init", "--config", str(config), "--state", str(state),
                            env=env),
            "run": mailbot("run", "--init", "--config", str(config), "--state", str(state),
                           "--tick", "1", env=env)}
    assert not state.exists(), "a refused configuration touched the state folder"
    for result in said.values():
        no_traceback(result)
    return said


def test_a_misspelt_time_zone_and_backend_are_refused_by_all_three_naming_file_and_key(
        tmp_path: Path) -> None:
    """issue 14 §2: check-config called `Europe/Londn` and `imapp` valid; once then died
    with a traceback. Now all three refuse the file, with every problem, at once."""
    config = routing_yaml(tmp_path, organisation={"timezone": "Europe/Londn"},
                          mailboxes={"unit": {**IMAP, "backend": "imapp"}})
    for command, result in _refusals(config, tmp_path, SECRET).items():
        assert result.returncode == ExitCode.CONFIG, (command, result.stderr[-2000:])
        assert f"{config}: organisation.timezone: 'Europe/Londn' is not a time zone" \
            in result.stderr, command
        assert f"{config}: mailboxes.unit.backend: unknown backend 'imapp'" in result.stderr
        assert "[check: the time zone is known]" in result.stderr


@pytest.mark.parametrize(("entry", "key"), [
    ({"mailboxes": {"unit": {k: v for k, v in IMAP.items() if k != "host"}}},
     "mailboxes.unit.host: is missing"),
    ({"mailboxes": {"unit": {**IMAP, "port": "one-four-three"}}},
     "mailboxes.unit.port: 'one-four-three' is not a port number"),
    ({"mailboxes": {"unit": {k: v for k, v in IMAP.items() if k != "password"}}},
     "mailboxes.unit: give password or oauth_token"),
    ({"mailboxes": {"unit": {**IMAP, "timeout": "30s"}}},
     "mailboxes.unit.timeout: '30s' is not a number of seconds"),
    ({"mailboxes": {"unit": {k: v for k, v in EWS.items() if k != "service_endpoint"}}},
     "mailboxes.unit.service_endpoint: is missing"),
    ({"mailboxes": {"unit": {k: v for k, v in EWS.items() if k != "password"}}},
     "mailboxes.unit: auth basic needs username and password"),
    ({"mailboxes": {"unit": {k: v for k, v in GRAPH.items() if k != "client_secret"}}},
     "mailboxes.unit: give client_secret, or certificate"),
    ({"mailboxes": {"unit": {"backend": "maildir", "pth": "mail/unit"}}},
     "mailboxes.unit.pth: is not a known key for backend maildir"),
    ({"sender": {k: v for k, v in SMTP.items() if k != "port"}}, "sender.port: is missing"),
    ({"sender": {**SMTP, "sent_copy": {"host": "127.0.0.1", "port": 143, "username": "u",
                                       "password": "env:OPS_IMAP_PASSWORD"}}},
     "sender.sent_copy.address: is missing"),
    ({"sender": {**SMTP, "resend_grace": "soon"}}, "sender.resend_grace:"),
    ({"mailboxes": {"unit": {**IMAP, "rejected": "Processed"}}},
     "mailboxes.unit.rejected: 'Processed' is also mailboxes.unit.processed"),
    ({"mailboxes": {"unit": {**EWS, "folders": {"processed": ""}}}},
     "mailboxes.unit.folders.processed: '' is not a folder name"),
    ({"mailboxes": {"unit": {**IMAP, "password": "correct-horse-battery"}}},
     "mailboxes.unit.password: give where the secret lives"),
])
def test_each_backend_setting_once_would_fail_on_is_refused_by_name(
        tmp_path: Path, entry: dict[str, Any], key: str) -> None:
    """issue 14 §2: every adapter's settings (IMAP, EWS, Graph, Maildir, SMTP and its sent
    copy), folder names and secrets written in: refused by check-config, naming the key."""
    config = routing_yaml(tmp_path, **entry)
    result = mailbot("check-config", str(config), env=SECRET)
    assert result.returncode == ExitCode.CONFIG, result.stdout[-500:]
    assert f"{config}: {key}" in result.stderr
    assert "correct-horse-battery" not in result.stderr + result.stdout
    no_traceback(result)


def test_each_secret_reference_must_resolve_and_is_never_printed(tmp_path: Path) -> None:
    """issue 14 §2: an unset variable, an unreadable file and a command not found are
    refused by name before any connection; the secrets that did resolve are not shown."""
    config = routing_yaml(tmp_path, mailboxes={
        "unit": IMAP,
        "miu": {**IMAP, "address": "miu@kent.test", "password": "env:OPS_NOT_SET"}},
        sender={**SMTP, "username": "bot", "password": f"file:{tmp_path / 'no-such-file'}",
                "oauth_token": "cmd:/nonexistent/token-helper --print"})
    for command, result in _refusals(config, tmp_path, SECRET).items():
        assert result.returncode == ExitCode.CONFIG, (command, result.stderr[-2000:])
        err = result.stderr
        assert ("mailboxes.miu.password: 'env:OPS_NOT_SET': environment variable OPS_NOT_SET "
                "is not set or empty [check: secrets resolve]") in err, command
        assert f"sender.password: 'file:{tmp_path / 'no-such-file'}': cannot read" in err
        assert "sender.oauth_token: 'cmd:/nonexistent/token-helper --print': command " \
               "'/nonexistent/token-helper' not found" in err
        assert "correct-horse-battery" not in err + result.stdout, "a secret was printed"


def test_a_configuration_that_once_accepts_passes_check_config(tmp_path: Path) -> None:
    """issue 14 §2: the checks refuse nothing `once` would do: IMAP, SMTP with its sent
    copy, secrets from the environment and a file, every optional key given."""
    secret_file = tmp_path / "smtp-secret"
    secret_file.write_text("from-a-file\n")
    config = routing_yaml(tmp_path, mailboxes={
        "unit": {**IMAP, "folder": "INBOX", "processed": "Processed", "rejected": "Rejected",
                 "needs_attention": "Needs-Attention", "idle": True, "rescan_every": 300,
                 "timeout": 30, "use_move": False, "batch_size": 25, "idle_renew": 600.0},
        "miu": {"backend": "maildir", "address": "miu@kent.test", "path": "mail/miu"}},
        sender={**SMTP, "username": "bot", "password": f"file:{secret_file}",
                "resend_grace": "2m", "envelope_from": "safeguardingunitalerts@kent.test",
                "sent_copy": {"address": "safeguardingunitalerts+Sent@kent.test",
                              "host": "127.0.0.1", "port": 143, "username": "unit",
                              "password": "env:OPS_IMAP_PASSWORD", "security": "none",
                              "folders": ["Sent"]}})
    result = mailbot("check-config", str(config), env=SECRET)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ok  secrets resolve" in result.stdout
    assert "from-a-file" not in result.stdout and "correct-horse" not in result.stdout


@pytest.mark.parametrize("command", [
    ["status"], ["explain", "KA-2026-0001"], ["digest", "--preview"], ["register", "list"],
    ["once"], ["run", "--tick", "1"]])
def test_a_state_folder_that_does_not_exist_is_an_error_and_is_not_made(
        tmp_path: Path, command: list[str]) -> None:
    """issue 14 §2: `status --state` with a mistyped folder made an empty store and said
    "No open alerts"; now every command refuses it (exit 5) and says how a first run
    creates one."""
    typo = tmp_path / "stat"
    result = mailbot(*command, "--state", str(typo))
    assert result.returncode == ExitCode.STORE, result.stderr[-2000:]
    assert f"mailbot: {typo}: no mailbot store here (no such folder)" in result.stderr
    assert "mailbot once --init" in result.stderr and result.stdout == ""
    assert not typo.exists(), "the mistyped folder was created"
    no_traceback(result)


def test_a_folder_holding_no_store_is_not_taken_for_one(tmp_path: Path) -> None:
    """issue 14 §2: `--state` at an existing folder that holds no store (say, the home
    folder) is refused too, and nothing is written into it."""
    elsewhere = tmp_path / "documents"
    elsewhere.mkdir()
    (elsewhere / "letter.txt").write_text("not a store")
    for command in (["status"], ["once"]):
        result = mailbot(*command, "--state", str(elsewhere))
        assert result.returncode == ExitCode.STORE
        assert "no mailbot store here (db.json is missing)" in result.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["letter.txt"]


def test_once_init_creates_the_store_and_then_every_command_finds_it(tmp_path: Path) -> None:
    """issue 14 §2: the first run says --init; afterwards the plain commands work."""
    state = tmp_path / "state"
    first = mailbot("once", "--init", "--state", str(state))
    assert (first.returncode, first.stdout) == (0, "handled 0 message(s)\n"), first.stderr
    assert (state / "db.json").is_file()
    assert mailbot("once", "--state", str(state)).returncode == 0
    status = mailbot("status", "--state", str(state))
    assert (status.returncode, status.stdout.strip()) == (0, "No open alerts.")
    assert mailbot("register", "list", "--state", str(state)).stdout.strip() == "No entries."


def test_the_table_of_backend_settings_is_the_adapters_own() -> None:
    """issue 14 §2: the core's table of each backend's keys (what check-config accepts)
    is what the adapters take, so a key added to an adapter cannot be refused, nor a
    key it dropped accepted."""
    import inspect

    from mailbot.adapters.imap.mailbox import ImapMailbox
    from mailbot.adapters.imap.sent_copy import ImapSentCopyChecker
    from mailbot.adapters.microsoft.ews_connection import connection_settings
    from mailbot.adapters.microsoft.graph_client import client_settings
    from mailbot.adapters.smtp import SmtpSender
    from mailbot.core.config.checks.mail import MAILBOX_BACKENDS, SENDER_BACKENDS, SENT_COPY_LOGIN
    from mailbot.service.bootstrap import MAILBOXES, SENDERS

    def taken(cls: type, *not_settings: str) -> set[str]:
        return set(inspect.signature(cls).parameters) - {"name", "ssl_context", "clock",
                                                          "sleep", *not_settings}

    assert set(MAILBOX_BACKENDS) == set(MAILBOXES) and set(SENDER_BACKENDS) == set(SENDERS)
    assert set(MAILBOX_BACKENDS["imap"].keys) == taken(ImapMailbox) | {"address"}
    assert set(SENDER_BACKENDS["smtp"].keys) == taken(SmtpSender) | {"address", "resend_grace"}
    assert set(SENT_COPY_LOGIN.keys) == taken(ImapSentCopyChecker) | {"address"}
    for parse, backend in ((connection_settings, "ews"), (client_settings, "graph")):
        keys = MAILBOX_BACKENDS[backend].keys
        every = {k: "x" for k in keys if k not in ("certificate", "thumbprint")}
        every |= {"backend": backend, **{k: "env:OPS_IMAP_PASSWORD" for k in
                                         ("client_secret", "password") if k in keys}}
        with pytest.MonkeyPatch.context() as env:
            env.setenv("OPS_IMAP_PASSWORD", "x")
            parse("mailboxes.unit", every, extra=("folders",))   # no key refused
            parse("sender", {k: v for k, v in every.items() if k != "folders"})
        assert set(SENDER_BACKENDS[backend].keys) == set(keys) - {"folders"} | {"resend_grace"}
