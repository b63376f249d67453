"""Issue 12 on the real Dovecot + Postfix stack: one SMTP session a pass, a dropped
session reconnected without sending anything twice, and the handled mail moved out of
the inbox with one UID MOVE a batch.

Connections are counted where they land: in Postfix's own log ("connect from"), and
at a small TCP proxy in front of Postfix that can drop the bot's session at a chosen
moment. IMAP commands are counted in the bytes the bot's IMAP client writes."""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.mailstack.bot import County, LiveBot, People, ids_by_recipient
from tests.support.mailstack import PASSWORD, MailStack

pytestmark = pytest.mark.mailstack
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
END_OF_DATA = b"\r\n.\r\n"


class DroppingProxy:
    """Relays SMTP to Postfix; drops the bot's session once, after the `after`-th
    message: `between` once Postfix's 250 for it has reached the bot (the next MAIL
    finds the session dead), or `in_data` before that 250 reaches the bot (the
    message left, but the bot cannot know)."""

    def __init__(self, stack: MailStack, *, after: int, when: str) -> None:
        self.target = (stack.host, stack.smtp_port)
        self.after, self.when = after, when
        self.connections = 0
        self.messages = 0
        self.dropped = False
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop = True
        self._server.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._session, args=(client, upstream), daemon=True).start()

    def _session(self, client: socket.socket, upstream: socket.socket) -> None:
        state = {"ended": 0, "replied": 0}

        def close_both() -> None:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

        def up() -> None:      # bot -> Postfix
            tail = b""
            try:
                while chunk := client.recv(65536):
                    upstream.sendall(chunk)
                    seen = tail + chunk
                    state["ended"] += seen.count(END_OF_DATA)
                    tail = seen[-4:]
            except OSError:
                pass

        def down() -> None:    # Postfix -> bot
            try:
                while chunk := upstream.recv(65536):
                    if state["ended"] > state["replied"] and chunk.startswith(b"250"):
                        state["replied"] += 1
                        self.messages += 1
                        if not self.dropped and self.messages == self.after:
                            if self.when == "in_data":
                                self.dropped = True
                                close_both()       # the 250 never reaches the bot
                                return
                            client.sendall(chunk)
                            self.dropped = True
                            close_both()
                            return
                    client.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=up, daemon=True).start()
        down()


def postfix_connections(stack: MailStack, since: int) -> int:
    with (stack.dir / "postfix.log").open("rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    return len(re.findall(r"smtpd\[\d+\]: connect from", text))


def log_size(stack: MailStack) -> int:
    return (stack.dir / "postfix.log").stat().st_size


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.mailstack.bot import PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def forms(county: County, people: People, count: int) -> list[str]:
    sent = [people.send_form(county.email("kim.lead"), "C3", **{"Liberi ID": f"{8800000 + n}",
                                                               "Child's name": f"Sess{n} Child"})
            for n in range(count)]
    for mid in sent:
        people.arrived(county.bot, mid)
    return sent


def each_once(stack: MailStack, county: County) -> Counter[str]:
    """Every recipient's mail from the bot: fail on any Message-ID received twice."""
    who = [county.email("kim.lead"), county.person("wyn.west")]
    received = ids_by_recipient(stack, who)
    for person, ids in received.items():
        twice = [m for m, n in Counter(ids).items() if n > 1]
        assert twice == [], f"{person} received {twice} twice"
    return Counter({person: len(ids) for person, ids in received.items()})


def settle(stack: MailStack) -> None:
    from tests.mailstack.test_crash import settle as wait_for_postfix

    wait_for_postfix(stack)


def test_a_pass_sends_all_its_mail_over_one_smtp_session(
        mailstack: MailStack, tmp_path: Path, env: None) -> None:
    county = County.create(mailstack, tmp_path, mailboxes=("unit",))
    bot = LiveBot(county, START)
    try:
        forms(county, bot.people, 4)
        mark = log_size(mailstack)
        bot.run()
        settle(mailstack)
        assert bot.service.sender.sessions == 1  # type: ignore[attr-defined]
        assert postfix_connections(mailstack, mark) == 1, "Postfix saw one SMTP session"
        assert each_once(mailstack, county) == {county.email("kim.lead"): 4,
                                                 county.person("wyn.west"): 4}
    finally:
        bot.close()


@pytest.fixture
def proxied(mailstack: MailStack, tmp_path: Path, env: None,
            request: pytest.FixtureRequest) -> Iterator[tuple[County, DroppingProxy]]:
    after, when = request.param
    proxy = DroppingProxy(mailstack, after=after, when=when)

    def through_proxy(data: dict[str, Any]) -> None:
        data["sender"]["port"] = proxy.port

    try:
        yield County.create(mailstack, tmp_path, mailboxes=("unit",), edit=through_proxy,
                            resend_grace="1m"), proxy
    finally:
        proxy.close()


@pytest.mark.parametrize("proxied", [(3, "between")], indirect=True)
def test_a_session_dropped_between_messages_is_reopened_and_nothing_goes_twice(
        mailstack: MailStack, proxied: tuple[County, DroppingProxy]) -> None:
    county, proxy = proxied
    bot = LiveBot(county, START)
    try:
        forms(county, bot.people, 4)
        bot.run()
        settle(mailstack)
        assert proxy.dropped and proxy.connections == 2, "dropped once, reconnected once"
        assert bot.service.store.pending_outbox() == []
        assert each_once(mailstack, county) == {county.email("kim.lead"): 4,
                                                 county.person("wyn.west"): 4}
    finally:
        bot.close()


@pytest.mark.parametrize("proxied", [(3, "in_data")], indirect=True)
def test_a_session_dropped_before_the_servers_250_sends_that_message_no_second_time(
        mailstack: MailStack, proxied: tuple[County, DroppingProxy]) -> None:
    """The bot cannot know the 3rd message left: it stays "sending" until the sent copy
    settles it; the rest go on a new session; no one gets anything twice."""
    county, proxy = proxied
    bot = LiveBot(county, START)
    try:
        forms(county, bot.people, 4)
        bot.run()
        settle(mailstack)
        bot.clock.t += timedelta(minutes=2)       # past the resend grace
        bot.run()
        bot.run()
        settle(mailstack)
        assert proxy.dropped
        assert bot.service.store.pending_outbox() == []
        assert each_once(mailstack, county) == {county.email("kim.lead"): 4,
                                                 county.person("wyn.west"): 4}
        copies = Counter(raw.split(b"Message-ID:", 1)[1].split(b"\r\n", 1)[0].strip()
                         for raw in mailstack.mailbox_messages(county.bot, "Sent"))
        assert [m for m, n in copies.items() if n > 1] == [], "handed to Postfix twice"
    finally:
        bot.close()


def test_a_batch_of_handled_mail_is_moved_with_one_uid_move(
        mailstack: MailStack, tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    county = County.create(mailstack, tmp_path, mailboxes=("unit",))
    bot = LiveBot(county, START)
    said: list[bytes] = []
    real_send = imaplib.IMAP4.send

    def recorded(self: imaplib.IMAP4, data: bytes) -> None:
        said.append(bytes(data))
        real_send(self, data)

    try:
        sent = forms(county, bot.people, 5)
        monkeypatch.setattr(imaplib.IMAP4, "send", recorded)
        bot.run()
        monkeypatch.undo()
        lines = b"".join(said).split(b"\r\n")
        moves = [line for line in lines if re.match(rb"^\w+ UID MOVE ", line, re.IGNORECASE)]
        assert len(moves) == 1, f"one UID MOVE for the batch, not {moves}"
        assert re.search(rb"UID MOVE \d+[:,]\d+", moves[0], re.IGNORECASE), moves[0]
        for mid in sent:
            assert bot.people.holds(county.bot, mid, "Processed")
        assert not any(bot.people.holds(county.bot, mid) for mid in sent)
    finally:
        bot.close()
