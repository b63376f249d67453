"""The fakes beside the ports (`mailbot.ports`): in memory, deterministic, no files.

Each keeps the semantics of its real adapter as far as the shell relies on
them, so a test of the service can run on these alone:

    FakeMailbox      Mailbox: an inbox and three folders in lists
    FakeSender       Sender: what was handed over, and it knows exactly (like FileSender)
    FixedClock       Clock: the time you set, moved by hand
    MemoryStore      Store: state, outbox, seen-records, history, cursors, register
    MemoryRegister   Register: entries, questions, originals, audit counts
    FakeRenderer     Renderer: headers and the context as JSON, no templates
    FakeAttachments  AttachmentReader: the texts you give it

`tests/test_fakes.py` runs the same sequence against the real store and
MemoryStore and compares what each shows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING

from mailbot import ports
from mailbot.core.miu import DeskTask
from mailbot.core.register import RegisterEntry, search
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.mail import Outgoing
from mailbot.core.values.state import Decision, State, with_alerts
from mailbot.errors import TransportError
from mailbot.ports import Folder, InboxMessage, RenderedMail
from mailbot.records import OutboxChange, OutboxEntry, RegisterWrite, SeenRecord, count_sends

AUDIT_KINDS = ("opened", "closed", "purged")


# -- Mailbox ---------------------------------------------------------------------------


class FakeMailbox:
    """An inbox in a list; `acknowledge` moves a message to `folders[folder]`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inbox: list[InboxMessage] = []
        self.folders: dict[Folder, list[InboxMessage]] = {
            "processed": [], "needs_attention": [], "rejected": []}
        self.closed = False
        self._uids = 0

    def deliver(self, raw: bytes, at: object = None) -> str:
        self._uids += 1
        uid = f"1:{self._uids}"
        self.inbox.append(InboxMessage(mailbox=self.name, uid=uid, raw=raw))
        return uid

    def fetch(self) -> Iterator[InboxMessage]:
        yield from list(self.inbox)

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        if message in self.inbox:   # else moved already, or by a person: not an error
            self.inbox.remove(message)
            self.folders[folder].append(message)

    def acknowledge_many(self, handled: Sequence[tuple[InboxMessage, Folder]]) -> None:
        for message, folder in handled:
            self.acknowledge(message, folder)

    def wait(self, timeout: float) -> None:
        return None

    def close(self) -> None:
        self.closed = True


# -- Sender ------------------------------------------------------------------------------


class FakeSender:
    """Keeps what it was handed; set `fail` to make the next sends raise it."""

    def __init__(self) -> None:
        self.mail: list[RenderedMail] = []
        self.fail: TransportError | None = None

    def send(self, mail: RenderedMail) -> None:
        if self.fail is not None:
            raise self.fail
        if not self.already_sent(mail.message_id):
            self.mail.append(mail)

    def already_sent(self, message_id: str) -> bool:
        return any(m.message_id == message_id for m in self.mail)

    def sent(self) -> list[bytes]:
        return [m.data for m in self.mail]

    def close(self) -> None:
        return None


# -- Clock -------------------------------------------------------------------------------


@dataclass
class FixedClock:
    t: datetime = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.t

    def advance(self, by: timedelta) -> None:
        self.t += by


# -- Register ----------------------------------------------------------------------------


class MemoryRegister:
    """The register in memory; changed only through `MemoryStore.commit`."""

    def __init__(self) -> None:
        self._entries: tuple[RegisterEntry, ...] = ()
        self._tasks: tuple[DeskTask, ...] = ()
        self._index: dict[str, datetime] = {}
        self._saved: dict[str, bytes] = {}
        self._audit: list[tuple[datetime, dict[str, int]]] = []

    def entries(self) -> tuple[RegisterEntry, ...]:
        return self._entries

    def list(self, status: str | None = None) -> tuple[RegisterEntry, ...]:
        chosen = [e for e in self._entries if status is None or e.status == status]
        return tuple(sorted(chosen, key=lambda e: (e.status != "open", e.first_notified, e.id)))

    def search(self, text: str) -> tuple[RegisterEntry, ...]:
        return search(self.list(), text)

    def tasks(self) -> tuple[DeskTask, ...]:
        return self._tasks

    def originals(self) -> dict[str, datetime]:
        return dict(self._index)

    def original(self, original_id: str) -> bytes:
        if original_id not in self._saved:
            raise FileNotFoundError(original_id)
        return self._saved[original_id]

    def save_original(self, raw: bytes) -> str:
        original_id = hashlib.sha256(raw).hexdigest()[:24]
        self._saved.setdefault(original_id, raw)
        return original_id

    def counts(self, since: datetime) -> dict[str, int]:
        totals: Counter[str] = Counter({kind: 0 for kind in AUDIT_KINDS})
        for at, counts in self._audit:
            if at >= since:
                totals.update(counts)
        return dict(totals)

    def apply(self, change: RegisterWrite) -> None:
        if change.entries is not None:
            self._entries = tuple(change.entries)
        if change.tasks is not None:
            self._tasks = tuple(change.tasks)
        for original_id in change.dropped:
            self._index.pop(original_id, None)
            self._saved.pop(original_id, None)
        for original_id in change.kept:
            self._index.setdefault(original_id, change.at)
        counts = {k: n for k, n in change.counts.items() if k in AUDIT_KINDS and n}
        if counts:
            self._audit.append((change.at, counts))


# -- Store -------------------------------------------------------------------------------


class MemoryStore:
    """The state folder in memory: what `mailbot.adapters.store.Store` shows through
    the Store port, without files, the lock, or the move to cold files."""

    def __init__(self, secret: bytes = b"fake-secret".ljust(32, b"\0")) -> None:
        self.secret = secret
        self._register = MemoryRegister()
        self._state = State()
        self._events: dict[tuple[str, int], Event] = {}
        self._archive: dict[str, Alert] = {}
        self._seen: dict[str, SeenRecord] = {}
        self._outbox: dict[str, OutboxEntry] = {}
        self._cursors: dict[str, str] = {}
        self.commits = 0

    @property
    def register(self) -> MemoryRegister:
        return self._register

    def load(self) -> State:
        return self._state

    def commit(self, decision: Decision, *, seen: SeenRecord | None = None,
               outbox: Sequence[OutboxEntry] = (),
               register: RegisterWrite | None = None, durable: bool = True) -> None:
        given = decision.state.alerts
        missing = [ref for ref in decision.closed if ref not in given]
        if missing:
            raise ValueError(f"closed alerts {missing} are not in the decision's state")
        self._state = decision.state.model_copy(
            update={"alerts": with_alerts(given, drop=decision.closed)})
        self._archive.update((ref, given[ref]) for ref in decision.closed)
        for event in decision.events:
            self._events.setdefault((event.ref, event.seq), event)
        if seen is not None:
            self._seen.setdefault(seen.sha256, seen)
        for entry in outbox:
            self._outbox.setdefault(entry.message_id, dataclasses.replace(entry, status="pending"))
        if register is not None:
            self._register.apply(register)
        self.commits += 1

    def sync(self) -> None:
        """Nothing to put on disk: a staged commit is as good as written here."""

    def fold_when_quiet(self) -> bool:
        """No journal here: nothing to fold."""
        return False

    def seen(self, sha256: str) -> SeenRecord | None:
        return self._seen.get(sha256)

    def pending_outbox(self) -> list[OutboxEntry]:
        waiting = [e for e in self._outbox.values() if e.status in ("pending", "sending")]
        return sorted(waiting, key=lambda e: e.created_at)

    def mark_many(self, changes: Mapping[str, OutboxChange], at: datetime) -> None:
        for message_id, change in changes.items():
            if message_id not in self._outbox:
                raise KeyError(f"{message_id}: not in the outbox")
            self._outbox[message_id] = dataclasses.replace(self._outbox[message_id], **change)

    def was_recorded(self, message_id: str) -> bool:
        return message_id in self._outbox

    def sent_log(self, since: datetime) -> list[OutboxEntry]:
        sent = [e for e in self._outbox.values()
                if e.status == "sent" and e.sent_at is not None and e.sent_at >= since]
        return sorted(sent, key=lambda e: (e.sent_at or since, e.message_id))

    def sent_counts(self, addresses: Iterable[str], hour_since: datetime,
                    day_since: datetime) -> dict[str, tuple[int, int]]:
        return count_sends(self.sent_log(day_since), addresses, hour_since, day_since)

    def events(self, ref: str) -> list[Event]:
        return sorted((e for (r, _), e in self._events.items() if r == ref), key=lambda e: e.seq)

    def archived_alert(self, ref: str) -> Alert | None:
        return self._archive.get(ref)

    def closed_alerts(self, since: datetime) -> list[Alert]:
        def closed_at(a: Alert) -> datetime:
            return a.closed_at or a.updated_at

        found = [a for a in self._archive.values() if closed_at(a) >= since]
        return sorted(found, key=lambda a: (closed_at(a), a.ref))

    def each_closed_alert(self, since: datetime) -> Iterator[Alert]:
        yield from self.closed_alerts(since)

    def cursor(self, name: str) -> str | None:
        return self._cursors.get(name)

    def set_cursor(self, name: str, value: str | None) -> None:
        self._cursors.pop(name, None)
        if value is not None:
            self._cursors[name] = value

    def close(self) -> None:
        return None


# -- Renderer ----------------------------------------------------------------------------


@dataclass
class FakeRenderer:
    """Mail with the real renderer's envelope and addressing headers and the context
    as JSON for a body: the same `Outgoing` and `now` always give the same bytes."""

    bot_address: str = "bot@example.invalid"
    plus_addressing: bool = True
    rendered: list[Outgoing] = field(default_factory=list)

    def render(self, out: Outgoing, now: datetime, *,
               inline_images: Mapping[str, bytes] | None = None) -> RenderedMail:
        if not (out.to or out.cc or out.bcc):
            raise ValueError(f"{out.purpose} for {out.ref}: no recipients")
        message_id = out.message_id.strip("<>")
        headers = [("From", self.bot_address),
                   ("To", ", ".join(r.email for r in out.to))]
        if out.cc:
            headers.append(("Cc", ", ".join(r.email for r in out.cc)))
        headers += [("Subject", out.subject), ("Date", format_datetime(now)),
                    ("Message-ID", f"<{message_id}>")]
        if out.in_reply_to:
            parent = f"<{out.in_reply_to.strip('<>')}>"
            headers += [("In-Reply-To", parent), ("References", parent)]
        if out.reply_token and self.plus_addressing:
            local, _, domain = self.bot_address.partition("@")
            headers.append(("Reply-To", f"{local}+{out.reply_token}@{domain}"))
        headers.append(("X-Mailbot-Purpose", out.purpose))
        if out.ref:
            headers.append(("X-Mailbot-Ref", out.ref))
        body = json.dumps({"context": out.context, "images": sorted(inline_images or {})},
                          sort_keys=True, default=str)
        data = "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n" + body + "\r\n"
        self.rendered.append(out)
        envelope = dict.fromkeys(r.email.strip().lower() for r in (*out.to, *out.cc, *out.bcc))
        return RenderedMail(message_id=message_id, envelope_to=tuple(envelope),
                            data=data.encode("utf-8"))


# -- AttachmentReader ------------------------------------------------------------------


@dataclass
class FakeAttachments:
    """The texts given for a message's bytes (none for any other message)."""

    texts: dict[bytes, list[str]] = field(default_factory=dict)

    def __call__(self, raw: bytes) -> list[str]:
        return list(self.texts.get(raw, []))


if TYPE_CHECKING:   # mypy proves each fake fits its port (tests/test_fakes.py checks at run time)
    _mailbox: ports.Mailbox = FakeMailbox("unit")
    _sender: ports.Sender = FakeSender()
    _clock: ports.Clock = FixedClock()
    _store: ports.Store = MemoryStore()
    _register: ports.Register = MemoryRegister()
    _renderer: ports.Renderer = FakeRenderer()
    _attachments: ports.AttachmentReader = FakeAttachments()
