"""Where the register of other councils' national alerts lives (R-OLA).

    <state>/register/register.json     entries, the originals' index, the MIU's questions
    <state>/register/originals/<id>.eml each notification as received
    <state>/register/audit.jsonl        counts only: opened, closed, purged

Purging deletes an entry with its originals, so a child's details leave no
trace here after 12 months: the audit log keeps how many, never who. Every
write is atomic (temp file, fsync, rename, fsync folder).

The register changes only in the store's commit (`mailbot.adapters.store.Store`,
which owns this object and holds the state folder's lock): `stage` writes the
change stamped with the commit's number and keeping the register as it was,
the store's hot write commits it, `settle` then forgets the old copy and
deletes purged originals. `recover`, at open, puts back a change whose hot
write never happened. So the register and the state never disagree.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mailbot.adapters.store.appendlog import (
    append_records,
    committed_length,
    ensure_folder,
    iter_records,
)
from mailbot.adapters.store.atomic_storage import (
    AtomicJSONStorage,
    atomic_write_bytes,
    fsync_dir,
    remove_stale_temps,
)
from mailbot.core.miu import DeskTask
from mailbot.core.register import RegisterEntry, search
from mailbot.errors import StoreCorrupt, StoreError
from mailbot.records import RegisterWrite

_ID = re.compile(r"^[0-9a-f]{24}$")
AUDIT_KINDS = ("opened", "closed", "purged")
UNDO = "undo"          # the register as it was, while a change is not yet committed


class RegisterStore:
    """The register on disk: `mailbot.ports.Register`, plus the writes the store makes."""

    def __init__(self, folder: Path) -> None:
        self._place(folder)
        ensure_folder(self.root)
        ensure_folder(self.originals_dir)
        remove_stale_temps(self.root)
        remove_stale_temps(self.originals_dir)
        self._view: int | None = None

    @classmethod
    def reader(cls, folder: Path, committed: int) -> RegisterStore:
        """The register as committed (`committed`: the hot file's register number),
        read without the state folder's lock and never written (`mailbot register`
        while the bot runs)."""
        store = cls.__new__(cls)
        store._place(folder)
        store._view = committed
        return store

    def _place(self, folder: Path) -> None:
        self.root = folder / "register"
        self.originals_dir = self.root / "originals"
        self.audit_path = self.root / "audit.jsonl"
        self._storage = AtomicJSONStorage(self.root / "register.json")
        self.broken = False     # set by the store when a commit failed half way

    def close(self) -> None:
        self._storage.close()

    # -- originals ------------------------------------------------------------------

    def save_original(self, raw: bytes) -> str:
        """Keep a notification as received; the same bytes give the same id. The
        commit that takes it indexes it (RegisterWrite.kept)."""
        self._writable()
        original_id = hashlib.sha256(raw).hexdigest()[:24]
        path = self.original_path(original_id)
        if not path.exists():
            atomic_write_bytes(path, raw)
        return original_id

    def original_path(self, original_id: str) -> Path:
        if not _ID.match(original_id):
            raise ValueError(f"{original_id!r} is not a register original id")
        return self.originals_dir / f"{original_id}.eml"

    def original(self, original_id: str) -> bytes:
        return self.original_path(original_id).read_bytes()

    def originals(self) -> dict[str, datetime]:
        return {o: datetime.fromisoformat(at) for o, at in self._data()["originals"].items()}

    # -- entries and the unit's open questions (R-MIU) ---------------------------------

    def entries(self) -> tuple[RegisterEntry, ...]:
        return tuple(RegisterEntry.model_validate(doc) for doc in self._data()["entries"])

    def list(self, status: str | None = None) -> tuple[RegisterEntry, ...]:
        """Open entries first, then closed, each oldest first."""
        chosen = [e for e in self.entries() if status is None or e.status == status]
        return tuple(sorted(chosen, key=lambda e: (e.status != "open", e.first_notified, e.id)))

    def search(self, text: str) -> tuple[RegisterEntry, ...]:
        return search(self.list(), text)

    def tasks(self) -> tuple[DeskTask, ...]:
        return tuple(DeskTask.model_validate(t) for t in self._data().get("tasks", []))

    # -- the digest -----------------------------------------------------------------

    def counts(self, since: datetime) -> dict[str, int]:
        """Entries opened, closed and purged from `since` on (T-WEEKLY digest)."""
        totals: Counter[str] = Counter({kind: 0 for kind in AUDIT_KINDS})
        limit = self._audit_limit()
        for offset, record in iter_records(self.audit_path):
            if limit is not None and offset >= limit:
                break
            if datetime.fromisoformat(record["at"]) >= since:
                totals.update({k: int(record.get(k, 0)) for k in AUDIT_KINDS})
        return dict(totals)

    # -- writing: only the store's commit, or `write` alone ------------------------------

    @property
    def commit_number(self) -> int:
        return int(self._doc().get("commit", 0))

    def write(self, change: RegisterWrite) -> None:
        """The change on its own, for tools and tests with no hot state to go with it."""
        self.stage(change, self.commit_number)
        self.settle(change)

    def stage(self, change: RegisterWrite, number: int) -> None:
        """Write the register as `change` leaves it, stamped `number` (the hot
        write that will commit it) and keeping the register as it was; then
        count what it did in the audit log, remembering where the log ended."""
        self._writable()
        before = {k: v for k, v in self._doc().items() if k != UNDO}
        doc = dict(before)
        if change.entries is not None:
            doc["entries"] = [e.model_dump(mode="json") for e in change.entries]
        if change.tasks is not None:
            doc["tasks"] = [t.model_dump(mode="json") for t in change.tasks]
        originals = {o: s for o, s in before["originals"].items() if o not in change.dropped}
        for original_id in change.kept:
            originals.setdefault(original_id, change.at.isoformat())
        doc["originals"] = originals
        doc["commit"] = number
        doc[UNDO] = {**before, "audit_length": committed_length(self.audit_path)}
        self._write(doc)
        counts = {k: n for k, n in change.counts.items() if k in AUDIT_KINDS and n}
        if counts:
            append_records(self.audit_path, [{"at": change.at.isoformat(), **counts}])

    def settle(self, change: RegisterWrite) -> None:
        """After the commit: forget the register as it was, delete purged originals."""
        self._writable()
        doc = self._doc()
        if UNDO in doc:
            self._write({k: v for k, v in doc.items() if k != UNDO})
        self._delete(change.dropped)

    def recover(self, committed: int) -> None:
        """At open, holding the lock: put back a change whose hot write never
        happened (stamped after `committed`, the hot file's number), finish one
        that did, and delete originals no commit took (saved for a message whose
        commit never happened, or purged by one whose deletes were cut short)."""
        self._writable()
        doc = self._doc()
        if int(doc.get("commit", 0)) > committed:
            undo = doc.get(UNDO)
            if not isinstance(undo, dict):
                raise StoreCorrupt(
                    f"{self.root / 'register.json'}: the register is newer than the state "
                    f"(change {doc.get('commit')}, state at {committed}) and keeps nothing to "
                    "go back to; was db.json restored from a backup without the register?")
            length = int(undo.pop("audit_length", 0))
            if committed_length(self.audit_path) > length:
                with self.audit_path.open("r+b") as log:   # the uncommitted change's counts
                    log.truncate(length)
                    os.fsync(log.fileno())
            self._write(undo)
        elif UNDO in doc:
            self._write({k: v for k, v in doc.items() if k != UNDO})
        indexed = set(self._data()["originals"])
        self._delete([p.stem for p in self.originals_dir.glob("*.eml")
                      if _ID.match(p.stem) and p.stem not in indexed])

    # -- the file ---------------------------------------------------------------------

    def _writable(self) -> None:
        if self._view is not None:
            raise StoreError(f"{self.root}: opened to read only")
        if self.broken:
            raise StoreError(f"{self.root}: a commit failed; reopen the store to go on")

    def _doc(self) -> dict[str, Any]:
        """The whole register as one document: entries and originals change together."""
        if self.broken:
            raise StoreError(f"{self.root}: a commit failed; reopen the store to go on")
        raw = self._storage.read() or {}
        doc = raw.get("register", {}).get("1", {"entries": [], "originals": {}})
        if not isinstance(doc.get("entries"), list) or not isinstance(doc.get("originals"), dict):
            raise StoreCorrupt(f"{self.root / 'register.json'}: not a register")
        return dict(doc)

    def _data(self) -> dict[str, Any]:
        """The register as committed: a reader skips a change still in flight."""
        doc = self._doc()
        undo = doc.get(UNDO)
        if self._view is not None and isinstance(undo, dict) and \
                int(doc.get("commit", 0)) > self._view:
            return dict(undo)
        return doc

    def _audit_limit(self) -> int | None:
        """Where a reader stops in the audit log: before an uncommitted change's counts."""
        if self._view is None:
            return None
        doc = self._doc()
        undo = doc.get(UNDO)
        if isinstance(undo, dict) and int(doc.get("commit", 0)) > self._view:
            return int(undo.get("audit_length", 0))
        return None

    def _write(self, doc: dict[str, Any]) -> None:
        # one storage write, so an entry and its originals' index never disagree
        self._storage.write({"register": {"1": doc}})

    def _delete(self, original_ids: Sequence[str]) -> None:
        if not original_ids:
            return
        for original_id in sorted(original_ids):
            with contextlib.suppress(FileNotFoundError):
                self.original_path(original_id).unlink()
        fsync_dir(self.originals_dir)
