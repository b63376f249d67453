"""The small ports the shell talks through. Each real adapter has a fake beside it.

The core never sees these: it takes values and returns a Decision. The
service shell (mailbot.service) applies that Decision through these ports,
and only `mailbot.service.bootstrap` builds the real adapters:

    port              real adapter                                fake (mailbot.fakes)
    Mailbox           adapters.maildir, imap, microsoft (EWS, Graph) FakeMailbox
    Sender            adapters.file_sender, smtp, microsoft        FakeSender
    Clock             bootstrap.SystemClock                        FixedClock
    Store             adapters.store.Store                         MemoryStore
    Register          adapters.store.register.RegisterStore        MemoryRegister
    Renderer          adapters.render.Renderer                     FakeRenderer
    AttachmentReader  adapters.attachments_text.readable_texts     FakeAttachments

The records the store takes and gives (`SeenRecord`, `OutboxEntry`,
`RegisterWrite`) are in `mailbot.records`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from mailbot.core.miu import DeskTask
from mailbot.core.register import RegisterEntry
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.mail import Outgoing
from mailbot.core.values.state import Decision, State
from mailbot.records import OutboxChange, OutboxEntry, RegisterWrite, SeenRecord

Folder = Literal["processed", "needs_attention", "rejected"]


@dataclass(frozen=True)
class InboxMessage:
    """One message waiting in a watched mailbox, not yet acknowledged."""

    mailbox: str      # the configured mailbox name ("unit", "miu")
    uid: str          # the backend's stable id: Maildir key, "UIDVALIDITY:UID", EWS/Graph id
    raw: bytes


class Mailbox(Protocol):
    name: str

    def fetch(self) -> Iterator[InboxMessage]:
        """Messages in the watched inbox, oldest first, without marking them read."""
        ...

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        """Move a handled message out of the inbox. Idempotent: a message a
        person already moved or deleted is not an error."""
        ...

    def acknowledge_many(self, handled: Sequence[tuple[InboxMessage, Folder]]) -> None:
        """`acknowledge` for several messages, in as few server calls as the backend
        allows (one IMAP UID MOVE a folder, Graph $batch, one EWS MoveItem)."""
        ...

    def wait(self, timeout: float) -> None:
        """Block until new mail may have arrived (IDLE or a sleep); a hint only."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ArchivedMessage:
    """A message as the mailbox keeps it after the bot is done with it: filed in
    Processed (or Needs-Attention, Rejected), or a sent copy. `at` is the time the
    mailbox keeps (a Maildir file's time, IMAP INTERNALDATE). For `mailbot rebuild`."""

    mailbox: str
    folder: str
    uid: str
    at: datetime
    raw: bytes


def uid_order(uid: str) -> list[int | str]:
    """A mailbox's ids in the order it gave them, its numbers read as numbers: IMAP's
    "9" before "10", and a Maildir's "1796.M99999P1Q2" before "1796.M100000P1Q3" (the
    stdlib and Dovecot write the microsecond without leading zeros), which text order
    turns round."""
    return [int(p) if i % 2 else p for i, p in enumerate(_DIGITS.split(uid))]


_DIGITS = re.compile(r"(\d+)")


class FiledMail(Protocol):
    """A mailbox whose filed messages can be read back, moving and flagging nothing."""

    name: str

    def filed(self) -> Iterator[ArchivedMessage]: ...


class SentCopies(Protocol):
    """A sender whose sent copies can be read back, moving and flagging nothing."""

    def copies(self) -> Iterator[ArchivedMessage]: ...


@dataclass(frozen=True)
class RenderedMail:
    message_id: str           # without angle brackets
    envelope_to: tuple[str, ...]
    data: bytes


class Sender(Protocol):
    def send(self, mail: RenderedMail) -> None:
        """Hand the message to the mail system; raise TransportError to retry later."""
        ...

    def already_sent(self, message_id: str) -> bool | None:
        """Whether a message with this id certainly left already: True, False,
        or None when the sender cannot tell (then the outbox decides)."""
        ...

    def close(self) -> None:
        """Let go of the connection kept between sends (one session a pass)."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class Register(Protocol):
    """The register of other councils' national alerts (R-OLA) and the MIU's open
    questions about it (R-MIU). Read here; changed only by `Store.commit` (a
    `RegisterWrite`), so a change and the mail it causes are one durable step."""

    def entries(self) -> tuple[RegisterEntry, ...]: ...

    def list(self, status: str | None = None) -> tuple[RegisterEntry, ...]:
        """Open entries first, then closed, each oldest first."""
        ...

    def search(self, text: str) -> tuple[RegisterEntry, ...]: ...

    def tasks(self) -> tuple[DeskTask, ...]:
        """The questions to the MIU not yet answered."""
        ...

    def originals(self) -> dict[str, datetime]:
        """The originals the register keeps: id -> when first kept."""
        ...

    def original(self, original_id: str) -> bytes:
        """A notification as received; FileNotFoundError once purged."""
        ...

    def save_original(self, raw: bytes) -> str:
        """Keep `raw` under an id made from its bytes (the same bytes, the same id),
        ahead of the commit that indexes it: saving twice is harmless."""
        ...

    def counts(self, since: datetime) -> dict[str, int]:
        """Entries opened, closed and purged from `since` on (the digest)."""
        ...


class Cursors(Protocol):
    """Where a mailbox keeps its sync state between runs (the store, for Graph)."""

    def cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str | None) -> None: ...


class Store(Cursors, Protocol):
    """The state folder (mailbot.adapters.store.Store is the real one): the hot
    state, the outbox, history, mailbox cursors, and the register, all committed
    through it."""

    secret: bytes

    @property
    def register(self) -> Register: ...

    def load(self) -> State: ...

    def commit(self, decision: Decision, *, seen: SeenRecord | None = None,
               outbox: Sequence[OutboxEntry] = (),
               register: RegisterWrite | None = None, durable: bool = True) -> None:
        """ONE durable step: the new state, its events, the seen-record, the outbox
        entries and the register's change. After a crash, all of it or none.
        `durable=False`: staged (every read sees it) until the next durable write or
        `sync` puts it on disk with the others staged; act on it only after that."""
        ...

    def sync(self) -> None:
        """What was staged, on disk in one durable write (group commit)."""
        ...

    def fold_when_quiet(self) -> bool:
        """Housekeeping at a quiet moment (the store's own: folding its journal);
        whether it did any."""
        ...

    def seen(self, sha256: str) -> SeenRecord | None: ...

    def pending_outbox(self) -> list[OutboxEntry]:
        """Entries "pending" or "sending", oldest first."""
        ...

    def mark_many(self, changes: Mapping[str, OutboxChange], at: datetime) -> None:
        """Several outbox entries' changes in one durable write."""
        ...

    def was_recorded(self, message_id: str) -> bool: ...

    def sent_log(self, since: datetime) -> list[OutboxEntry]:
        """Entries sent from `since` on, in the order they were sent."""
        ...

    def sent_counts(self, addresses: Iterable[str], hour_since: datetime,
                    day_since: datetime) -> dict[str, tuple[int, int]]:
        """For each of `addresses`: (mail sent to it from `hour_since` on, from
        `day_since` on), as `records.count_sends` counts the sent log (the caps)."""
        ...

    def events(self, ref: str) -> list[Event]: ...

    def archived_alert(self, ref: str) -> Alert | None: ...

    def closed_alerts(self, since: datetime) -> list[Alert]: ...

    def each_closed_alert(self, since: datetime) -> Iterator[Alert]:
        """The alerts closed since `since`, as `closed_alerts` has them, one at a time
        and in no set order: for a pass over years of them (`mailbot report`)."""
        ...

    def close(self) -> None: ...


class Renderer(Protocol):
    def render(self, out: Outgoing, now: datetime, *,
               inline_images: Mapping[str, bytes] | None = None) -> RenderedMail:
        """The bytes of `out` as an email; ValueError if it must not be sent at all."""
        ...


class AttachmentReader(Protocol):
    def __call__(self, raw: bytes) -> list[str]:
        """The readable text of each Word or PDF file attached to `raw`, in order
        (R-OLA). Never raises for a file it cannot read: it leaves it out."""
        ...


class RecordScan(Protocol):
    """The store's files searched for a subject access request (issue 15): each
    method returns candidates holding a word, which the caller checks exactly."""

    def events(self, needles: tuple[bytes, ...]) -> list[Event]: ...

    def archived(self, needles: tuple[bytes, ...]) -> list[Alert]: ...

    def sent(self, needles: tuple[bytes, ...] = (), refs: Iterable[str] = (),
             months: tuple[str, str] | None = None) -> list[OutboxEntry]: ...


class Removal(Protocol):
    """What removing alerts' personal data touched (mailbot.adapters.store.scrub.Removed)."""

    incoming: frozenset[str]     # Message-IDs of the messages received about them
    outgoing: frozenset[str]     # Message-IDs of the mail sent about them
    files: int


class RecordsStore(Store, Protocol):
    """A store that keeps records to a retention schedule (issue 15): the real one."""

    folder: Path

    def closing_alerts(self) -> list[Alert]: ...
    def archived_before(self, month: str) -> Iterable[Alert]: ...
    def remove_personal(self, stripped: Mapping[str, Alert], events: Sequence[Event],
                        at: datetime, forget: Callable[[Removal], None] | None = None
                        ) -> Removal: ...
    def log_retention(self, record: dict[str, object]) -> None: ...
    def retention_runs(self, since: datetime | None = None) -> list[dict[str, object]]: ...
