"""The embedded default mailbox: a Maildir on disk, no server needed.

The inbox is the Maildir's own new/ and cur/; handled messages move to the
Maildir++ subfolders `.Processed`, `.Needs-Attention` and `.Rejected` by one
rename each, so a message is always in exactly one place. Any mail server
that delivers to Maildir (Postfix, Dovecot, fetchmail) can feed it, and a
person can open the same folders in a mail client.
"""

from __future__ import annotations

import contextlib
import hashlib
import mailbox
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.adapters.private_files import PRIVATE_FILE, make_private_folder
from mailbot.ports import ArchivedMessage, Folder, InboxMessage, uid_order

SUBFOLDERS: dict[Folder, str] = {
    "processed": "Processed",
    "needs_attention": "Needs-Attention",
    "rejected": "Rejected",
}
POLL_EVERY = 0.2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MaildirMailbox:
    def __init__(self, name: str, path: Path, *, poll_every: float = POLL_EVERY,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = name
        self.path = Path(path)
        # the stdlib makes new/cur/tmp only when it makes the folder itself; an
        # empty folder made by hand (or a half-made one) must work as well
        for sub in ("tmp", "new", "cur"):
            make_private_folder(self.path / sub)
        self._maildir = mailbox.Maildir(self.path, factory=None, create=True)
        existing = set(self._maildir.list_folders())
        for folder in SUBFOLDERS.values():
            if folder not in existing:
                self._maildir.add_folder(folder)
                # the stdlib makes its marker file as the umask allows (0644 by default)
                with contextlib.suppress(OSError):
                    os.chmod(self.path / f".{folder}" / "maildirfolder", PRIVATE_FILE)
        self._poll_every = poll_every
        self._sleep = sleep
        self._seen: set[str] = set()   # keys the last fetch() yielded

    # -- the Mailbox port --------------------------------------------------------

    def fetch(self) -> Iterator[InboxMessage]:
        """Every message in the inbox, oldest delivery first; flags untouched."""
        listed = self._listing()
        self._seen = set(listed)
        for key in sorted(listed, key=lambda k: (listed[k][0], uid_order(k))):
            path = listed[key][1]
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue   # a person moved it while we were listing
            yield InboxMessage(mailbox=self.name, uid=key, raw=raw)

    def acknowledge(self, message: InboxMessage, folder: Folder) -> None:
        """Move to the folder's subfolder, keeping the file name (and so its flags)."""
        if message.mailbox != self.name:
            raise ValueError(f"message from mailbox {message.mailbox!r} acknowledged on "
                             f"{self.name!r}")
        _check_key(message.uid)
        target = self.path / f".{SUBFOLDERS[folder]}"
        with contextlib.suppress(FileNotFoundError):
            # the usual case, without listing the inbox: still unread in new/
            os.rename(self.path / "new" / message.uid, target / "new" / message.uid)
            return
        for sub in ("new", "cur"):
            for entry in _entries(self.path / sub):
                if _key_of(entry.name) != message.uid:
                    continue
                # gone now means a person moved or deleted it a moment ago: fine
                with contextlib.suppress(FileNotFoundError):
                    os.rename(entry.path, target / sub / entry.name)
                return
        # not in the inbox: already acknowledged, or a person moved or deleted it

    def acknowledge_many(self, handled: Sequence[tuple[InboxMessage, Folder]]) -> None:
        """One rename a message: a Maildir has nothing to batch."""
        for message, folder in handled:
            self.acknowledge(message, folder)

    def wait(self, timeout: float) -> None:
        """Return when the inbox holds a message the last fetch() did not see,
        or after `timeout` seconds. Comparing with the last fetch (not with the
        moment wait began) means mail that arrived in between is not missed."""
        for _ in range(max(0, math.ceil(timeout / self._poll_every))):
            if self.has_new():
                return
            self._sleep(self._poll_every)

    def close(self) -> None:
        self._maildir.close()

    def check(self, *, sample: int = 5) -> dict[str, object]:
        """What `mailbot check-mailbox` prints: counts, folders, writable, and the headers
        of the newest `sample` messages in the inbox and in Processed; moves nothing."""
        listed = self._listing()
        unread = sum(1 for _, path in listed.values()
                     if path.parent.name == "new" or "S" not in path.name.partition(":2,")[2])
        return {
            "backend": "maildir", "mailbox": self.name, "path": str(self.path),
            "inbox_total": len(listed), "inbox_unread": unread,
            "folders": {name: len(self.folder_keys(key)) for key, name in SUBFOLDERS.items()},
            "writable": os.access(self.path / "tmp", os.W_OK) and os.access(self.path / "new", os.W_OK),
            "recent_headers": self.recent_headers(sample),
        }

    def recent_headers(self, sample: int) -> list[tuple[str, bytes]]:
        """(folder, header block) of the newest messages in the inbox and Processed, newest
        first. Reading a file changes nothing: no flag, no folder."""
        found: list[tuple[str, bytes]] = []
        for folder, base in (("inbox", self.path),
                             (SUBFOLDERS["processed"], self.path / f".{SUBFOLDERS['processed']}")):
            listed = self._listing(base)
            newest = sorted(listed.values(), key=lambda v: v[0], reverse=True)[:sample]
            for _, path in newest:
                try:
                    found.append((folder, _head(path)))
                except FileNotFoundError:
                    continue   # a person moved it while we were listing
        return found

    # -- beyond the port ---------------------------------------------------------

    def put_back_unseen(self, seen: Callable[[str], bool]) -> int:
        """Move every filed message whose sha256 `seen` does not know back to the inbox,
        keeping its file name and time (so its order): after a restore, the mail the
        bot filed after the backup is handled again (service/restore.py)."""
        moved = 0
        for folder in SUBFOLDERS.values():
            for sub in ("new", "cur"):
                for entry in _entries(self.path / f".{folder}" / sub):
                    try:
                        digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
                    except FileNotFoundError:
                        continue
                    if not seen(digest):
                        with contextlib.suppress(FileNotFoundError):
                            os.rename(entry.path, self.path / sub / entry.name)
                            moved += 1
        return moved

    def filed_before(self, folders: Iterable[Folder], before: datetime) -> list[Path]:
        """The messages in `folders` delivered before `before` (the file's time)."""
        cutoff = before.timestamp()
        return [path for folder in folders
                for mtime, path in self._listing(self.path / f".{SUBFOLDERS[folder]}").values()
                if mtime < cutoff]

    def forget_filed_before(self, folders: Iterable[Folder], before: datetime,
                            *, dry_run: bool = False) -> int:
        """Delete the messages in `folders` delivered before `before`: retention of mail
        that never became part of an alert (a rejected form, mail set aside for a
        person), which no alert's removal reaches (issue 15). How many (would) go."""
        found = self.filed_before(folders, before)
        if not dry_run:
            for path in found:
                path.unlink(missing_ok=True)
        return len(found)

    def forget(self, message_ids: frozenset[str]) -> int:
        """Delete every filed or waiting message whose Message-ID is one of
        `message_ids` (retention and erasure, issue 15); how many went."""
        from email.parser import BytesHeaderParser

        wanted = {m.strip("<>") for m in message_ids}
        gone = 0
        for base in [self.path, *(self.path / f".{f}" for f in SUBFOLDERS.values())]:
            for _, path in self._listing(base).values():
                try:
                    header = BytesHeaderParser().parsebytes(_head(path)).get("Message-ID", "")
                except FileNotFoundError:
                    continue
                if str(header).strip().strip("<>") in wanted:
                    path.unlink(missing_ok=True)
                    gone += 1
        return gone

    def has_new(self) -> bool:
        return any(key not in self._seen for key in self._listing())

    def deliver(self, raw: bytes, at: datetime | None = None) -> str:
        """Drop a message into the inbox (tmp/ then new/), as a mail server would; the
        file private, as the state folder's files are (the stdlib follows the umask).
        `at`: the delivery time the file keeps (a simulated clock's), else now."""
        key = self._maildir.add(raw)
        with contextlib.suppress(OSError):
            os.chmod(self.path / "new" / key, PRIVATE_FILE)
        if at is not None:
            stamp = (at - _EPOCH) // timedelta(microseconds=1) * 1000
            os.utime(self.path / "new" / key, ns=(stamp, stamp))
        return key

    def filed(self) -> Iterator[ArchivedMessage]:
        """Every message in Processed, Needs-Attention and Rejected, with its delivery
        time (the file's, which a move keeps), read without moving or flagging it."""
        for folder in SUBFOLDERS.values():
            for at, path in sorted((t, p) for t, p in self._listing(self.path / f".{folder}")
                                   .values()):
                try:
                    raw = path.read_bytes()
                except FileNotFoundError:
                    continue   # a person moved it while we were listing
                yield ArchivedMessage(mailbox=self.name, folder=folder,
                                      uid=_key_of(path.name), at=_time_of(path, at), raw=raw)

    def folder_keys(self, folder: Folder) -> list[str]:
        """Keys of the messages in a subfolder (for the demo and tests)."""
        base = self.path / f".{SUBFOLDERS[folder]}"
        return sorted(_key_of(e.name) for sub in ("new", "cur") for e in _entries(base / sub))

    def _listing(self, base: Path | None = None) -> dict[str, tuple[float, Path]]:
        """key -> (delivery time, path) for the inbox's (or `base`'s) new/ and cur/."""
        found: dict[str, tuple[float, Path]] = {}
        for sub in ("new", "cur"):
            for entry in _entries((base or self.path) / sub):
                try:
                    mtime = entry.stat().st_mtime
                except FileNotFoundError:
                    continue
                found[_key_of(entry.name)] = (mtime, Path(entry.path))
        return found


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return [e for e in it if not e.name.startswith(".") and e.is_file()]
    except FileNotFoundError:
        return []


def _head(path: Path, limit: int = 256 * 1024) -> bytes:
    """The header block of a message file (up to its first empty line)."""
    with path.open("rb") as f:
        text = f.read(limit)
    ends = [i + len(blank) for blank in (b"\r\n\r\n", b"\n\n") if (i := text.find(blank)) >= 0]
    return text[:min(ends)] if ends else text


def _time_of(path: Path, fallback: float) -> datetime:
    """A file's time to the nanosecond it keeps (microseconds are all a datetime holds)."""
    try:
        ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        return datetime.fromtimestamp(fallback, UTC)
    return _EPOCH + timedelta(microseconds=ns // 1000)


def _key_of(name: str) -> str:
    # cur/ names carry flags after the colon ("key:2,S"); the key is what is before
    return name.split(":", 1)[0]


def _check_key(key: str) -> None:
    if not key or "/" in key or key.startswith(".") or "\x00" in key:
        raise ValueError(f"{key!r} is not a Maildir key")


def count_filed(path: Path, folder: Folder) -> int:
    """How many messages the Maildir at `path` holds in the bot's folder `folder`,
    creating nothing (0 when there is no such Maildir)."""
    base = Path(path) / f".{SUBFOLDERS[folder]}"
    return sum(len(_entries(base / sub)) for sub in ("new", "cur"))
