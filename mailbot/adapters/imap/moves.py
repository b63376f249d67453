"""Moving a handled message out of the watched folder: finding it again (by UID,
or by Message-ID and bytes once UIDVALIDITY has changed), then MOVE (RFC 6851)
or COPY + \\Deleted + EXPUNGE."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.parser import BytesHeaderParser

from imapclient import IMAPClient

from mailbot.ports import InboxMessage


def locate(client: IMAPClient, message: InboxMessage, uidvalidity: int | None) -> list[int]:
    """The UIDs in the selected folder that hold `message` (none if it has left)."""
    validity, _, uid_text = message.uid.partition(":")
    if validity == str(uidvalidity) and uid_text.isdigit():
        uid = int(uid_text)
        return [u for u in client.search(["UID", str(uid)]) if u == uid]
    # The UID is void (UIDVALIDITY changed): find the same bytes by Message-ID,
    # or leave it; the next fetch brings it back and the store skips it.
    message_id = BytesHeaderParser().parsebytes(message.raw).get("Message-ID")
    if not message_id:
        return []
    candidates = client.search(["HEADER", "Message-ID", str(message_id).strip()])
    if not candidates:
        return []
    found = client.fetch(candidates, [b"BODY.PEEK[]"])
    wanted = hashlib.sha256(message.raw).digest()
    return [u for u in candidates
            if hashlib.sha256(found.get(u, {}).get(b"BODY[]", b"")).digest() == wanted]


def locate_many(client: IMAPClient, messages: Sequence[InboxMessage],
                uidvalidity: int | None) -> list[int]:
    """`locate` for several messages: one UID SEARCH for those whose UID still holds."""
    current, void = [], []
    for message in messages:
        validity, _, uid_text = message.uid.partition(":")
        if validity == str(uidvalidity) and uid_text.isdigit():
            current.append(int(uid_text))
        else:
            void.append(message)
    found: list[int] = []
    if current:
        wanted = set(current)
        found += [u for u in client.search(["UID", ",".join(map(str, sorted(wanted)))])
                  if u in wanted]
    for message in void:
        found += locate(client, message, uidvalidity)
    return sorted(set(found))


def move(client: IMAPClient, uids: list[int], target: str, *, use_move: bool | None) -> None:
    """`use_move` None: MOVE when the server offers it."""
    if use_move is None:
        use_move = client.has_capability("MOVE")
    if use_move:
        client.move(uids, target)
        return
    client.copy(uids, target)
    client.delete_messages(uids, silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        # Without UIDPLUS, EXPUNGE also removes whatever else a person has
        # flagged \Deleted in the inbox (see docs/imap-smtp.md).
        client.expunge()
