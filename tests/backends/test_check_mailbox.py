"""`mailbot check-mailbox unit`, through `mailbot.cli.main`, on every backend: it connects
with the settings exactly as routing.yaml gives them, reports what is there, and
changes nothing (no folder made, nothing moved, nothing sent, no cursor saved).

The outputs pasted in docs/imap-smtp.md, docs/exchange.md and docs/microsoft-365.md
come from these set-ups.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mailbot.cli import main
from tests.backends.configs import ADDRESS, ews_account, graph_account, routing_yaml
from tests.exchange.fake_entra import FakeEntra
from tests.exchange.fake_ews import FakeEws
from tests.exchange.fake_graph import FakeGraph
from tests.mailstack.conftest import mailstack  # noqa: F401  (the real stack)
from tests.support.mailstack import PASSWORD, MailStack

WAITING = (f"From: Kim Lead <kim.lead@kent.test>\r\nTo: {ADDRESS}\r\nSubject: waiting\r\n"
           "Message-ID: <waiting.1@kent.test>\r\n\r\nA form not yet read.\r\n").encode()


def check(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    """Run the command; its `key: value` lines as a dict."""
    code = main(["check-mailbox", "unit", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return dict(line.split(": ", 1) for line in out.out.splitlines())


@pytest.fixture
def graph() -> Iterator[tuple[FakeGraph, FakeEntra]]:
    with FakeGraph() as fake, FakeEntra(access_token=fake.token) as entra:
        yield fake, entra


def test_check_mailbox_on_the_embedded_maildir_counts_and_lists_folders(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mailbot.adapters.maildir import MaildirMailbox

    MaildirMailbox("unit", tmp_path / "state" / "mail" / "unit").deliver(WAITING)
    report = check(capsys, "--state", str(tmp_path / "state"))
    assert report["backend"] == "maildir" and report["inbox_total"] == "1"
    assert report["inbox_unread"] == "1" and report["writable"] == "True"
    assert report["folders"] == "{'Processed': 0, 'Needs-Attention': 0, 'Rejected': 0}"
    assert not (tmp_path / "state" / "outbox").exists(), "check-mailbox prepared a sender"


@pytest.mark.mailstack
def test_check_mailbox_on_imap_reports_the_server_and_moves_nothing(
        mailstack: MailStack, tmp_path: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    user = mailstack.new_address("unit")
    mailstack.imap_client(user).append("INBOX", WAITING)
    monkeypatch.setenv("MAILBOT_TEST_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(mailstack.dir / "tls" / "cert.pem"))  # its own CA
    config = routing_yaml(tmp_path, {
        "backend": "imap", "address": user, "host": mailstack.host, "port": mailstack.imap_port,
        "security": "starttls", "username": user, "password": "env:MAILBOT_TEST_IMAP_PASSWORD"})
    report = check(capsys, "--config", str(config), "--state", str(tmp_path / "state"))
    assert report["messages"] == "1" and report["unseen"] == "1"
    assert report["missing_folders"] == "['Processed', 'Needs-Attention', 'Rejected']"
    assert report["move"] == "True" and report["idle"] == "True"
    assert mailstack.mailbox_messages(user) == [WAITING], "check-mailbox moved the message"


def test_check_mailbox_on_exchange_ews_reports_folders_and_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeEws() as ews:
        ews.store.deliver(WAITING)
        monkeypatch.setenv("MAILBOT_TEST_EWS_PASSWORD", ews.password)
        config = routing_yaml(tmp_path, ews_account(ews, "MAILBOT_TEST_EWS_PASSWORD"))
        report = check(capsys, "--config", str(config), "--state", str(tmp_path / "state"))
        assert report["backend"] == "ews" and report["auth"] == "basic"
        assert report["inbox_total"] == "1" and report["inbox_unread"] == "1"
        assert report["targets"].count("missing (made on first use)") == 3
        assert not {"CreateFolder", "MoveItem", "CreateItem"} & set(ews.calls)


def test_check_mailbox_on_microsoft_365_gets_a_token_from_entra_and_changes_nothing(
        graph: tuple[FakeGraph, FakeEntra], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, entra = graph
    fake.store.deliver(WAITING)
    monkeypatch.setenv("MAILBOT_TEST_GRAPH_SECRET", entra.client_secret)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.cert_file))   # msal trusts the fake Entra
    config = routing_yaml(tmp_path, graph_account(fake, entra, "MAILBOT_TEST_GRAPH_SECRET"))
    report = check(capsys, "--config", str(config), "--state", str(tmp_path / "state"))
    assert report["backend"] == "graph" and report["inbox_total"] == "1"
    assert report["targets"].count("missing (made on first use)") == 3
    assert entra.calls["token"] == 1, "the token did not come through msal from the authority"
    assert not {"create_folder", "move", "send_mail", "delta"} & set(fake.calls)


def test_check_mailbox_with_a_wrong_client_secret_quotes_entras_refusal(
        graph: tuple[FakeGraph, FakeEntra], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, entra = graph
    monkeypatch.setenv("MAILBOT_TEST_GRAPH_SECRET", "last-years-secret")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.cert_file))
    config = routing_yaml(tmp_path, graph_account(fake, entra, "MAILBOT_TEST_GRAPH_SECRET"))
    assert main(["check-mailbox", "unit", "--config", str(config), "--state", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "refused a token for app app-id" in err and "AADSTS7000215" in err
    assert "last-years-secret" not in err, "the secret was printed"
