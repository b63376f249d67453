"""The embedded default sender: every sent mail becomes an .eml in a Maildir outbox.

Nothing leaves the machine, so the demo and the tests can read exactly what
would have been sent. The file name comes from the Message-ID, so sending the
same message twice (a crash between send and commit) leaves one file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from mailbot.adapters.private_files import make_private_folder, open_private
from mailbot.errors import TransportError
from mailbot.ports import ArchivedMessage, RenderedMail

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]+")
# Bcc is not in the headers, so the envelope is written above them, as a
# mail server's Delivered-To would be, to show who received a copy
ENVELOPE_HEADER = "X-Mailbot-Envelope-To"


def file_name(message_id: str) -> str:
    """A stable, safe file name: readable part of the id plus a hash of all of it,
    so two ids that sanitise alike still get different files."""
    mid = message_id.strip().strip("<>")
    digest = hashlib.sha256(mid.encode("utf-8")).hexdigest()[:16]
    readable = _UNSAFE.sub("_", mid).strip("._")[:80]
    return f"{readable}.{digest}.eml"


class FileSender:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        for sub in ("tmp", "new", "cur"):
            make_private_folder(self.path / sub)

    def send(self, mail: RenderedMail) -> None:
        if self.already_sent(mail.message_id):
            return
        name = file_name(mail.message_id)
        envelope = f"{ENVELOPE_HEADER}: {', '.join(mail.envelope_to)}\r\n".encode("ascii")
        tmp = self.path / "tmp" / f"{name}.{os.getpid()}.{socket.gethostname()}"
        try:
            # private: the mail holds a child's name (issue 14, section 8)
            with open(open_private(tmp, os.O_WRONLY | os.O_TRUNC), "wb") as fh:
                fh.write(envelope + mail.data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as e:   # disk full, read-only, folder gone: the outbox retries later
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise TransportError(f"outbox {self.path}: cannot write {mail.message_id}: {e}") from e
        try:
            # link, not rename: it fails rather than replaces when the name exists,
            # so two senders racing on one message leave the first copy alone
            os.link(tmp, self.path / "new" / name)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)

    def already_sent(self, message_id: str) -> bool:
        name = file_name(message_id)
        if (self.path / "new" / name).exists():
            return True
        # a plain scan, not glob(): glob compiles a new pattern for every name (slow)
        with os.scandir(self.path / "cur") as entries:
            return any(e.name.split(":", 1)[0] == name for e in entries)

    def close(self) -> None:
        """Nothing is held between sends."""

    def forget(self, message_ids: frozenset[str]) -> int:
        """Delete the saved copies of these messages (retention and erasure, issue 15)."""
        names = {file_name(m) for m in message_ids}
        gone = 0
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as entries:
                found = [e.path for e in entries if e.name.split(":", 1)[0] in names]
            for path in found:
                Path(path).unlink(missing_ok=True)
                gone += 1
        return gone

    def sent(self) -> list[bytes]:
        """Every saved message, oldest first, as stored (envelope line included)."""
        return [path.read_bytes() for path in self.sent_paths()]

    def copies(self) -> Iterator[ArchivedMessage]:
        """Every saved message with its file's time, for `mailbot rebuild`."""
        for path in self.sent_paths():
            try:
                raw = path.read_bytes()
                at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except FileNotFoundError:
                continue
            yield ArchivedMessage(mailbox="outbox", folder=path.parent.name,
                                  uid=path.name.split(":", 1)[0], at=at, raw=raw)

    def sent_paths(self) -> list[Path]:
        files = [p for sub in ("new", "cur") for p in (self.path / sub).iterdir()
                 if p.is_file() and not p.name.startswith(".")]
        return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))
