"""The journal: each write since the snapshot, as one write-once file of what changed.

    db.json             the snapshot (hotfile.py), as of segment `meta.journal`
    db.json.00000042    segment 42: the documents write 42 changed

A write is one new segment, written as every whole file here is (temp file,
fsync, rename, fsync of the folder: atomic_storage.py), so its rename is the
commit point: at every instant a segment is there whole or not at all. It holds
only what changed: the alerts put or dropped, the rest of the State when it
changed, events added and flushed, seen-records, outbox entries put, patched
(a status, a time: never the message again) or dropped, cursors, and the
meta. Its cost follows the change, not the number of open or archived alerts.

Opening reads the snapshot and replays the segments after it, in order; a gap
or a segment that does not read is damage, refused by name. Compaction
(store.py) writes a new snapshot stamped with the last segment it includes,
then deletes the segments up to it: a crash in between leaves segments the
snapshot already has, which the next open deletes unread.
"""

from __future__ import annotations

import contextlib
import json
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mailbot.adapters.store.atomic_storage import atomic_write_bytes, dumps, fsync_dir
from mailbot.adapters.store.hotfile import (
    Hot,
    alert_json,
    entry_json,
    event_json,
    seen_json,
    state_json,
)
from mailbot.adapters.store.outbox_index import Outbox
from mailbot.adapters.store.record_json import (
    outbox_fields_json,
    outbox_from_json,
    outbox_patch_from_json,
    seen_from_json,
    utc,
)
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.state import State, changes, with_alerts
from mailbot.errors import StoreCorrupt
from mailbot.records import OutboxEntry, patched, same_mail

_NAME = re.compile(r"^db\.json\.(\d{8,})$")


def segment_path(folder: Path, number: int) -> Path:
    return folder / f"db.json.{number:08d}"


def segments(folder: Path) -> list[tuple[int, Path]]:
    """(number, path) of every segment in the folder, in order."""
    found = [(int(m.group(1)), folder / m.group(0))
             for m in map(_NAME.match, (p.name for p in folder.iterdir())) if m]
    return sorted(found)


@dataclass
class Journal:
    """The segments after the snapshot; `write_encoded` is the commit point."""

    folder: Path
    last: int                           # the newest segment, written or replayed
    sizes: list[int] = field(default_factory=list)   # bytes of each live segment

    @property
    def next(self) -> int:
        return self.last + 1

    @property
    def size(self) -> int:
        return sum(self.sizes)

    def write_encoded(self, data: bytes) -> None:
        """Write the next segment (`encode_change` made it for `self.next`)."""
        atomic_write_bytes(segment_path(self.folder, self.next), data)
        self.last += 1
        self.sizes.append(len(data))

    def folded(self, through: int) -> None:
        """The snapshot now includes every segment up to `through`: delete them."""
        drop_through(self.folder, through)
        self.sizes.clear()

    def close(self) -> None:
        """Nothing is held open between writes."""


def drop_through(folder: Path, through: int) -> None:
    gone = False
    for number, path in segments(folder):
        if number <= through:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                gone = True
    if gone:
        fsync_dir(folder)


# -- what a write changed ----------------------------------------------------------




def _changed(old: Any, new: Any) -> bool:
    return old is not new and old != new


def _keyed(old: dict[str, Any], new: dict[str, Any], differ: Any = operator.ne
           ) -> tuple[list[str], list[str]]:
    """(keys put, keys dropped) between two versions of a table. A write replaces
    what it changes and keeps every other value as the same object, so the pass
    is an identity check a key; only the few that differ are compared (`differ`)."""
    if old is new:
        return [], []
    other, dropped = changes(old, new)
    put = [k for k in other if k not in old or differ(old[k], new[k])]
    return put, dropped


def _entry_differs(old: OutboxEntry, new: OutboxEntry) -> bool:
    """Whether an outbox entry changed, its fields compared and its mail by where it is
    held (an entry's `==` reads `data`, decoding the mail, from the file where it is
    kept there, for every status change)."""
    return outbox_fields_json(old) != outbox_fields_json(new) or not same_mail(old, new)


def _part(name: str, puts: Iterable[bytes], drops: list[Any]) -> bytes:
    put = b",".join(puts)
    return (dumps(name) + b':{"put":' + (b"{" + put + b"}" if name != "events" else b"[" + put + b"]")
            + b',"drop":' + dumps(drops) + b"}")


def encode_change(old: Hot, new: Hot, number: int) -> bytes:
    """Segment `number`: what turns `old` (the hot state as committed) into `new`."""
    meta = {"latest": None if new.latest is None else new.latest.isoformat(),
            "register_commit": new.register_commit}
    parts = [b'"journal":' + dumps(number), b'"meta":' + dumps(meta)]
    same = old.state is new.state      # an outbox or cursor write: the state is untouched
    if not same and any(_changed(getattr(old.state, f), getattr(new.state, f))
                        for f in State.model_fields if f != "alerts"):
        parts.append(b'"state":' + state_json(new.state))
    put, drop = ([], []) if same else _keyed(old.state.alerts, new.state.alerts)
    if put or drop:
        parts.append(_part("alerts", (dumps(r) + b":" + alert_json(new.state.alerts[r]) for r in put),
                           drop))
    put, drop = _keyed(old.closing, new.closing)
    if put or drop:
        parts.append(_part("closing", (dumps(r) + b":" + alert_json(new.closing[r]) for r in put),
                           drop))
    before = {(e.ref, e.seq) for e in old.events}
    after = {(e.ref, e.seq) for e in new.events}
    added = [e for e in new.events if (e.ref, e.seq) not in before]
    flushed = [list(k) for k in before - after]
    if added or flushed:
        parts.append(_part("events", map(event_json, added), sorted(flushed)))
    put, drop = _keyed(old.seen, new.seen)
    if put or drop:
        parts.append(_part("seen", (dumps(k) + b":" + seen_json(new.seen[k]) for k in put), drop))
    put, drop = _keyed(old.outbox, new.outbox, _entry_differs)
    if put or drop:
        whole = [k for k in put if k not in old.outbox]
        patch = {k: _patch(old.outbox[k], new.outbox[k]) for k in put if k in old.outbox}
        parts.append(_part("outbox", (dumps(k) + b":" + entry_json(new.outbox[k]) for k in whole),
                           drop)[:-1] + b',"patch":' + dumps(patch) + b"}")
    put, drop = _keyed(old.cursors, new.cursors)
    if put or drop:
        parts.append(_part("cursors", (dumps(k) + b":" + dumps(new.cursors[k]) for k in put), drop))
    return b"{" + b",".join(parts) + b"}"


def _patch(old: OutboxEntry, new: OutboxEntry) -> dict[str, Any]:
    """The fields of an outbox entry that changed: a status, a time, never its bytes."""
    if not same_mail(old, new):
        raise ValueError(f"{new.message_id}: an outbox entry's message never changes")
    before, after = outbox_fields_json(old), outbox_fields_json(new)
    return {k: v for k, v in after.items() if before.get(k) != v}


# -- replaying ---------------------------------------------------------------------


class Replay:
    """The hot state with segments applied one after another (`apply`), then taken
    (`hot`). Each segment costs what it changed: a table is copied once, at the
    first segment that changes it, and changed in place after that; the alerts'
    puts and drops are gathered and derived from the snapshot's alerts once. (Each
    segment made a whole new hot state before: a copy of every table and of the
    10,000 open alerts' mapping, 0.2 ms a segment, on every open and `status`.)"""

    def __init__(self, hot: Hot) -> None:
        self._base = hot
        self._state = hot.state
        self._put: dict[str, Alert] = {}
        self._drop: set[str] = set()
        self._tables: dict[str, dict[str, Any]] = {}
        self._events = hot.events
        self._latest, self._register_commit = hot.latest, hot.register_commit

    def apply(self, path: Path, number: int) -> None:
        """Segment `number` (at `path`) applied, or StoreCorrupt naming it."""
        try:
            change = json.loads(path.read_bytes())
            if not isinstance(change, dict) or change.get("journal") != number:
                raise ValueError(f"not journal segment {number}")
            self._apply(change)
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as error:
            reason = error.errors()[0]["msg"] if isinstance(error, ValidationError) else error
            raise StoreCorrupt(f"{path}: not a readable journal segment ({reason}); the store "
                               "cannot be opened past it: restore the folder from a backup"
                               ) from error

    def hot(self) -> Hot:
        """The hot state after every segment applied."""
        base = self._base
        alerts = with_alerts(base.state.alerts, self._put, self._drop) \
            if self._put or self._drop else base.state.alerts
        state = self._state if alerts is self._state.alerts else \
            self._state.model_copy(update={"alerts": alerts})
        tables = {name: self._tables.get(name, getattr(base, name))
                  for name in ("closing", "seen", "outbox", "cursors")}
        if "outbox" in self._tables:   # the start of the writes' lineage (outbox_index.py)
            tables["outbox"] = Outbox(tables["outbox"])
        return Hot(state=state, events=self._events, latest=self._latest,
                   register_commit=self._register_commit, **tables)

    def _apply(self, change: dict[str, Any]) -> None:
        meta = change["meta"]
        latest = None if meta["latest"] is None else utc(datetime.fromisoformat(meta["latest"]))
        register_commit = int(meta["register_commit"])
        if "state" in change:
            self._state = State.model_validate(change["state"])
        if part := change.get("alerts"):
            for ref, doc in part["put"].items():
                self._put[ref] = Alert.model_validate(doc)
                self._drop.discard(ref)
            for ref in part["drop"]:
                self._put.pop(ref, None)
                self._drop.add(ref)
        self._change("closing", change.get("closing"), Alert.model_validate)
        if "events" in change:
            flushed = {(str(ref), int(seq)) for ref, seq in change["events"]["drop"]}
            self._events = tuple(e for e in self._events if (e.ref, e.seq) not in flushed) + \
                tuple(Event.model_validate(doc) for doc in change["events"]["put"])
        self._change("seen", change.get("seen"), seen_from_json)
        patches = (change.get("outbox") or {}).get("patch", {})
        before = {mid: self._table("outbox")[mid] for mid in patches}   # what was there
        self._change("outbox", change.get("outbox"), outbox_from_json)
        for mid, fields in patches.items():   # the mail as it is held: never decoded here
            self._tables["outbox"][mid] = patched(before[mid], **outbox_patch_from_json(fields))
        self._change("cursors", change.get("cursors"), str)
        self._latest, self._register_commit = latest, register_commit

    def _table(self, name: str) -> dict[str, Any]:
        """The table `name` as replayed so far, this replay's own copy."""
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = dict(getattr(self._base, name))
        return table

    def _change(self, name: str, part: dict[str, Any] | None, read: Any) -> None:
        if not part or not (part["drop"] or part["put"]):
            return
        table = self._table(name)
        for key in part["drop"]:
            table.pop(key, None)
        for key, doc in part["put"].items():
            table[key] = read(doc)

