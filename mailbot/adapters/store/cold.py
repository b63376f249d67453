"""The cold side of the store, and the one move from hot to cold.

Whatever the hot file holds durably and no longer needs goes to an
append-only or write-once file first; only then does the next hot write
drop it. Each cold write is idempotent (events by seq, archive by
reference, seen and sent by key), so a crash between the two steps leaves
the record in both places, never in neither, and the retry adds nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from mailbot.adapters.store.archive import Archive
from mailbot.adapters.store.coldlog import MonthlyLog
from mailbot.adapters.store.events import EventLogs
from mailbot.adapters.store.hotfile import Hot
from mailbot.adapters.store.portable import sync_all
from mailbot.adapters.store.record_json import (
    outbox_from_json,
    outbox_to_json,
    seen_from_json,
    seen_to_json,
    utc,
)
from mailbot.core.values.alert import Alert, Event
from mailbot.records import OutboxEntry, SeenRecord

FOLDERS = ("events", "archive", "seen", "sent")
# how far the cold cutoff moves on before the hot seen-records and sent mail are swept
SWEEP_EVERY = timedelta(hours=1)


class ColdFiles:
    def __init__(self, folder: Path) -> None:
        self.events = EventLogs(folder / "events")
        self.archive = Archive(folder / "archive")
        self.seen = MonthlyLog(folder / "seen", "sha256", seen_from_json)
        self.sent = MonthlyLog(folder / "sent", "message_id", outbox_from_json)
        self._swept: datetime | None = None     # the cutoff of the last sweep

    def load(self) -> None:
        """What opening needs of the cold side: nothing is read (the seen and sent
        indexes are asked lazily, one bucket a question), only a crash's temp
        files in the archive's recent months are cleared."""
        self.archive.tidy()

    def move_out(self, old: Hot, new: Hot, cutoff: datetime | None) -> Hot:
        """Write to the cold files what `old` (the hot file as on disk) holds and
        no longer needs: all its events and closed alerts, and seen-records and
        sent mail older than `cutoff`. Return `new` without them.

        The hot seen-records and sent mail are swept only when `cutoff` has moved
        on by SWEEP_EVERY since the last sweep (they stay hot that much longer):
        a write costs what it changed, not a pass over the day's mail."""
        self.events.flush(old.events)
        self.archive.put(old.closing.values())
        gone_seen: set[str] = set()
        gone_sent: set[str] = set()
        if cutoff is not None and (self._swept is None or cutoff - self._swept >= SWEEP_EVERY):
            old_seen = [r for r in old.seen.values() if r.at < cutoff]
            old_sent = [e for e in old.outbox.values() if e.status == "sent"
                        and e.sent_at is not None and e.sent_at < cutoff]
            self.put_seen(old_seen)
            self.put_sent(old_sent)
            self._swept = cutoff
            gone_seen = {r.sha256 for r in old_seen}
            gone_sent = {e.message_id for e in old_sent}
        flushed = {(e.ref, e.seq) for e in old.events}
        changes: dict[str, Any] = {}
        if flushed:
            changes["events"] = tuple(e for e in new.events if (e.ref, e.seq) not in flushed)
        if old.closing:
            changes["closing"] = {ref: a for ref, a in new.closing.items()
                                  if old.closing.get(ref) is not a}
        if gone_seen:
            changes["seen"] = {sha: r for sha, r in new.seen.items() if sha not in gone_seen}
        if gone_sent:
            changes["outbox"] = {mid: e for mid, e in new.outbox.items() if mid not in gone_sent}
        return dataclasses.replace(new, **changes) if changes else new

    def put_seen(self, records: Iterable[SeenRecord], *, durable: bool = True) -> None:
        self.seen.append([(_month(r.at), seen_to_json(r)) for r in records], durable=durable)

    def put_sent(self, entries: Iterable[OutboxEntry], *, durable: bool = True) -> None:
        self.sent.append([(_month(e.sent_at or e.created_at), outbox_to_json(e))
                          for e in entries], durable=durable)

    def bulk(self, alerts: Iterable[Alert], events: Iterable[Event],
             seen: Iterable[SeenRecord], sent: Iterable[OutboxEntry]) -> None:
        """Fill the cold files without an fsync each, then sync once (benchmarks)."""
        self.archive.put(alerts, durable=False)
        self.events.flush(events, durable=False)
        self.put_seen(seen, durable=False)
        self.put_sent(sent, durable=False)
        sync_all()


def _month(at: datetime) -> str:
    return utc(at).strftime("%Y-%m")
