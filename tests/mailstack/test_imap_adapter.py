"""ImapMailbox against a real Dovecot: what the bot's inbox does on a council's mail server."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.imap.mailbox import ImapMailbox
from mailbot.adapters.secrets import resolve_secret, secret_getter
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import InboxMessage
from tests.support.mailstack import PASSWORD, MailStack, free_port

mailstack_only = pytest.mark.mailstack
OpenMailbox = Callable[..., ImapMailbox]


def message(to: str, n: int = 1, message_id: str | None = None) -> bytes:
    mid = message_id or make_msgid(f"m{n}", domain="kent.test")
    return (f"From: Social Worker <sw@kent.test>\r\nTo: {to}\r\n"
            f"Subject: Alert form {n}\r\nMessage-ID: {mid}\r\n\r\nbody {n}\r\n").encode()


def body_numbers(raws: list[bytes]) -> list[int]:
    return [int(raw.rsplit(b"body ", 1)[1].split()[0]) for raw in raws]


def put(stack: MailStack, user: str, count: int, start: int = 1) -> None:
    """Messages 1..count into the user's inbox, in order (IMAP APPEND: unlike
    SMTP delivery, which Postfix runs in parallel, it keeps their order)."""
    client = stack.imap_client(user)
    try:
        for n in range(start, start + count):
            client.append("INBOX", message(user, n))
    finally:
        client.logout()


@pytest.fixture
def open_mailbox(mailstack: MailStack) -> Iterator[OpenMailbox]:
    opened: list[ImapMailbox] = []

    def make(user: str, **kw: Any) -> ImapMailbox:
        security = kw.pop("security", "starttls")
        port = mailstack.imaps_port if security == "tls" else mailstack.imap_port
        kw.setdefault("password", PASSWORD)
        box = ImapMailbox("unit", host=mailstack.host, port=port, username=user,
                          security=security, ssl_context=mailstack.ssl_context(),
                          timeout=10, **kw)
        opened.append(box)
        return box

    yield make
    for box in opened:
        box.close()


def flags(stack: MailStack, user: str) -> list[tuple[bytes, ...]]:
    client = stack.imap_client(user)
    try:
        client.select_folder("INBOX", readonly=True)
        found = client.fetch(client.search("ALL"), ["FLAGS"])
        return [found[uid][b"FLAGS"] for uid in sorted(found)]
    finally:
        client.logout()


@mailstack_only
def test_fetch_yields_every_inbox_message_in_uid_order_and_leaves_them_unread(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 3)
    box = open_mailbox(user, batch_size=2)

    fetched = list(box.fetch())

    assert body_numbers([m.raw for m in fetched]) == [1, 2, 3]
    uids = [m.uid.split(":") for m in fetched]
    assert len({validity for validity, _ in uids}) == 1
    assert [int(u) for _, u in uids] == sorted(int(u) for _, u in uids)
    assert all(m.mailbox == "unit" for m in fetched)
    assert all(b"\\Seen" not in f for f in flags(mailstack, user)), \
        "fetching marked messages read: staff would think the bot's mail was handled"
    assert len(list(box.fetch())) == 3, "a fetch without acknowledge must not lose messages"


@mailstack_only
def test_acknowledge_moves_each_kind_to_its_folder_creating_and_subscribing_it(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 3)
    box = open_mailbox(user)
    first, second, third = box.fetch()

    box.acknowledge(first, "processed")
    box.acknowledge(second, "needs_attention")
    box.acknowledge(third, "rejected")

    assert mailstack.mailbox_messages(user) == []
    assert body_numbers(mailstack.mailbox_messages(user, "Processed")) == [1]
    assert body_numbers(mailstack.mailbox_messages(user, "Needs-Attention")) == [2]
    assert body_numbers(mailstack.mailbox_messages(user, "Rejected")) == [3]
    client = mailstack.imap_client(user)
    subscribed = {name for _f, _d, name in client.list_sub_folders()}
    client.logout()
    assert {"Processed", "Needs-Attention", "Rejected"} <= subscribed


@mailstack_only
def test_acknowledge_without_move_copies_then_expunges_only_that_message(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 2)
    box = open_mailbox(user, use_move=False)
    first, second = box.fetch()
    person = mailstack.imap_client(user)
    person.select_folder("INBOX")
    person.add_flags([int(second.uid.split(":")[1])], [b"\\Deleted"])  # not yet expunged

    box.acknowledge(first, "processed")

    assert body_numbers(mailstack.mailbox_messages(user, "Processed")) == [1]
    assert body_numbers(mailstack.mailbox_messages(user)) == [2], \
        "UID EXPUNGE must not remove what a person merely flagged for deletion"
    person.logout()


@mailstack_only
def test_acknowledge_of_a_message_a_person_already_moved_or_deleted_is_not_an_error(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 2)
    box = open_mailbox(user)
    moved, deleted = box.fetch()
    person = mailstack.imap_client(user)
    person.select_folder("INBOX")
    person.create_folder("Dealt with")
    person.move([int(moved.uid.split(":")[1])], "Dealt with")
    person.delete_messages([int(deleted.uid.split(":")[1])])
    person.expunge()
    person.logout()

    for _ in range(2):  # and again: acknowledge is idempotent
        box.acknowledge(moved, "processed")
        box.acknowledge(deleted, "rejected")

    assert body_numbers(mailstack.mailbox_messages(user, "Dealt with")) == [1]
    assert mailstack.mailbox_messages(user, "Processed") == []
    assert mailstack.mailbox_messages(user, "Rejected") == []


@mailstack_only
def test_a_message_moved_away_by_a_person_mid_fetch_is_skipped_silently(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 3)
    box = open_mailbox(user, batch_size=1)
    fetching = box.fetch()
    first = next(fetching)
    person = mailstack.imap_client(user)
    person.select_folder("INBOX")
    second_uid = sorted(person.search("ALL"))[1]
    person.create_folder("Elsewhere")
    person.move([second_uid], "Elsewhere")
    person.logout()

    rest = list(fetching)

    assert body_numbers([first.raw, *(m.raw for m in rest)]) == [1, 3]


@mailstack_only
def test_uidvalidity_change_rescans_the_folder_and_deletes_nothing(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 2)
    box = open_mailbox(user)
    before = list(box.fetch())
    old_validity = before[0].uid.split(":")[0]
    mailstack.doveadm("mailbox", "update", "-u", user, "--uid-validity",
                      str(int(old_validity) + 1000), "INBOX")

    after = fetch_allowing_one_drop(box)
    box.acknowledge(before[0], "processed")  # an id from before the change

    assert body_numbers([m.raw for m in after]) == [1, 2]
    assert all(m.uid.split(":")[0] == str(int(old_validity) + 1000) for m in after)
    assert body_numbers(mailstack.mailbox_messages(user, "Processed")) == [1], \
        "a message fetched before the change is found again by Message-ID and moved"
    assert body_numbers(mailstack.mailbox_messages(user)) == [2]


def fetch_allowing_one_drop(box: ImapMailbox) -> list[InboxMessage]:
    """A server may drop a session whose folder changed UIDVALIDITY under it."""
    try:
        return list(box.fetch())
    except TransportError:
        return list(box.fetch())


@mailstack_only
def test_restarted_imap_server_fails_one_fetch_then_the_mailbox_reconnects(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 1)
    box = open_mailbox(user)
    assert len(list(box.fetch())) == 1

    mailstack.restart_imap()

    with pytest.raises(TransportError, match="unit"):
        list(box.fetch())
    assert body_numbers([m.raw for m in box.fetch()]) == [1]


def test_after_a_failed_connection_the_mailbox_backs_off_before_trying_again() -> None:
    now = [1000.0]
    box = ImapMailbox("unit", host="127.0.0.1", port=free_port(), username="u@kent.test",
                      password="x", security="none", timeout=2, clock=lambda: now[0])

    with pytest.raises(TransportError, match="cannot connect"):
        list(box.fetch())
    with pytest.raises(TransportError, match="next try in 1 s"):
        list(box.fetch())
    now[0] += 1.5
    with pytest.raises(TransportError, match="cannot connect"):
        list(box.fetch())
    with pytest.raises(TransportError, match="next try in 2 s"):
        box.acknowledge(InboxMessage("unit", "1:1", b""), "processed")


@mailstack_only
def test_wait_wakes_up_when_mail_arrives_during_idle(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    box = open_mailbox(user, idle_renew=0.2)  # renewed a few times before the mail comes
    assert list(box.fetch()) == []
    timer = threading.Timer(0.6, mailstack.deliver, (message(user), user))
    timer.start()

    began = time.monotonic()
    box.wait(30)
    waited = time.monotonic() - began
    timer.join()

    assert waited < 20, "wait() slept through a delivery; IDLE did not wake it"
    assert len(list(box.fetch())) == 1


@mailstack_only
def test_wait_returns_at_once_for_mail_that_came_since_the_last_fetch(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    box = open_mailbox(user)
    assert list(box.fetch()) == []
    put(mailstack, user, 1)

    began = time.monotonic()
    box.wait(30)

    assert time.monotonic() - began < 20, "mail that came before IDLE began was not noticed"


def test_wait_on_a_server_that_went_away_is_only_a_pause() -> None:
    slept: list[float] = []
    box = ImapMailbox("unit", host="127.0.0.1", port=free_port(), username="u@kent.test",
                      password=PASSWORD, security="none", timeout=2, sleep=slept.append)
    box.wait(7)
    assert slept == [7]


@mailstack_only
def test_check_counts_the_inbox_and_lists_folders_without_touching_anything(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 2)
    person = mailstack.imap_client(user)
    person.select_folder("INBOX")
    person.add_flags([min(person.search("ALL"))], [b"\\Seen"])
    person.logout()
    before = flags(mailstack, user)

    report = open_mailbox(user).check()

    assert report["messages"] == 2
    assert report["unseen"] == 1
    assert "INBOX" in report["folders"]
    assert report["missing_folders"] == ["Processed", "Needs-Attention", "Rejected"]
    assert report["idle"] and report["move"] and report["uidplus"]
    assert flags(mailstack, user) == before


@mailstack_only
@pytest.mark.parametrize("security", ["starttls", "tls", "none"])
def test_each_connection_security_reads_the_inbox(
        mailstack: MailStack, open_mailbox: OpenMailbox, security: str) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 1)
    assert len(list(open_mailbox(user, security=security).fetch())) == 1


@mailstack_only
def test_a_certificate_the_machine_does_not_trust_is_refused(mailstack: MailStack) -> None:
    box = ImapMailbox("unit", host=mailstack.host, port=mailstack.imap_port,
                      username=mailstack.new_address("unit"), password=PASSWORD, timeout=5)
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        list(box.fetch())


@mailstack_only
def test_a_refused_login_is_a_transport_error_naming_server_and_user(
        mailstack: MailStack, open_mailbox: OpenMailbox) -> None:
    user = mailstack.new_address("unit")
    with pytest.raises(TransportError, match=f"cannot log in to IMAP .* as {user}") as caught:
        list(open_mailbox(user, password="wrong").fetch())
    assert "wrong" not in str(caught.value)


@mailstack_only
def test_password_from_a_file_and_oauth_token_from_a_command_both_log_in(
        mailstack: MailStack, open_mailbox: OpenMailbox, tmp_path: Path) -> None:
    user = mailstack.new_address("unit")
    put(mailstack, user, 1)
    (tmp_path / "imap-password").write_text(PASSWORD + "\n")
    helper = tmp_path / "token.py"
    helper.write_text(f"print({PASSWORD!r})\n")  # Dovecot's passdb checks the token itself

    by_file = open_mailbox(user, password=resolve_secret(f"file:{tmp_path}/imap-password"))
    by_token = open_mailbox(user, password=None,
                            oauth_token=secret_getter(f"cmd:{sys.executable} {helper}"))

    assert len(list(by_file.fetch())) == 1
    assert len(list(by_token.fetch())) == 1


def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_TEST_SECRET", "s3cret")
    assert resolve_secret("env:MAILBOT_TEST_SECRET") == "s3cret"


@pytest.mark.parametrize("spec, why", [
    ("s3cret", "never written into routing.yaml"),
    ("env:MAILBOT_TEST_UNSET_VARIABLE", "is not set"),
    ("file:/nonexistent/mailbot-secret", "cannot read the file"),
    ("cmd:", "no command"),
    ("cmd:/nonexistent/token-helper", "not found"),
    (f"cmd:{sys.executable} -c 'import sys; sys.exit(\"token endpoint down\")'",
     "exit 1.*token endpoint down"),
])
def test_an_unusable_secret_spec_stops_with_a_config_error_naming_it(spec: str,
                                                                      why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        resolve_secret(spec, source="mailboxes.unit.password")


def test_a_failing_token_command_is_a_transport_error_at_connection_time() -> None:
    token = secret_getter(f"cmd:{sys.executable} -c 'import sys; sys.exit(3)'")
    box = ImapMailbox("unit", host="127.0.0.1", port=free_port(), username="u@kent.test",
                      oauth_token=token, security="none")
    with pytest.raises(TransportError, match="no OAuth token"):
        list(box.fetch())
