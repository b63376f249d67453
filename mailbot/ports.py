"""The small ports the shell talks through. Each real adapter has a fake beside it.

The core never sees these: it takes values and returns a Decision. The
service shell (mailbot.service) applies that Decision through these ports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

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

    def wait(self, timeout: float) -> None:
        """Block until new mail may have arrived (IDLE or a sleep); a hint only."""
        ...

    def close(self) -> None: ...


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


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class Store(Protocol):
    """The state folder (mailbot.adapters.store.Store is the real one)."""

    secret: bytes

    def load(self) -> Any: ...
    def commit(self, decision: Any, *, seen: Any = None, outbox: Sequence[Any] = ()) -> None: ...
    def seen(self, sha256: str) -> Any: ...
    def pending_outbox(self) -> list[Any]: ...
    def mark_many(self, changes: Mapping[str, Mapping[str, Any]], at: datetime) -> None: ...
    def was_recorded(self, message_id: str) -> bool: ...
    def sent_log(self, since: datetime) -> list[Any]: ...
    def events(self, ref: str) -> list[Any]: ...
    def archived_alert(self, ref: str) -> Any: ...
    def closed_alerts(self, since: datetime) -> list[Any]: ...
    def cursor(self, name: str) -> str | None: ...
    def set_cursor(self, name: str, value: str | None) -> None: ...
    def close(self) -> None: ...


class Renderer(Protocol):
    def render(self, out: Any, now: datetime, *,
               inline_images: Mapping[str, bytes] | None = None) -> RenderedMail: ...
