"""`mailbot check-mailbox unit`, through `mailbot.cli.main`, on every backend: it connects
with the settings exactly as routing.yaml gives them, reports what is there, and
changes nothing (no folder made, nothing moved or marked read, nothing sent, no
cursor saved). It also reads the headers of the newest messages in the inbox and
Processed and says whether the council's own server (`trusted_authserv_id`, in the
shipped routing.yaml `mx.kent.test`) stamped Authentication-Results on them: when
none did, the DMARC/SPF/DKIM check is protecting nothing, and it says so.

The outputs pasted in docs/imap-smtp.md, docs/exchange.md and docs/microsoft-365.md
come from these set-ups.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mailbot.adapters.imap.connection import default_tls_context
from mailbot.cli import main
from mailbot.service.bootstrap import DEFAULT_CONFIG
from tests.backends.configs import ADDRESS, ews_account, graph_account, routing_yaml
from tests.exchange.fake_entra import FakeEntra
from tests.exchange.fake_ews import FakeEws
from tests.exchange.fake_graph import FakeGraph
from tests.mailstack.conftest import mailstack  # noqa: F401  (the real stack)
from tests.support.mailstack import PASSWORD, MailStack

WAITING = (f"From: Kim Lead <kim.lead@kent.test>\r\nTo: {ADDRESS}\r\nSubject: waiting\r\n"
           "Message-ID: <waiting.1@kent.test>\r\n\r\nA form not yet read.\r\n").encode()


def stamped(by: str, n: int = 1) -> bytes:
    """A handled message as the border server `by` delivered it."""
    return (f"Authentication-Results: {by}; spf=pass smtp.mailfrom=kent.test;\r\n"
            f" dkim=pass header.d=kent.test; dmarc=pass header.from=kent.test\r\n"
            f"From: Sue Manager <sue.manager@kent.test>\r\nTo: {ADDRESS}\r\n"
            f"Subject: RE: [KA-2026-000{n}] APPROVE\r\nMessage-ID: <handled.{n}@kent.test>\r\n"
            "\r\nAPPROVE\r\n").encode()


# Exchange Online's own header, in the syntax Microsoft documents: no authserv-id
EXCHANGE_ONLINE = (
    b"Authentication-Results: spf=pass (sender IP is 192.0.2.10)\r\n smtp.mailfrom=kent.test; "
    b"dkim=pass (signature was verified)\r\n header.d=kent.test;dmarc=pass action=none\r\n"
    b" header.from=kent.test;compauth=pass reason=100\r\n") + WAITING


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
    assert report["trusted_authserv_id"] == "mx.kent.test"
    assert "not protecting anything" in report["warning"]


def test_check_mailbox_on_maildir_finds_our_servers_stamp_in_processed_and_moves_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mailbot.adapters.maildir import MaildirMailbox
    from mailbot.ports import InboxMessage

    root = tmp_path / "state" / "mail" / "unit"
    box = MaildirMailbox("unit", root)
    for n in (1, 2):
        raw = stamped("mx.kent.test", n)
        box.acknowledge(InboxMessage("unit", box.deliver(raw), raw), "processed")
    box.deliver(WAITING)
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    report = check(capsys, "--state", str(tmp_path / "state"))

    assert report["authentication_results"] == \
        "from mx.kent.test on 2 of the 3 newest messages (inbox 0 of 1, Processed 2 of 2)"
    assert "warning" not in report and report["note"].startswith("without one from mx.kent.test")
    after = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert after == before, "check-mailbox moved or flagged a message"


def test_check_mailbox_says_so_when_trusted_authserv_id_is_not_set(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mailbot.adapters.maildir import MaildirMailbox

    MaildirMailbox("unit", tmp_path / "state" / "mail" / "unit").deliver(stamped("mx.kent.test"))
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    del data["organisation"]["trusted_authserv_id"]
    (tmp_path / "routing.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    report = check(capsys, "--config", str(tmp_path / "routing.yaml"),
                   "--state", str(tmp_path / "state"))

    assert report["trusted_authserv_id"] == "(not set)"
    assert report["warning"].startswith("organisation.trusted_authserv_id is not set")
    assert "stamped by: mx.kent.test" in report["warning"], "it names what to set it to"


def trust_the_stack(monkeypatch: pytest.MonkeyPatch, stack: MailStack) -> None:
    """The system's trust store with the stack's own CA, as an administrator would set it.
    The process loads its default TLS context once (and an earlier test may have loaded
    it without this CA), so it is loaded again now and again after the test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(stack.dir / "tls" / "cert.pem"))
    default_tls_context.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_tls_context() -> Iterator[None]:
    yield
    default_tls_context.cache_clear()   # the next test loads the trust store it sets


@pytest.mark.mailstack
def test_check_mailbox_on_imap_reports_the_server_and_moves_nothing(
        mailstack: MailStack, tmp_path: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    user = mailstack.new_address("unit")
    mailstack.imap_client(user).append("INBOX", WAITING)
    monkeypatch.setenv("MAILBOT_TEST_IMAP_PASSWORD", PASSWORD)
    trust_the_stack(monkeypatch, mailstack)
    config = routing_yaml(tmp_path, {
        "backend": "imap", "address": user, "host": mailstack.host, "port": mailstack.imap_port,
        "security": "starttls", "username": user, "password": "env:MAILBOT_TEST_IMAP_PASSWORD"})
    report = check(capsys, "--config", str(config), "--state", str(tmp_path / "state"))
    assert report["messages"] == "1" and report["unseen"] == "1"
    assert report["missing_folders"] == "['Processed', 'Needs-Attention', 'Rejected']"
    assert report["move"] == "True" and report["idle"] == "True"
    assert mailstack.mailbox_messages(user) == [WAITING], "check-mailbox moved the message"
    assert report["authserv_ids_seen"] == "none"
    assert "not protecting anything" in report["warning"]


@pytest.mark.mailstack
def test_check_mailbox_on_imap_reads_the_stamps_in_inbox_and_processed_without_marking_them(
        mailstack: MailStack, tmp_path: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    user = mailstack.new_address("unit")
    person = mailstack.imap_client(user)
    person.create_folder("Processed")
    for n in range(1, 8):   # more than it reads: only the newest few count
        person.append("Processed", stamped("mx.kent.test" if n > 3 else "mail.kent.test", n))
    person.append("INBOX", stamped("relay.kent.test", 9))
    person.logout()
    before = {f: flags(mailstack, user, f) for f in ("INBOX", "Processed")}
    monkeypatch.setenv("MAILBOT_TEST_IMAP_PASSWORD", PASSWORD)
    trust_the_stack(monkeypatch, mailstack)
    config = routing_yaml(tmp_path, {
        "backend": "imap", "address": user, "host": mailstack.host, "port": mailstack.imap_port,
        "security": "starttls", "username": user, "password": "env:MAILBOT_TEST_IMAP_PASSWORD"})

    report = check(capsys, "--config", str(config), "--state", str(tmp_path / "state"))

    assert report["authentication_results"] == \
        "from mx.kent.test on 4 of the 6 newest messages (INBOX 0 of 1, Processed 4 of 5)"
    assert report["authserv_ids_seen"] == "mx.kent.test (4), relay.kent.test (1), mail.kent.test (1)"
    assert "warning" not in report
    assert {f: flags(mailstack, user, f) for f in ("INBOX", "Processed")} == before, \
        "check-mailbox marked a message read"
    assert len(mailstack.mailbox_messages(user, "Processed")) == 7


def flags(stack: MailStack, user: str, folder: str) -> dict[int, tuple[bytes, ...]]:
    """Each message's stored flags (\\Recent is only ever one session's, so left out)."""
    client = stack.imap_client(user)
    try:
        client.select_folder(folder, readonly=True)
        return {uid: tuple(sorted(x for x in f if x != b"\\Recent"))
                for uid, f in client.get_flags(client.search("ALL")).items()}
    finally:
        client.logout()


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


def test_check_mailbox_on_exchange_ews_reads_the_stamps_in_inbox_and_processed_and_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeEws() as ews:
        processed = ews.store.create_folder(ews.store.folder("inbox").id, "Processed")
        for n in (1, 2):
            ews.store.deliver(stamped("mx.kent.test", n), processed.id)
        ews.store.deliver(WAITING)
        monkeypatch.setenv("MAILBOT_TEST_EWS_PASSWORD", ews.password)
        config = routing_yaml(tmp_path, ews_account(ews, "MAILBOT_TEST_EWS_PASSWORD"))

        report = check(capsys, "--config", str(config), "--state", str(tmp_path / "state"))

        assert report["authentication_results"] == \
            "from mx.kent.test on 2 of the 3 newest messages (Inbox 0 of 1, Processed 2 of 2)"
        assert "warning" not in report
        assert not {"CreateFolder", "MoveItem", "CreateItem", "UpdateItem"} & set(ews.calls)
        assert [i.is_read for f in ("inbox", "Processed")
                for i in ews.store.folder(f).items.values()] == [False] * 3


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


def test_check_mailbox_on_microsoft_365_explains_exchange_onlines_header_and_changes_nothing(
        graph: tuple[FakeGraph, FakeEntra], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, entra = graph
    processed = fake.store.create_folder(fake.store.folder("inbox").id, "Processed")
    fake.store.deliver(EXCHANGE_ONLINE, processed.id)
    fake.store.deliver(EXCHANGE_ONLINE)
    monkeypatch.setenv("MAILBOT_TEST_GRAPH_SECRET", entra.client_secret)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.cert_file))
    config = routing_yaml(tmp_path, graph_account(fake, entra, "MAILBOT_TEST_GRAPH_SECRET"))

    report = check(capsys, "--config", str(config), "--state", str(tmp_path / "state"))

    assert report["authentication_results"] == \
        "from mx.kent.test on 0 of the 2 newest messages (Inbox 0 of 1, Processed 0 of 1)"
    assert report["authserv_ids_seen"] == "(no authserv-id) (2)"
    assert "not protecting anything" in report["warning"]
    assert "Exchange Online's Authentication-Results" in report["warning"]
    assert not {"create_folder", "move", "send_mail", "delta"} & set(fake.calls)
    assert [i.is_read for f in ("inbox", "Processed")
            for i in fake.store.folder(f).items.values()] == [False, False]


def test_check_mailbox_with_a_wrong_client_secret_quotes_entras_refusal(
        graph: tuple[FakeGraph, FakeEntra], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, entra = graph
    monkeypatch.setenv("MAILBOT_TEST_GRAPH_SECRET", "last-years-secret")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.cert_file))
    config = routing_yaml(tmp_path, graph_account(fake, entra, "MAILBOT_TEST_GRAPH_SECRET"))
    # issue 14 §1: a mailbox that cannot be reached (here: no token) exits 3
    assert main(["check-mailbox", "unit", "--config", str(config), "--state", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "refused a token for app app-id" in err and "AADSTS7000215" in err
    assert "last-years-secret" not in err, "the secret was printed"


# -- the first live check: --send-test ADDRESS (issue 13) -------------------------------


def test_send_test_on_the_embedded_default_sends_one_mail_and_finds_its_copy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    code = main(["check-mailbox", "unit", "--state", str(state), "--send-test",
                 "sue.manager@kent.test"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "send test: sent live-check." in out and "to sue.manager@kent.test" in out
    assert "sent copy: found after 0 s" in out
    (sent,) = list((state / "outbox").rglob("*.eml"))
    assert b"Subject: mailbot: test message (no action needed)" in sent.read_bytes()
    assert b"Auto-Submitted: auto-generated" in sent.read_bytes()


def test_send_test_sends_nothing_outside_the_council(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R-CASCADE: nothing outside the council receives anything but the national list;
    routing tricks that look internal are outside too (issue 10 §9)."""
    for address in ("someone@gmail.example", "sue.manager%gmail.example@kent.test"):
        code = main(["check-mailbox", "unit", "--state", str(tmp_path / "state"),
                     "--send-test", address])
        assert code == 1 and "refused" in capsys.readouterr().out
    assert not list((tmp_path / "state").rglob("*.eml"))


def test_send_test_on_microsoft_365_finds_the_copy_even_with_a_rewritten_message_id(
        graph: tuple[FakeGraph, FakeEntra], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, entra = graph
    fake.rewrite_message_ids = True
    monkeypatch.setenv("MAILBOT_TEST_GRAPH_SECRET", entra.client_secret)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.cert_file))
    account = graph_account(fake, entra, "MAILBOT_TEST_GRAPH_SECRET")
    config = routing_yaml(tmp_path, account, sender=account)
    code = main(["check-mailbox", "unit", "--config", str(config), "--state",
                 str(tmp_path / "state"), "--send-test", "sue.manager@kent.test"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "sent copy: found after" in out and fake.calls["send_mail"] == 1


def test_send_test_says_plainly_when_the_copy_cannot_be_found() -> None:
    from datetime import UTC, datetime

    from mailbot.ports import RenderedMail
    from mailbot.service.config_file import read_config
    from mailbot.service.live_check import send_test

    class Forgetful:
        """Takes the mail, and can never find its copy."""

        def send(self, mail: RenderedMail) -> None:
            pass

        def already_sent(self, message_id: str) -> bool | None:
            return False

        def close(self) -> None: ...

    ticks = iter(range(0, 1000, 5))
    config = read_config(DEFAULT_CONFIG)
    ok, lines = send_test(config, Forgetful(), "sue.manager@kent.test",
                          datetime(2026, 12, 4, tzinfo=UTC), wait=60, sleep=lambda s: None,
                          clock=lambda: float(next(ticks)))
    assert not ok and lines[-1][0] == "sent copy" and "NOT found within 60 s" in lines[-1][1]
