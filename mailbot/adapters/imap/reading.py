"""A whole IMAP folder read back without changing it: for `mailbot rebuild`.

EXAMINE (read-only) and BODY.PEEK, so no flag is set and nothing moves; the
INTERNALDATE is the time the server took the message, kept as a timezone-aware
time (IMAPClient's own conversion to local naive time is switched off).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any


def read_folder(client: Any, folder: str, batch: int = 25
                ) -> Iterator[tuple[str, datetime, bytes]]:
    """(UIDVALIDITY:UID, INTERNALDATE, bytes) of every message in `folder`, by UID;
    nothing when the folder does not exist."""
    if not client.folder_exists(folder):
        return
    info = client.select_folder(folder, readonly=True)
    validity = int(info[b"UIDVALIDITY"])
    uids = sorted(client.search("ALL"))
    normalise, client.normalise_times = client.normalise_times, False
    try:
        for start in range(0, len(uids), batch):
            chunk = uids[start:start + batch]
            found = client.fetch(chunk, [b"INTERNALDATE", b"BODY.PEEK[]"])
            for uid in chunk:
                item = found.get(uid, {})
                raw, at = item.get(b"BODY[]"), item.get(b"INTERNALDATE")
                if raw is None or not isinstance(at, datetime):
                    continue   # expunged meanwhile
                yield f"{validity}:{uid}", at if at.tzinfo else at.replace(tzinfo=UTC), bytes(raw)
    finally:
        client.normalise_times = normalise
