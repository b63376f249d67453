"""What the shell hands the store besides the core's values, and what it gets back.

`SeenRecord` and `OutboxEntry` are the store's own records (a message handled;
a rendered message to send). `RegisterWrite` is a change to the register of
other councils' alerts (R-OLA) that goes into the same commit as the Decision
it came with. Plain frozen dataclasses: the shell builds them, the ports name
them (`mailbot.ports`), and each store (the real one, the in-memory fake)
keeps them in its own way.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypedDict

from mailbot.core.miu import DeskTask
from mailbot.core.register import RegisterEntry
from mailbot.core.values.base import Disposition
from mailbot.errors import StoreCorrupt


@dataclass(frozen=True)
class SeenRecord:
    """A message (by the hash of its raw bytes) that has been handled."""

    sha256: str
    mailbox: str
    uid: str
    message_id: str
    at: datetime
    disposition: Disposition    # processed / needs_attention / rejected: where it was filed


@dataclass(frozen=True)
class OutboxEntry:
    """A rendered message to send; recorded before any attempt, so none is lost."""

    message_id: str
    envelope_to: tuple[str, ...]
    data: bytes
    ref: str | None
    purpose: str
    created_at: datetime
    status: str = "pending"        # pending / sending / sent
    attempts: int = 0
    retry_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str = ""
    # when the last attempt began: a "sending" entry found after a crash is
    # only resent once the mail system has had time to show it arrived
    sending_at: datetime | None = None
    # never held by the sending caps, and sent first: a Priority One alert's mail
    urgent: bool = False
    # the deadline the message is about (its calendar entry, or a due time): mail due
    # within a cap's window is not held by that cap (issue 10)
    deadline: datetime | None = None


class Base64Mail(str):
    """An outbox entry's mail as the store keeps it, base64 text: given as `data`, it
    is decoded when first asked for (`_Decoded`), and written back as it was read."""

    __slots__ = ()


class KeptMail(Protocol):
    """Where an outbox entry's base64 text is kept instead of memory (the store's
    file: mailbot/adapters/store/hotfile.py); `text` reads it, or raises StoreCorrupt."""

    def text(self) -> str: ...


class _Decoded:
    """`OutboxEntry.data`: the mail's bytes; an entry the store read holds their
    base64 text, or where its file keeps that text (`KeptMail`), until something asks
    (the last day's sent mail, area reviews of thousands of alerts among it, is
    decoded by no `status` and no quiet pass).
    Set once, by the dataclass's own __init__; the entry stays frozen."""

    def __get__(self, entry: object, owner: type | None = None) -> bytes:
        if entry is None:
            raise AttributeError("data")   # a field without a default
        held = entry.__dict__["data"]
        if not isinstance(held, bytes | bytearray):   # base64 text, or where it is kept
            try:
                text = held if type(held) is Base64Mail else held.text()
                held = entry.__dict__["data"] = base64.b64decode(text, validate=True)
            except binascii.Error as error:
                raise StoreCorrupt(f"outgoing mail {getattr(entry, 'message_id', '?')} is "
                                   f"damaged in the store ({error}): restore the folder "
                                   "from a backup") from error
        return held  # type: ignore[no-any-return]

    def __set__(self, entry: object, value: bytes | Base64Mail) -> None:
        entry.__dict__["data"] = value


def kept_base64(entry: OutboxEntry) -> str | None:
    """The base64 text an entry was read with and has not had decoded, else None."""
    held = entry.__dict__["data"]
    if isinstance(held, bytes | bytearray):
        return None
    return held if type(held) is Base64Mail else held.text()


def keep_in_file(entry: OutboxEntry, kept: KeptMail) -> None:
    """Hold the entry's mail as `kept` (where the store's file has its base64 text)
    instead of in memory: the same mail, read again when asked for."""
    entry.__dict__["data"] = kept


def held_mail(entry: OutboxEntry) -> bytes:
    """The entry's mail as it holds it, decoded or not, to give another entry (typed as
    the bytes it stands for)."""
    return entry.__dict__["data"]  # type: ignore[no-any-return]


_ENTRY_FIELDS = frozenset(OutboxEntry.__dataclass_fields__) - {"data"}


def patched(entry: OutboxEntry, **changes: Any) -> OutboxEntry:
    """`entry` with `changes` (a status, a time, never its mail), holding the mail as
    `entry` does, decoded or not. `dataclasses.replace` would ask for `data`, decoding
    the mail, and reading it back from the store's file where it is kept there: a
    status change on each of a day's 3,000 sent mails held them all again."""
    unknown = changes.keys() - _ENTRY_FIELDS
    if unknown:
        raise TypeError(f"an outbox entry has no field {sorted(unknown)} to change here")
    new = object.__new__(OutboxEntry)   # the fields as they are held: no __init__ to run
    new.__dict__.update(entry.__dict__)
    new.__dict__.update(changes)
    return new


def count_sends(sent: Iterable[OutboxEntry], addresses: Iterable[str], hour_since: datetime,
                day_since: datetime) -> dict[str, tuple[int, int]]:
    """For each of `addresses`: (mail of `sent` sent to it from `hour_since` on, from
    `day_since` on), an address counted each time it is on an envelope (the caps)."""
    counts = dict.fromkeys(addresses, (0, 0))
    for entry in sent:
        if entry.sent_at is None or entry.sent_at < day_since:
            continue
        recent = entry.sent_at >= hour_since
        for address in entry.envelope_to:
            if address in counts:
                hour, day = counts[address]
                counts[address] = (hour + recent, day + 1)
    return counts


def same_mail(a: OutboxEntry, b: OutboxEntry) -> bool:
    """Whether two entries carry the same mail, decoding neither when they hold one."""
    return held_mail(a) is held_mail(b) or a.data == b.data


# after the dataclass is made, so that `data` stays a field without a default
setattr(OutboxEntry, "data", _Decoded())  # noqa: B010


class OutboxChange(TypedDict, total=False):
    """What `Store.mark_many` may change in an outbox entry."""

    status: str
    attempts: int
    retry_at: datetime | None
    sent_at: datetime | None
    last_error: str
    sending_at: datetime | None


@dataclass(frozen=True)
class RegisterWrite:
    """A change to the register (R-OLA) and the MIU's open questions about it (R-MIU),
    committed by `Store.commit` in the same durable step as the state it goes with.

    `entries` and `tasks` are the whole register and the whole desk as they now
    stand (None: unchanged). `kept` are originals (saved already, by content)
    the register now indexes; `dropped` are originals purged with this change,
    deleted once it is committed. `counts` go to the audit log: how many entries
    were opened, closed and purged, never which."""

    at: datetime
    entries: tuple[RegisterEntry, ...] | None = None
    tasks: tuple[DeskTask, ...] | None = None
    kept: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
