"""The Mailbox contract as plain functions, to run one behavioural suite over every backend.

Each check takes
- `make`: builds a Mailbox on the mailbox under test; called again it must give a
  new adapter on the same mailbox *and the same saved state* (a restart);
- `deliver`: puts one raw message into that mailbox's inbox.

Checks compare messages by Message-ID, not bytes (a server may re-encode MIME),
only look at the messages they delivered themselves, and acknowledge those
before they return, so they can run one after another on one mailbox.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

from mailbot.ports import InboxMessage, Mailbox

Make = Callable[[], Mailbox]
Deliver = Callable[[bytes], None]
_serial = itertools.count(1)


def sample(tag: str) -> tuple[str, bytes]:
    """A small message with a Message-ID no other check uses."""
    message_id = f"<{tag}.{next(_serial)}@contract.test>"
    raw = (f"From: Sam Worker <sam.worker@kent.test>\r\nTo: safeguardingunitalerts@kent.test\r\n"
           f"Subject: contract {tag}\r\nMessage-ID: {message_id}\r\n"
           "Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nA line of text.\r\n").encode()
    return message_id, raw


def message_id(message: InboxMessage) -> str:
    for line in message.raw.split(b"\n"):
        if not line.strip():
            break
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return ""


def _mine(messages: Iterator[InboxMessage], ids: list[str]) -> list[InboxMessage]:
    return [m for m in messages if message_id(m) in ids]


def _finish(mailbox: Mailbox, ids: list[str]) -> None:
    for m in _mine(mailbox.fetch(), ids):
        mailbox.acknowledge(m, "processed")
    mailbox.close()


def new_message_is_fetched(make: Make, deliver: Deliver) -> None:
    mid, raw = sample("new")
    deliver(raw)
    mailbox = make()
    got = _mine(mailbox.fetch(), [mid])
    assert [message_id(m) for m in got] == [mid], "a delivered message was not fetched"
    assert got[0].mailbox == mailbox.name and got[0].uid, "InboxMessage lacks mailbox or uid"
    _finish(mailbox, [mid])


def messages_come_oldest_first(make: Make, deliver: Deliver) -> None:
    ids = []
    for _ in range(3):
        mid, raw = sample("order")
        deliver(raw)
        ids.append(mid)
    mailbox = make()
    assert [message_id(m) for m in _mine(mailbox.fetch(), ids)] == ids, "not oldest first"
    _finish(mailbox, ids)


def acknowledged_message_leaves_the_inbox(make: Make, deliver: Deliver) -> None:
    mid, raw = sample("ack")
    deliver(raw)
    mailbox = make()
    (got,) = _mine(mailbox.fetch(), [mid])
    mailbox.acknowledge(got, "processed")
    assert _mine(mailbox.fetch(), [mid]) == [], "an acknowledged message came back"
    mailbox.close()
    restarted = make()
    assert _mine(restarted.fetch(), [mid]) == [], "an acknowledged message came back after restart"
    restarted.close()


def unacknowledged_message_is_fetched_again(make: Make, deliver: Deliver) -> None:
    mid, raw = sample("again")
    deliver(raw)
    mailbox = make()
    assert len(_mine(mailbox.fetch(), [mid])) == 1
    assert len(_mine(mailbox.fetch(), [mid])) == 1, "a message not yet acknowledged was dropped"
    _finish(mailbox, [mid])


def acknowledging_a_gone_message_is_fine(make: Make, deliver: Deliver) -> None:
    mid, raw = sample("gone")
    deliver(raw)
    mailbox = make()
    (got,) = _mine(mailbox.fetch(), [mid])
    mailbox.acknowledge(got, "processed")
    mailbox.acknowledge(got, "rejected")    # already moved: must not raise
    assert _mine(mailbox.fetch(), [mid]) == [], "a message acknowledged twice came back"
    mailbox.close()


def restart_mid_batch_misses_nothing(make: Make, deliver: Deliver) -> None:
    """The shell handles one message, then dies before the next: a restart sees the rest."""
    ids = []
    for _ in range(3):
        mid, raw = sample("crash")
        deliver(raw)
        ids.append(mid)
    mailbox = make()
    batch = mailbox.fetch()
    first = next(m for m in batch if message_id(m) in ids)
    mailbox.acknowledge(first, "processed")
    second = next(m for m in batch if message_id(m) in ids)   # taken, never handled
    assert message_id(second) == ids[1]
    del batch                                                  # the crash: never resumed
    late_id, late = sample("crash")
    deliver(late)
    restarted = make()
    seen = [message_id(m) for m in _mine(restarted.fetch(), [*ids, late_id])]
    assert seen == [*ids[1:], late_id], f"after a restart mid-batch the inbox gave {seen}"
    restarted.close()
    mailbox.close()
    _finish(make(), [*ids, late_id])


CHECKS: tuple[Callable[[Make, Deliver], None], ...] = (
    new_message_is_fetched,
    messages_come_oldest_first,
    acknowledged_message_leaves_the_inbox,
    unacknowledged_message_is_fetched_again,
    acknowledging_a_gone_message_is_fine,
    restart_mid_batch_misses_nothing,
)
