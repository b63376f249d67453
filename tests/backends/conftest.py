"""One harness per mail backend, so one behavioural suite runs the real service over each.

Each `Backend` gives the suite the same four handles:
- `service()`: a real service (`bootstrap`: real store on a temporary folder,
  real templates and renderer) reading this backend's mailbox and sending
  through this backend's sender, on a simulated clock; called again after
  `crash()` it is a restarted bot on the same state folder;
- `deliver(raw)`: a message arrives in the watched inbox;
- `list_folder(name)`: the messages now in "inbox", "processed",
  "needs_attention" or "rejected";
- `sent_messages(count)`: what left through the sender, as the mail system
  holds it (the file outbox, the Sent folder the SMTP copy reaches, the fake's
  Sent Items);
and `outage()`, the backend's own kind of transient failure.

| backend | inbox | sender | outage |
|---|---|---|---|
| maildir | Maildir in the state folder | file outbox | the outbox cannot be written |
| imap | Dovecot over IMAP | SMTP into Postfix, a copy to `+Sent` | Dovecot restarted, Postfix stopped |
| ews | the fake EWS, exchangelib | EWS CreateItem | ErrorServerBusy a few times, then for every send |
| graph | the fake Graph, httpx | Graph sendMail | 429 a few times, then for every send |
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.store import Store
from mailbot.ports import Mailbox, Sender
from mailbot.service.bootstrap import DEFAULT_CONFIG, bootstrap
from mailbot.service.config_file import read_config
from mailbot.service.service import Service
from mailbot.simulation import Record, SimClock
from tests.exchange.fake_ews import FakeEws
from tests.exchange.fake_graph import FakeGraph
from tests.mailstack.conftest import mailstack  # noqa: F401  (the real stack, for the imap backend)

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
ADDRESS = "safeguardingunitalerts@kent.test"
FOLDER_NAMES = {"inbox": "inbox", "processed": "Processed", "needs_attention": "Needs-Attention",
                "rejected": "Rejected"}
BACKENDS = ["maildir", pytest.param("imap", marks=pytest.mark.mailstack), "ews", "graph"]


class Crash(BaseException):
    """The process died: not an Exception, so nothing in the service catches it."""


@dataclass
class Backend:
    name: str
    state: Path
    mailbox: Callable[[Store], Mailbox]
    sender: Callable[[], Sender]
    deliver: Callable[[bytes], object]
    list_folder: Callable[[str], list[bytes]]
    sent_messages: Callable[[int], list[bytes]]
    outage: Callable[[], contextlib.AbstractContextManager[None]]
    server: Any = None      # the fake EWS or Graph server itself, where there is one
    clock: SimClock = field(default_factory=lambda: SimClock(MONDAY))
    record: Record = field(default_factory=Record)
    _live: list[Service] = field(default_factory=list)

    def service(self, *, crash_after: int | None = None) -> Service:
        """A bot on the state folder; with `crash_after=n` it dies right after the
        n-th message's commit, before moving that message out of the inbox."""
        store = Store.open(self.state)
        service = bootstrap(CONFIG, self.state, store=store, mailboxes={"unit": self.mailbox(store)},
                            sender=self.sender(), clock=self.clock)
        service.observers.append(self.record.observe)
        if crash_after is not None:
            handled = [0]

            def die(now: Any, decision: Any, incoming: Any) -> None:
                if incoming is not None:
                    handled[0] += 1
                    if handled[0] == crash_after:
                        raise Crash(f"killed after message {crash_after}")

            service.observers.append(die)
        self._live.append(service)
        return service

    def crash(self, service: Service) -> None:
        """What the kernel does for a dead process: its lock and connections go;
        nothing is flushed, closed politely or acknowledged."""
        self._live.remove(service)
        service.store._lock.release()  # type: ignore[attr-defined]
        for mailbox in service.mailboxes.values():
            with contextlib.suppress(Exception):
                mailbox.close()

    def close(self) -> None:
        for service in self._live:
            for mailbox in service.mailboxes.values():
                with contextlib.suppress(Exception):
                    mailbox.close()
            service.store.close()
        self._live.clear()


CONFIG = read_config(DEFAULT_CONFIG)


# -- one fixture per backend ------------------------------------------------------


@pytest.fixture
def maildir_backend(tmp_path: Path) -> Iterator[Backend]:
    from mailbot.adapters.file_sender import FileSender
    from mailbot.adapters.maildir import SUBFOLDERS, MaildirMailbox

    state = tmp_path / "state"
    inbox = MaildirMailbox("unit", state / "mail" / "unit")   # what a mail server delivers into
    outbox = FileSender(state / "outbox")                      # to read what was "sent"

    def listed(name: str) -> list[bytes]:
        if name == "inbox":
            return [m.raw for m in inbox.fetch()]
        base = inbox.path / f".{SUBFOLDERS[name]}"  # type: ignore[index]
        return [p.read_bytes() for sub in ("new", "cur") for p in sorted((base / sub).iterdir())]

    @contextlib.contextmanager
    def outbox_unwritable() -> Iterator[None]:
        tmp = state / "outbox" / "tmp"
        shutil.rmtree(tmp)
        tmp.write_text("not a folder: the disk is full / read-only\n")
        try:
            yield
        finally:
            tmp.unlink()
            tmp.mkdir()

    backend = Backend(
        "maildir", state,
        mailbox=lambda store: MaildirMailbox("unit", state / "mail" / "unit"),
        sender=lambda: FileSender(state / "outbox"),
        deliver=inbox.deliver,
        list_folder=listed,
        sent_messages=lambda count: outbox.sent(),
        outage=outbox_unwritable)
    yield backend
    backend.close()


@pytest.fixture
def imap_backend(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Backend]:
    from mailbot.adapters.imap.mailbox import ImapMailbox
    from mailbot.adapters.imap.sent_copy import ImapSentCopyChecker
    from mailbot.adapters.smtp import SmtpSender
    from tests.support.mailstack import PASSWORD, MailStack

    stack: MailStack = request.getfixturevalue("mailstack")
    user = stack.new_address("unit")
    local, domain = user.split("@")
    login = dict(host=stack.host, port=stack.imap_port, username=user, password=PASSWORD,
                 security="starttls", ssl_context=stack.ssl_context(), timeout=10)

    def deliver(raw: bytes) -> None:
        client = stack.imap_client(user)   # APPEND: in order, at once (SMTP delivery is not)
        try:
            client.append("INBOX", raw)
        finally:
            client.logout()

    @contextlib.contextmanager
    def servers_down() -> Iterator[None]:
        stack.restart_imap()     # every open IMAP connection is dropped
        stack.stop_smtp()
        try:
            yield
        finally:
            stack.start_smtp()

    backend = Backend(
        "imap", tmp_path / "state",
        mailbox=lambda store: ImapMailbox("unit", idle=False, **login),  # type: ignore[arg-type]
        sender=lambda: SmtpSender(
            host=stack.host, port=stack.smtp_port, security="starttls",
            ssl_context=stack.ssl_context(), timeout=10,
            sent_copy=(f"{local}+Sent@{domain}", ImapSentCopyChecker(folders=("Sent",), **login))),  # type: ignore[arg-type]
        deliver=deliver,
        list_folder=lambda name: stack.mailbox_messages(
            user, "INBOX" if name == "inbox" else FOLDER_NAMES[name]),
        sent_messages=lambda count: stack.wait_for_messages(user, count, "Sent"),
        outage=servers_down)
    yield backend
    backend.close()


def _fake_folder(store: Any, name: str) -> list[bytes]:
    try:
        return list(store.messages(FOLDER_NAMES[name]))
    except KeyError:   # a folder the adapter has not made yet
        return []


@pytest.fixture
def ews_backend(tmp_path: Path) -> Iterator[Backend]:
    from mailbot.adapters.microsoft.ews_connection import EwsConnection
    from mailbot.adapters.microsoft.ews_mailbox import EwsMailbox
    from mailbot.adapters.microsoft.ews_sender import EwsSender

    with FakeEws() as fake:
        login: dict[str, Any] = dict(service_endpoint=fake.endpoint, auth="basic",
                                     username=fake.username, password=fake.password)

        @contextlib.contextmanager
        def busy() -> Iterator[None]:
            # reading: busy a few times, within the adapter's patience (five back-offs);
            # sending: busy until the outage ends, so the service must come back to it
            fake.throttle("GetItem", 2)
            fake.throttle("MoveItem", 2)
            fake.throttle("CreateItem", 10_000)
            try:
                yield
            finally:
                fake.faults.clear()

        backend = Backend(
            "ews", tmp_path / "state",
            mailbox=lambda store: EwsMailbox("unit", email=ADDRESS, cursor_store=store, **login),
            sender=lambda: EwsSender(EwsConnection(email=ADDRESS, **login)),
            deliver=fake.store.deliver,
            list_folder=lambda name: _fake_folder(fake.store, name),
            sent_messages=lambda count: fake.store.messages("sentitems"),
            outage=busy, server=fake)
        yield backend
        backend.close()


@pytest.fixture
def graph_backend(tmp_path: Path) -> Iterator[Backend]:
    from mailbot.adapters.microsoft.graph_client import GraphClient
    from mailbot.adapters.microsoft.graph_mailbox import GraphMailbox
    from mailbot.adapters.microsoft.graph_sender import GraphSender
    from tests.exchange.fake_graph import TOKEN

    with FakeGraph() as fake:
        login: dict[str, Any] = dict(mailbox=ADDRESS, tenant_id="kent", client_id="app-id",
                                     base_url=fake.base_url, token_provider=lambda: TOKEN)

        @contextlib.contextmanager
        def throttled() -> Iterator[None]:
            # reading: 429 a few times, which the client waits out (Retry-After: 0);
            # sending: 429 until the outage ends, beyond the client's four retries
            fake.throttle("mime", 2, retry_after="0")
            fake.throttle("move", 2, retry_after="0")
            fake.throttle("send_mail", 10_000, retry_after="0")
            try:
                yield
            finally:
                fake.faults.clear()

        backend = Backend(
            "graph", tmp_path / "state",
            mailbox=lambda store: GraphMailbox("unit", cursor_store=store, **login),
            sender=lambda: GraphSender(GraphClient(**login)),
            deliver=fake.store.deliver,
            list_folder=lambda name: _fake_folder(fake.store, name),
            sent_messages=lambda count: fake.store.messages("sentitems"),
            outage=throttled, server=fake)
        yield backend
        backend.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """The same behavioural test, once per backend."""
    return request.getfixturevalue(f"{request.param}_backend")  # type: ignore[no-any-return]
