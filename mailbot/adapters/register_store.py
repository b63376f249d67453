"""Where the register of other councils' national alerts lives (R-OLA).

    <state>/register/register.json     entries and the originals' index (TinyDB)
    <state>/register/originals/<id>.eml each notification as received
    <state>/register/audit.jsonl        counts only: opened, closed, purged

Purging deletes an entry with its originals, so a child's details leave no
trace here after 12 months: the audit log keeps how many, never who. Every
write is atomic (temp file, fsync, rename, fsync folder). The caller holds the
state folder's lock, as for the main store.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from mailbot.adapters.store.appendlog import append_records, ensure_folder, iter_records
from mailbot.adapters.store.atomic_storage import (
    AtomicJSONStorage,
    atomic_write_bytes,
    fsync_dir,
    remove_stale_temps,
)
from mailbot.core.durations import Duration
from mailbot.core.register import Purge, RegisterChange, RegisterEntry, purge_due, search
from mailbot.errors import StoreCorrupt

_ID = re.compile(r"^[0-9a-f]{24}$")
AUDIT_KINDS = ("opened", "closed", "purged")


class RegisterStore:
    def __init__(self, folder: Path) -> None:
        self.root = folder / "register"
        self.originals_dir = self.root / "originals"
        ensure_folder(self.root)
        ensure_folder(self.originals_dir)
        remove_stale_temps(self.root)
        remove_stale_temps(self.originals_dir)
        self.audit_path = self.root / "audit.jsonl"
        self._db = TinyDB(self.root / "register.json", storage=AtomicJSONStorage)

    def close(self) -> None:
        self._db.close()

    # -- originals ------------------------------------------------------------------

    def save_original(self, raw: bytes, now: datetime) -> str:
        """Keep a notification as received; the same bytes give the same id."""
        original_id = hashlib.sha256(raw).hexdigest()[:24]
        path = self.original_path(original_id)
        if not path.exists():
            atomic_write_bytes(path, raw)
        data = self._data()
        if original_id not in data["originals"]:
            data["originals"][original_id] = now.isoformat()
            self._write(data)
        return original_id

    def original_path(self, original_id: str) -> Path:
        if not _ID.match(original_id):
            raise ValueError(f"{original_id!r} is not a register original id")
        return self.originals_dir / f"{original_id}.eml"

    def original(self, original_id: str) -> bytes:
        return self.original_path(original_id).read_bytes()

    # -- entries --------------------------------------------------------------------

    def entries(self) -> tuple[RegisterEntry, ...]:
        return tuple(RegisterEntry.model_validate(doc) for doc in self._data()["entries"])

    def list(self, status: str | None = None) -> tuple[RegisterEntry, ...]:
        """Open entries first, then closed, each oldest first."""
        chosen = [e for e in self.entries() if status is None or e.status == status]
        return tuple(sorted(chosen, key=lambda e: (e.status != "open", e.first_notified, e.id)))

    def search(self, text: str) -> tuple[RegisterEntry, ...]:
        return search(self.list(), text)

    def record(self, change: RegisterChange, now: datetime, *,
               tasks: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Store the register as `change` leaves it (and the unit's open questions
        about it, when given, in the same write), then count what it did."""
        data = self._data()
        data["entries"] = [e.model_dump(mode="json") for e in change.entries]
        if tasks is not None:
            data["tasks"] = [dict(t) for t in tasks]
        self._write(data)
        self._audit(now, change.counts)

    # -- the unit's open questions (R-MIU), kept and purged with the register ------

    def tasks(self) -> tuple[dict[str, Any], ...]:
        return tuple(dict(t) for t in self._data().get("tasks", []))

    def save_tasks(self, tasks: Sequence[Mapping[str, Any]]) -> None:
        data = self._data()
        data["tasks"] = [dict(t) for t in tasks]
        self._write(data)

    def purge(self, now: datetime, expiry: Duration) -> Purge:
        """Delete entries past `expiry` with their originals, and originals no
        entry took (a question the unit never answered) once as old."""
        data = self._data()
        result = purge_due(self.entries(), now, expiry)
        kept_ids = {o for e in result.kept for o in e.originals}
        cutoff = expiry.before(now)
        doomed = set(result.originals) | {
            o for o, saved in data["originals"].items()
            if o not in kept_ids and datetime.fromisoformat(saved) <= cutoff}
        if not result.purged and not doomed:
            return result
        data["entries"] = [e.model_dump(mode="json") for e in result.kept]
        data["originals"] = {o: s for o, s in data["originals"].items() if o not in doomed}
        # a question about a notification goes with it
        data["tasks"] = [t for t in data.get("tasks", []) if t.get("original_id") not in doomed]
        self._write(data)
        self._audit(now, {"purged": len(result.purged)})
        for original_id in sorted(doomed):
            with contextlib.suppress(FileNotFoundError):
                self.original_path(original_id).unlink()
        fsync_dir(self.originals_dir)
        return result

    # -- the digest -----------------------------------------------------------------

    def counts(self, since: datetime) -> dict[str, int]:
        """Entries opened, closed and purged from `since` on (T-WEEKLY digest)."""
        totals: Counter[str] = Counter({kind: 0 for kind in AUDIT_KINDS})
        for _, record in iter_records(self.audit_path):
            if datetime.fromisoformat(record["at"]) >= since:
                totals.update({k: int(record.get(k, 0)) for k in AUDIT_KINDS})
        return dict(totals)

    # -- the file ---------------------------------------------------------------------

    def _audit(self, now: datetime, counts: dict[str, int]) -> None:
        counts = {k: n for k, n in counts.items() if k in AUDIT_KINDS and n}
        if counts:
            append_records(self.audit_path, [{"at": now.isoformat(), **counts}])

    def _data(self) -> dict[str, Any]:
        """The whole register as one document: entries and originals change together."""
        raw = self._db.storage.read() or {}
        doc = raw.get("register", {}).get("1", {"entries": [], "originals": {}})
        if not isinstance(doc.get("entries"), list) or not isinstance(doc.get("originals"), dict):
            raise StoreCorrupt(f"{self.root / 'register.json'}: not a register")
        return dict(doc)

    def _write(self, doc: dict[str, Any]) -> None:
        # one storage write, so an entry and its originals' index never disagree
        self._db.storage.write({"register": {"1": doc}})
        self._db.table("register").clear_cache()
