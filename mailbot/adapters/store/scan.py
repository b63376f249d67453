"""The store's files read for a subject access search or an alert's record.

The search goes through what the store holds, not only its index of alerts: the
event logs, the archive of closed alerts and every mail sent. It reads each file
once as bytes and parses only what holds one of the search's words (a Liberi ID,
a surname), in lower case; a sent mail is decoded first (base64 in the log, then
quoted-printable in the message), so a word the encoder wrapped is still found.
The caller checks each candidate exactly (`mailbot.core.records.subject`).

The cold files only: the caller settles the hot state into them first (one empty
commit moves every event and closed alert out), and asks the store for the mail
still in the outbox.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from email import message_from_bytes
from pathlib import Path

from mailbot.adapters.store.archive import Archive
from mailbot.adapters.store.events import EventLogs
from mailbot.adapters.store.record_json import outbox_from_json
from mailbot.core.values.alert import Alert, Event
from mailbot.records import OutboxEntry


def _holds(data: bytes, needles: Iterable[bytes]) -> bool:
    low = data.lower()
    return any(n in low for n in needles)


def mail_bytes_hold(raw: bytes, needles: tuple[bytes, ...]) -> bool:
    """Whether a rendered message holds a needle, in any of its encodings (raw, with
    quoted-printable's soft breaks gone, or decoded; base64 text parts decoded).
    One lower-casing and one pass a message: a search reads every mail ever sent."""
    low = raw.lower().replace(b"=\r\n", b"").replace(b"=\n", b"")
    if any(n in low for n in needles):
        return True
    if not all(n.isascii() for n in needles) and _holds(binascii.a2b_qp(raw), needles):
        return True
    if b"content-transfer-encoding: base64" in low and b"content-type: text/" in low:
        return _holds(b"".join(_base64_text_parts(raw)), needles)
    return False


def _base64_text_parts(raw: bytes) -> Iterator[bytes]:

    for part in message_from_bytes(raw).walk():
        if part.get_content_maintype() == "text" and \
                str(part.get("Content-Transfer-Encoding", "")).lower() == "base64":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                yield payload


class ColdScan:
    """Reads a state folder's cold files (`RecordScan` in mailbot/ports.py)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def events(self, needles: tuple[bytes, ...]) -> list[Event]:
        logs = EventLogs(self.folder / "events")
        found: list[Event] = []
        for path in sorted(logs.folder.glob("*.jsonl")):
            data = path.read_bytes()
            if not _holds(data, needles):
                continue
            found += [Event.model_validate_json(line) for line in data.splitlines()
                      if line.strip() and _holds(line, needles)]
        return found

    def archived(self, needles: tuple[bytes, ...]) -> list[Alert]:
        archive = Archive(self.folder / "archive")
        if not archive.folder.is_dir():
            return []
        found: list[Alert] = []
        for month in archive.months():
            for path in sorted((archive.folder / month).glob("*.json")):
                data = path.read_bytes()
                if _holds(data, needles):
                    found.append(Alert.model_validate_json(data))
        return found

    def sent(self, needles: tuple[bytes, ...] = (), refs: Iterable[str] = (),
             months: tuple[str, str] | None = None) -> list[OutboxEntry]:
        """Sent mail for any of `refs`, or whose message holds a needle; `months`:
        only the monthly files from the first to the last (YYYY-MM), both included."""
        tags = [json.dumps({"ref": r}, separators=(",", ":"))[1:-1].encode() for r in refs]
        found: list[OutboxEntry] = []
        folder = self.folder / "sent"
        for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else ():
            if months and not months[0] <= path.stem <= months[1]:
                continue
            for line in path.read_bytes().splitlines():
                if not line.strip():
                    continue
                if any(t in line for t in tags) or (needles and _line_mail_holds(line, needles)):
                    found.append(outbox_from_json(json.loads(line)))
        return found


def _line_mail_holds(line: bytes, needles: tuple[bytes, ...]) -> bool:
    start = line.find(b'"data":"')
    if start < 0:
        return False
    start += len(b'"data":"')
    end = line.find(b'"', start)
    try:
        raw = base64.b64decode(line[start:end])
    except (binascii.Error, ValueError):
        return False
    return mail_bytes_hold(raw, needles)
