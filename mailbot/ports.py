"""The small ports the shell talks through. Each real adapter has a fake beside it.

The core never sees these: it takes values and returns a Decision. The
service shell (mailbot.service) applies that Decision through these ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

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
