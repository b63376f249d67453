"""Each alert's append-only event log: `events/<REF>.jsonl`, one Event a line.

New events are first committed in the hot file, atomically with the state
change they explain; flushing copies them here later. A crash can fall
between the append and the hot file dropping them, so flushing is idempotent
by `seq`: only events newer than the file's last line are appended.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from mailbot.adapters.store.appendlog import append_records, iter_records, last_record
from mailbot.core.values.alert import Event
from mailbot.errors import StoreCorrupt

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def file_name(ref: str) -> str:
    """A file name for a reference: refs are `KA-2024-0001`, but a name taken
    from outside must never climb out of the folder."""
    return _UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", ref) or "%"


class EventLogs:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._last_seq: dict[str, int] = {}    # ref -> last seq on disk, as far as read

    def path(self, ref: str) -> Path:
        return self.folder / f"{file_name(ref)}.jsonl"

    def last_seq(self, ref: str) -> int:
        if ref not in self._last_seq:
            last = last_record(self.path(ref))
            self._last_seq[ref] = 0 if last is None else _event(self.path(ref), last).seq
        return self._last_seq[ref]

    def flush(self, events: Iterable[Event], *, durable: bool = True) -> None:
        """Append the events each log does not have yet (by seq)."""
        by_ref: dict[str, list[Event]] = {}
        for event in events:
            by_ref.setdefault(event.ref, []).append(event)
        for ref, batch in by_ref.items():
            last = self.last_seq(ref)
            fresh = sorted((e for e in batch if e.seq > last), key=lambda e: e.seq)
            if not fresh:
                continue
            append_records(
                self.path(ref), [e.model_dump(mode="json") for e in fresh], durable=durable
            )
            self._last_seq[ref] = fresh[-1].seq

    def read(self, ref: str) -> list[Event]:
        path = self.path(ref)
        return [_event(path, record) for _, record in iter_records(path)]

    def count_logs(self) -> int:
        return sum(1 for _ in self.folder.glob("*.jsonl"))


def _event(path: Path, record: dict[str, object]) -> Event:
    try:
        return Event.model_validate(record)
    except ValidationError as error:
        reason = error.errors()[0]["msg"]
        raise StoreCorrupt(f"{path}: a line is not an event ({reason})") from error
