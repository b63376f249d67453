"""SmtpSender's pipelined transaction (ESMTP PIPELINING, RFC 2920) when things go wrong.

MAIL, every RCPT and DATA go in one write; the replies are read in order. The
outcomes must be those of the step-by-step transaction: who was refused and who
got it, permanent or not, `maybe_sent` only once the message itself was handed
over, and a session fit for the next message. Against the real Postfix where it
can produce the failure; otherwise a scripted server on loopback that, as RFC
2920 allows, holds its replies to MAIL and RCPT until DATA arrives, so a client
that waited for each reply would hang there.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.utils import make_msgid

import pytest

from mailbot.adapters.smtp import SmtpSender, SmtpSendError
from mailbot.ports import RenderedMail
from tests.mailstack.test_smtp_adapter import arrived, rendered, sender
from tests.support.mailstack import MailStack

OK = b"250 ok"


class ScriptedServer:
    """One session at a time; `replies` (MAIL, DATA, END for the final dot) and
    `rcpt` (per address) may be changed between sends. A reply of None hangs up
    without a word; a verb in `hang_up_after` hangs up right after its reply."""

    def __init__(self, *, pipelining: bool = True, smtputf8: bool = False) -> None:
        self.pipelining, self.smtputf8 = pipelining, smtputf8
        self.replies: dict[str, bytes | None] = {"MAIL": OK, "RCPT": OK,
                                                 "DATA": b"354 go ahead", "END": b"250 queued"}
        self.rcpt: dict[str, bytes | None] = {}
        self.hang_up_after: set[str] = set()
        self.commands: list[list[str]] = []     # per session, each command line
        self.bodies: list[bytes] = []           # what came between DATA and the dot
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def client(self, **kw: object) -> SmtpSender:
        return SmtpSender(host="127.0.0.1", port=self.port, security="none", timeout=5,
                          **kw)  # type: ignore[arg-type]

    def transactions(self) -> list[list[str]]:
        """The MAIL..DATA commands of each transaction, every session in turn."""
        found: list[list[str]] = []
        for session in self.commands:
            for line in session:
                verb = line[:4].upper()
                if verb == "MAIL":
                    found.append([])
                if verb in ("MAIL", "RCPT", "DATA") and found:
                    found[-1].append(line)
        return found

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines, contextlib.suppress(OSError):
                self._session(conn, lines)   # OSError: the client hung up first

    def _session(self, conn: socket.socket, lines: object) -> None:
        seen: list[str] = []
        self.commands.append(seen)
        conn.sendall(b"220 scripted.test ESMTP\r\n")
        held: list[bytes | None] = []
        body: list[bytes] | None = None
        for line in lines:  # type: ignore[attr-defined]
            if body is not None:
                if line != b".\r\n":
                    body.append(line)
                    continue
                self.bodies.append(b"".join(body))
                body = None
                if not self._say(conn, [self.replies["END"]], "END"):
                    return
                continue
            command = line.decode().rstrip("\r\n")
            seen.append(command)
            verb = command[:4].upper()
            if verb == "EHLO":
                conn.sendall(b"250-scripted.test\r\n"
                             + (b"250-PIPELINING\r\n" if self.pipelining else b"")
                             + (b"250-SMTPUTF8\r\n" if self.smtputf8 else b"")
                             + b"250 8BITMIME\r\n")
            elif verb == "MAIL":
                held.append(self.replies["MAIL"])
            elif verb == "RCPT":
                address = command.partition(":")[2].strip("<> ")
                held.append(self.rcpt.get(address, self.replies["RCPT"]))
            elif verb == "DATA":
                reply = self.replies["DATA"]
                if not self._say(conn, [*held, reply], "DATA"):
                    return
                held = []
                if reply is not None and reply.startswith(b"354"):
                    body = []
            elif verb == "RSET":
                conn.sendall(b"250 reset\r\n")
            elif verb == "QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 not here\r\n")
            if held and not self.pipelining:     # one reply a command, at once
                if not self._say(conn, held, verb):
                    return
                held = []

    def _say(self, conn: socket.socket, replies: list[bytes | None], verb: str) -> bool:
        for reply in replies:
            if reply is None:
                return False
            conn.sendall(reply + b"\r\n")
            if reply.startswith(b"421"):
                return False
        return verb not in self.hang_up_after


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


def mail_to(*addresses: str) -> RenderedMail:
    return rendered(tuple(addresses))


def test_the_envelope_goes_in_one_write_and_one_session_carries_every_message(
        server: ScriptedServer) -> None:
    smtp = server.client(sent_copy=("bot+Sent@kent.test", _NoChecker()))
    first, second = mail_to("tm@kent.test", "sm@kent.test"), mail_to("ad@kent.test")

    smtp.send(first)   # would hang here had MAIL waited for its reply: the server holds it
    smtp.send(second)
    smtp.close()

    assert server.transactions() == [
        ["MAIL FROM:<safeguardingunitalerts@kent.test>", "RCPT TO:<tm@kent.test>",
         "RCPT TO:<sm@kent.test>", "RCPT TO:<bot+Sent@kent.test>", "DATA"],
        ["MAIL FROM:<safeguardingunitalerts@kent.test>", "RCPT TO:<ad@kent.test>",
         "RCPT TO:<bot+Sent@kent.test>", "DATA"]]
    assert server.bodies == [first.data, second.data]
    assert len(server.commands) == 1 and smtp.sessions == 1


def test_a_recipient_refused_mid_pipeline_is_named_and_the_retry_goes_to_it_alone(
        server: ScriptedServer) -> None:
    server.rcpt["sm@kent.test"] = b"550 5.1.1 no such mailbox"
    smtp = server.client()
    mail = mail_to("tm@kent.test", "sm@kent.test", "ad@kent.test")

    with pytest.raises(SmtpSendError) as caught:
        smtp.send(mail)

    assert set(caught.value.refused) == {"sm@kent.test"}
    assert caught.value.refused["sm@kent.test"][0] == 550 and caught.value.permanent
    assert caught.value.accepted == ("tm@kent.test", "ad@kent.test")
    assert len(server.bodies) == 1, "the others got the message, once"
    server.rcpt.clear()
    smtp.send(mail)
    assert server.transactions()[-1][1:] == ["RCPT TO:<sm@kent.test>", "DATA"]
    assert smtp.sessions == 1


def test_a_4xx_on_data_is_worth_retrying_and_the_session_is_reset_for_the_next_message(
        server: ScriptedServer) -> None:
    server.replies["DATA"] = b"451 4.3.0 queue file write error"
    smtp = server.client()

    with pytest.raises(SmtpSendError, match="451") as caught:
        smtp.send(mail_to("tm@kent.test"))

    assert not caught.value.permanent and not caught.value.maybe_sent
    assert server.bodies == [], "nothing of the message was sent after a refused DATA"
    server.replies["DATA"] = b"354 go ahead"
    smtp.send(mail_to("tm@kent.test"))
    assert "RSET" in [c.upper() for c in server.commands[0]] and smtp.sessions == 1
    assert len(server.bodies) == 1


def test_a_5xx_on_data_or_after_the_message_is_permanent(server: ScriptedServer) -> None:
    smtp = server.client()
    server.replies["DATA"] = b"554 5.5.1 no thanks"
    with pytest.raises(SmtpSendError, match="554") as caught:
        smtp.send(mail_to("tm@kent.test"))
    assert caught.value.permanent and not caught.value.maybe_sent

    server.replies["DATA"], server.replies["END"] = b"354 go ahead", b"552 5.3.4 too big"
    with pytest.raises(SmtpSendError, match="552") as caught:
        smtp.send(mail_to("tm@kent.test"))
    assert caught.value.permanent and not caught.value.maybe_sent


def test_a_refused_sender_refuses_the_transaction_and_the_session_goes_on(
        server: ScriptedServer) -> None:
    server.replies["MAIL"] = b"553 5.7.1 sender not yours"
    server.replies["RCPT"] = server.replies["DATA"] = b"503 5.5.1 need MAIL first"
    smtp = server.client()

    with pytest.raises(SmtpSendError, match="553") as caught:
        smtp.send(mail_to("tm@kent.test"))

    assert caught.value.permanent and server.bodies == []
    server.replies.update(MAIL=OK, RCPT=OK, DATA=b"354 go ahead")
    smtp.send(mail_to("tm@kent.test"))
    assert len(server.bodies) == 1 and smtp.sessions == 1


def test_every_recipient_refused_but_data_taken_anyway_gets_a_lone_dot_not_the_message(
        server: ScriptedServer) -> None:
    """RFC 2920 3.1: the client must not assume DATA is refused when no RCPT was taken."""
    server.replies["RCPT"] = b"550 5.1.1 no such mailbox"
    server.replies["END"] = b"554 5.5.1 no valid recipients"
    smtp = server.client()

    with pytest.raises(SmtpSendError) as caught:
        smtp.send(mail_to("tm@kent.test", "sm@kent.test"))

    assert caught.value.permanent and set(caught.value.refused) == {"tm@kent.test",
                                                                    "sm@kent.test"}
    assert server.bodies == [b""], "the message's text must not go to a refused transaction"
    server.replies.update(RCPT=OK, END=b"250 queued")
    smtp.send(mail_to("tm@kent.test"))
    assert len(server.bodies) == 2 and smtp.sessions == 1


def test_a_connection_lost_after_the_message_was_handed_over_may_have_been_sent(
        server: ScriptedServer) -> None:
    server.replies["END"] = None
    with pytest.raises(SmtpSendError, match="may have been sent") as caught:
        server.client().send(mail_to("tm@kent.test"))
    assert caught.value.maybe_sent and not caught.value.permanent
    assert len(server.bodies) == 1


def test_a_connection_lost_before_data_was_taken_is_unsent_not_maybe_sent(
        server: ScriptedServer) -> None:
    server.replies["DATA"] = None   # read MAIL, RCPT and DATA, then hang up
    with pytest.raises(SmtpSendError, match="unreachable") as caught:
        server.client().send(mail_to("tm@kent.test"))
    assert not caught.value.maybe_sent and not caught.value.permanent
    assert server.bodies == []


def test_a_kept_session_the_server_dropped_is_replaced_and_the_message_goes_once(
        server: ScriptedServer) -> None:
    smtp = server.client()
    server.hang_up_after.add("END")   # the server ends the session after each message

    smtp.send(mail_to("tm@kent.test"))
    smtp.send(mail_to("sm@kent.test"))   # pipelined into a closed socket: found out, resent

    assert len(server.bodies) == 2 and smtp.sessions == 2


def test_a_421_mid_pipeline_drops_the_session_and_is_worth_retrying(
        server: ScriptedServer) -> None:
    server.rcpt["sm@kent.test"] = b"421 4.3.2 shutting down"
    smtp = server.client()

    with pytest.raises(SmtpSendError, match="421") as caught:
        smtp.send(mail_to("tm@kent.test", "sm@kent.test"))

    assert not caught.value.permanent and not caught.value.maybe_sent
    assert server.bodies == []
    server.rcpt.clear()
    smtp.send(mail_to("tm@kent.test", "sm@kent.test"))
    assert len(server.bodies) == 1 and smtp.sessions == 2


def test_without_pipelining_a_refused_data_is_not_taken_for_a_lost_message() -> None:
    """The step-by-step transaction, for servers that do not advertise PIPELINING."""
    server = ScriptedServer(pipelining=False)
    smtp = server.client()
    try:
        smtp.send(mail_to("tm@kent.test"))   # a kept session from here on
        server.replies["DATA"] = b"452 4.3.1 insufficient storage"
        with pytest.raises(SmtpSendError, match="452") as caught:
            smtp.send(mail_to("sm@kent.test"))
    finally:
        server.close()
    assert not caught.value.maybe_sent and not caught.value.permanent
    assert smtp.sessions == 1, "a refusal is not a lost session: no second attempt"
    assert len(server.transactions()) == 2


def test_an_address_beyond_ascii_goes_with_smtputf8_or_not_at_all() -> None:
    server = ScriptedServer(smtputf8=True)
    try:
        server.client().send(mail_to("zoë.o@kent.test"))
    finally:
        server.close()
    assert server.transactions() == [["MAIL FROM:<safeguardingunitalerts@kent.test> SMTPUTF8",
                                      "RCPT TO:<zoë.o@kent.test>", "DATA"]]

    plain = ScriptedServer()
    try:
        with pytest.raises(SmtpSendError, match="SMTPUTF8 not supported") as caught:
            plain.client().send(mail_to("zoë.o@kent.test"))
    finally:
        plain.close()
    assert caught.value.permanent and plain.transactions() == []


class _NoChecker:
    def already_sent(self, message_id: str) -> bool | None:
        return None


# -- the same paths through the real Postfix (which advertises PIPELINING) ------------------

@pytest.mark.mailstack
def test_postfix_refusing_one_recipient_mid_pipeline_delivers_to_the_rest_once(
        mailstack: MailStack) -> None:
    manager, gone, deputy = (mailstack.new_address(p) for p in ("tm", "rejected-sm", "ad"))
    busy = mailstack.new_address("tempfail-ad")
    smtp = sender(mailstack)
    mail = rendered((manager, gone, busy, deputy))

    with pytest.raises(SmtpSendError) as caught:
        smtp.send(mail)

    assert {r: c for r, (c, _) in caught.value.refused.items()} == {gone: 550, busy: 450}
    assert not caught.value.permanent, "one refusal was a 4xx: a retry may get through"
    assert caught.value.accepted == (manager, deputy)
    for person in (manager, deputy):
        assert len(arrived(mailstack, person, mail.message_id)) == 1, mailstack.logs()
    assert smtp._smtp is not None and smtp._smtp.has_extn("pipelining")
    smtp.close()


@pytest.mark.mailstack
def test_postfix_refusing_every_recipient_leaves_the_session_fit_for_the_next_message(
        mailstack: MailStack) -> None:
    smtp = sender(mailstack)
    with pytest.raises(SmtpSendError) as caught:
        smtp.send(rendered((mailstack.new_address("rejected-tm"),
                            mailstack.new_address("rejected-sm"))))
    assert caught.value.permanent and caught.value.accepted == ()

    manager = mailstack.new_address("tm")
    mail = rendered((manager,))
    smtp.send(mail)

    assert len(arrived(mailstack, manager, mail.message_id)) == 1
    assert smtp.sessions == 1
    smtp.close()


@pytest.mark.mailstack
def test_postfix_gets_a_body_with_leading_dots_intact(mailstack: MailStack) -> None:
    manager = mailstack.new_address("tm")
    mid = make_msgid("dots", domain="kent.test")[1:-1]
    body = ".\r\n..two\r\n.three\r\nlast line without an end"
    data = (f"From: <safeguardingunitalerts@kent.test>\r\nTo: {manager}\r\n"
            f"Message-ID: <{mid}>\r\nSubject: dots\r\n\r\n{body}").encode()

    sender(mailstack).send(RenderedMail(message_id=mid, envelope_to=(manager,), data=data))

    got = message_from_bytes(arrived(mailstack, manager, mid)[0])
    payload = got.get_payload()
    assert isinstance(payload, str)
    assert payload.replace("\r\n", "\n") == body.replace("\r\n", "\n") + "\n"
