"""SmtpSender through a real Postfix into real Dovecot mailboxes, and the sent-copy check."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes
from email.utils import make_msgid
from typing import Any

import pytest

from mailbot.adapters.imap.sent_copy import ImapSentCopyChecker
from mailbot.adapters.smtp import SmtpSender, SmtpSendError
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import RenderedMail
from tests.support.mailstack import PASSWORD, MailStack, free_port

pytestmark = pytest.mark.mailstack

BOT = "safeguardingunitalerts@kent.test"


def rendered(envelope_to: tuple[str, ...], *, to: str = "", cc: str = "",
             subject: str = "Alert C1-2024-001: approval needed") -> RenderedMail:
    mid = make_msgid("alert", domain="kent.test")[1:-1]
    data = (f"From: Alerts <{BOT}>\r\nTo: {to or envelope_to[0]}\r\n"
            + (f"Cc: {cc}\r\n" if cc else "")
            + f"Subject: {subject}\r\nMessage-ID: <{mid}>\r\n\r\nPlease approve.\r\n")
    return RenderedMail(message_id=mid, envelope_to=envelope_to, data=data.encode())


def sender(stack: MailStack, **kw: Any) -> SmtpSender:
    kw.setdefault("security", "starttls")
    port = stack.smtps_port if kw["security"] == "tls" else stack.smtp_port
    return SmtpSender(host=stack.host, port=port, ssl_context=stack.ssl_context(), timeout=10,
                      **kw)


def checker(stack: MailStack, user: str, port: int | None = None) -> ImapSentCopyChecker:
    return ImapSentCopyChecker(host=stack.host, port=port or stack.imap_port, username=user,
                               password=PASSWORD, security="starttls",
                               ssl_context=stack.ssl_context(), timeout=5)


def arrived(stack: MailStack, user: str, message_id: str, folder: str = "INBOX") -> list[bytes]:
    found = stack.wait_for_messages(user, 1, folder)
    return [raw for raw in found if message_id.encode() in raw]


def test_a_sent_message_reaches_every_recipient_and_bcc_stays_out_of_the_headers(
        mailstack: MailStack) -> None:
    manager, deputy, hidden = (mailstack.new_address(p) for p in ("tm", "sm", "ad"))
    mail = rendered((manager, deputy, hidden), to=manager, cc=deputy)

    sender(mailstack).send(mail)

    for person in (manager, deputy, hidden):
        copies = arrived(mailstack, person, mail.message_id)
        assert len(copies) == 1, f"{person} did not get exactly one copy:\n{mailstack.logs()}"
        headers = message_from_bytes(copies[0])
        assert hidden not in f"{headers['To']} {headers['Cc']}"
        assert headers["Bcc"] is None
        assert headers["Return-Path"] == f"<{BOT}>", "bounces must come back to the bot"


def test_the_sent_copy_lands_and_already_sent_finds_it(mailstack: MailStack) -> None:
    manager = mailstack.new_address("tm")
    bot = mailstack.new_address("bot")
    copy_to = bot.replace("@", "+Sent@")  # Dovecot files user+Folder@ into Folder
    smtp = sender(mailstack, sent_copy=(copy_to, checker(mailstack, bot)))
    mail = rendered((manager,))

    smtp.send(mail)

    assert arrived(mailstack, bot, mail.message_id, "Sent"), mailstack.logs()
    assert smtp.already_sent(mail.message_id) is True
    assert smtp.already_sent(f"<{mail.message_id}>") is True
    assert smtp.already_sent(make_msgid("never", domain="kent.test")[1:-1]) is False
    headers = message_from_bytes(arrived(mailstack, manager, mail.message_id)[0])
    assert copy_to not in str(headers["To"]), "the sent copy is envelope-only"


def test_already_sent_cannot_tell_while_the_imap_server_is_unreachable(
        mailstack: MailStack) -> None:
    smtp = sender(mailstack, sent_copy=(
        "bot+Sent@kent.test", checker(mailstack, "bot@kent.test", port=free_port())))
    assert smtp.already_sent("anything@kent.test") is None
    assert sender(mailstack).already_sent("anything@kent.test") is None, \
        "without a sent copy the sender can never tell"


def test_smtp_server_down_is_a_transport_error_then_the_same_mail_goes_when_it_is_back(
        mailstack: MailStack) -> None:
    manager = mailstack.new_address("tm")
    mail = rendered((manager,))
    smtp = sender(mailstack)
    mailstack.stop_smtp()
    try:
        with pytest.raises(TransportError, match="unreachable") as caught:
            smtp.send(mail)
        assert isinstance(caught.value, SmtpSendError) and not caught.value.permanent
    finally:
        mailstack.start_smtp()

    smtp.send(mail)

    assert len(arrived(mailstack, manager, mail.message_id)) == 1


def test_some_recipients_refused_names_them_and_a_retry_goes_only_to_those_left(
        mailstack: MailStack) -> None:
    manager = mailstack.new_address("tm")
    busy = mailstack.new_address("tempfail-sm")
    mail = rendered((manager, busy))
    smtp = sender(mailstack)

    for _attempt in range(2):
        with pytest.raises(SmtpSendError) as caught:
            smtp.send(mail)
        assert caught.value.refused[busy][0] == 450
        assert not caught.value.permanent, "a 4xx refusal is worth retrying"
    assert caught.value.accepted == ()  # the second attempt went to `busy` alone

    time.sleep(0.3)  # a duplicate, had one been sent, would be delivered by now
    assert len(arrived(mailstack, manager, mail.message_id)) == 1


def test_every_recipient_refused_for_good_is_a_permanent_error(mailstack: MailStack) -> None:
    gone = mailstack.new_address("rejected-tm")
    with pytest.raises(SmtpSendError, match=f"{gone}: 550") as caught:
        sender(mailstack).send(rendered((gone,)))
    assert caught.value.permanent
    assert caught.value.accepted == ()


@pytest.mark.parametrize("security", ["starttls", "tls", "none"])
def test_authenticated_sending_over_each_connection_security(mailstack: MailStack,
                                                              security: str) -> None:
    manager = mailstack.new_address("tm")
    mail = rendered((manager,))
    sender(mailstack, security=security, username=BOT, password=PASSWORD).send(mail)
    assert len(arrived(mailstack, manager, mail.message_id)) == 1


def test_xoauth2_sending_with_a_token_from_a_callable(mailstack: MailStack) -> None:
    manager = mailstack.new_address("tm")
    mail = rendered((manager,))
    # Dovecot (Postfix's SASL server here) checks the bearer token as a password.
    sender(mailstack, username=BOT, oauth_token=lambda: PASSWORD).send(mail)
    assert len(arrived(mailstack, manager, mail.message_id)) == 1


def test_a_refused_login_is_permanent_and_says_so(mailstack: MailStack) -> None:
    with pytest.raises(SmtpSendError, match="535") as caught:
        sender(mailstack, username=BOT, password="wrong").send(
            rendered((mailstack.new_address("tm"),)))
    assert caught.value.permanent
    assert "wrong" not in str(caught.value)


def test_sent_copy_configured_as_routing_yaml_writes_it_with_the_secret_from_the_environment(
        mailstack: MailStack, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = mailstack.new_address("bot")
    monkeypatch.setenv("MAILBOT_TEST_IMAP_PASSWORD", PASSWORD)
    smtp = sender(mailstack, sent_copy={
        "address": bot.replace("@", "+Sent@"), "host": mailstack.host,
        "port": mailstack.imap_port, "security": "none", "username": bot,
        "password": "env:MAILBOT_TEST_IMAP_PASSWORD", "folders": ["Sent"]})
    mail = rendered((mailstack.new_address("tm"),))

    smtp.send(mail)

    assert arrived(mailstack, bot, mail.message_id, "Sent")
    assert smtp.already_sent(mail.message_id) is True


@pytest.mark.parametrize("settings, why", [
    ({"host": "h", "port": 143, "username": "u", "password": "env:X"}, "address"),
    ({"address": "a@kent.test", "host": "h", "port": 143, "username": "u",
      "password": "in-the-clear"}, "never written into routing.yaml"),
    ({"address": "a@kent.test", "hostname": "h"}, "unexpected keyword"),
])
def test_a_sent_copy_setting_that_cannot_work_is_a_config_error(settings: dict[str, Any],
                                                                why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        ImapSentCopyChecker.from_settings(settings)


def test_a_connection_lost_after_the_data_is_handed_over_says_it_may_have_been_sent() -> None:
    """The one ambiguous moment: the server had the whole message, then went away
    before saying 250. A server on loopback that does exactly that stands in."""
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_vanish_after_data, args=(listener,), daemon=True).start()
    smtp = SmtpSender(host="127.0.0.1", port=listener.getsockname()[1], security="none",
                      timeout=5)

    with pytest.raises(SmtpSendError, match="may have been sent") as caught:
        smtp.send(rendered(("tm@kent.test",)))

    assert caught.value.maybe_sent and not caught.value.permanent
    listener.close()


def _vanish_after_data(listener: socket.socket) -> None:
    conn, _ = listener.accept()
    with conn, conn.makefile("rb") as lines:
        conn.sendall(b"220 vanishing.test ESMTP\r\n")
        for line in lines:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO", b"MAIL", b"RCPT"):
                conn.sendall(b"250 ok\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
            elif line == b".\r\n":
                return  # the whole message is here; close without a word
