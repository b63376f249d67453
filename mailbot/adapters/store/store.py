"""The store: a hot state journalled write by write, append-only cold files for history.

Layout of a state folder:
  lock, lock.pid          the lock held by the one process using the folder (lock.py)
  db.json                 the hot state's snapshot: a TinyDB file (hotfile.py)
  db.json.NNNNNNNN        journal segments: what each write since the snapshot changed
  events/<REF>.jsonl      each alert's event log, append-only
  archive/YYYY-MM/<REF>.json   closed alerts by closing month
  seen/YYYY-MM.jsonl, sent/YYYY-MM.jsonl   finished seen-records and sent mail,
  seen/index/, sent/index/                 and their key indexes (keyindex.py)
  register/               the register of other councils' alerts (store/register.py)
  backups/pre-migrate-*/  the store as it was before each schema upgrade (migrate.py)
  retention/runs.jsonl    each retention or erasure run: when, which references (scrub.py)

Folders are 0700 and files 0600, and checked at every open (private_files.py).

A write is one journal segment holding what changed (journal.py), fsynced and
renamed into place before the write returns: the segment's rename is the
commit point, and its size follows the change, not the number of open or
archived alerts. When the segments outgrow half the snapshot (or at close,
while the snapshot is small) they are folded into a new snapshot, written
whole and atomically; opening reads the snapshot and replays the segments.

Every write first moves what the hot state already holds durably and no
longer needs (flushed events, closed alerts, old seen-records and sent mail)
to the cold files, then commits the hot state without it. Cold appends are
idempotent, so a crash between the two loses and duplicates nothing, and the
hot state stays the size of the work in hand however long the history grows.

A commit that changes the register writes two files, and the segment's
rename is the one commit point: the register file is written first, stamped
with the number of the register change the segment is about to carry and
keeping the register as it was. At open, a register stamped ahead of the hot
state is put back as it was, so a crash between the two writes leaves
neither applied (docs/decisions.md).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from mailbot.adapters.private_files import make_private_folder, tighten
from mailbot.adapters.store import cold, hotfile, journal, migrate, scrub
from mailbot.adapters.store.appendlog import ensure_folder
from mailbot.adapters.store.atomic_storage import atomic_write_chunks, remove_stale_temps
from mailbot.adapters.store.cold import ColdFiles
from mailbot.adapters.store.faults import refused, store_fault
from mailbot.adapters.store.journal import Journal
from mailbot.adapters.store.keptmail import Placement, keeps_in_file
from mailbot.adapters.store.lock import CommitGate, FolderLock
from mailbot.adapters.store.outbox_index import OutboxIndex, derived
from mailbot.adapters.store.record_json import utc
from mailbot.adapters.store.register import RegisterStore
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.lazy import Lazy
from mailbot.core.values.state import Decision, State, with_alerts
from mailbot.errors import StoreCorrupt, StoreError, StoreMissing
from mailbot.records import (
    OutboxChange,
    OutboxEntry,
    RegisterWrite,
    SeenRecord,
    count_sends,
    patched,
)

log = logging.getLogger(__name__)

HOT_NAME = "db.json"
# finished seen-records and sent mail stay hot this long (then cold in one batch)
COLD_AFTER = timedelta(days=1)
# the journal is folded into a new snapshot once it holds more than this share of
# the snapshot's size (at least COMPACT_MIN bytes), or this many segments
COMPACT_SHARE = 0.5
COMPACT_MIN = 256 * 1024
COMPACT_SEGMENTS = 4096
# at a quiet moment (a pass that found nothing, the end of a run) it is folded in once
# it holds this many: every open replays the segments (`status` among them: 1,000 of a
# day's writes were 0.1 s of it), and a fold then delays no message
QUIET_SEGMENTS = 256
# at close, a snapshot this small is rewritten whatever the journal holds
SMALL_SNAPSHOT = 1 << 20


class Store:
    secret: bytes

    def __init__(self, folder: Path, lock: FolderLock, secret: bytes, hot: hotfile.Hot,
                 storage: Journal, snapshot_bytes: int, installation: str = "") -> None:
        self.folder = folder
        self.secret = secret
        # the part of every Message-ID that is this store's own ("" in older stores)
        self.installation = installation
        self._lock = lock
        # the journal: its write_encoded is the commit point of every write
        self._storage = storage
        self._snapshot_bytes = snapshot_bytes
        # what the reads see: the hot state as committed, with any changes staged on it
        # (`commit(..., durable=False)`) that the next write or `sync` puts on disk
        self._hot = hot
        # the hot state as the journal holds it: each write is the change from this
        self._durable = hot
        self._broken = False
        self._cold = ColdFiles(folder)
        self._register = RegisterStore(folder)
        # held through each write, so a backup copies between commits (backup.py)
        self._gate = CommitGate(folder)
        # what each snapshot keeps with the open alerts (use_marks); none until told
        self._marker: hotfile.Marker | None = None
        self._remark = False
        self._in_lines = False     # whether db.json is in the line layout (hotfile.py)
        self._wrote = False        # whether this open wrote a segment (else: a reader)
        # what the sending path asks of the outbox, kept in step with it by identity
        self._index = OutboxIndex()

    # -- opening and closing ---------------------------------------------------

    @classmethod
    def open(cls, folder: Path, *, create: bool = True, installation: str | None = None) -> Store:
        """`installation`: the id a store created here takes (a rebuilt store keeps the
        one its mail carries: service/rebuild.py); a new random one when None."""
        folder = Path(folder)
        try:
            if not folder.is_dir():
                if not create:
                    raise StoreMissing(f"{folder}: no mailbot store here (no such folder)")
                make_private_folder(folder)
            if not create and not (folder / HOT_NAME).exists():   # not even a lock file left
                raise StoreMissing(f"{folder}: no mailbot store here ({HOT_NAME} is missing)")
            lock = FolderLock.acquire(folder)
        except OSError as error:
            if not refused(error):
                raise
            raise store_fault(error, folder, "taking the state folder's lock") from error
        try:
            store = cls._open_locked(folder, lock, create, installation)
            with store._gate.held():
                store._register.recover(store._hot.register_commit)
            return store
        except BaseException as error:
            lock.release()
            if isinstance(error, OSError) and refused(error):
                raise store_fault(error, folder, "opening the store") from error
            raise

    @classmethod
    def _open_locked(cls, folder: Path, lock: FolderLock, create: bool,
                     installation: str | None = None) -> Store:
        path = folder / HOT_NAME
        remove_stale_temps(folder)
        migrate.bring_forward(folder)       # an older store, backed up first
        loose = tighten(folder, deep=False)  # section 8: checked at every open
        if loose:
            log.warning("%s", loose.describe())
        snapshot = hotfile.read(path)
        if snapshot is None:
            if not create:
                raise StoreMissing(f"{folder}: no mailbot store here ({HOT_NAME} is missing)")
            if journal.segments(folder) or any(
                    any((folder / name).iterdir()) for name in cold.FOLDERS
                    if (folder / name).is_dir()):
                raise StoreCorrupt(
                    f"{path} is missing but {folder} holds history: refusing to start an "
                    f"empty store in its place; restore {HOT_NAME} from a backup"
                )
            snapshot = hotfile.Snapshot(
                os.urandom(32), hotfile.Hot(), 0,
                new_installation() if installation is None else installation, lines=True)
            size = write_snapshot(path, snapshot)
        else:
            size = path.stat().st_size
        hot, replayed = replay_journal(folder, snapshot)
        journal.drop_through(folder, snapshot.journal)    # a compaction cut short
        store = cls(folder, lock, snapshot.secret, hot,
                    Journal(folder, replayed[-1][0] if replayed else snapshot.journal,
                            [s for _, s in replayed]), size, snapshot.installation)
        store._in_lines = snapshot.lines
        for name in cold.FOLDERS:
            ensure_folder(folder / name)
        store._cold.load()
        return store

    def use_marks(self, marker: hotfile.Marker) -> None:
        """Keep `marker`'s marks with the open alerts in every snapshot from now on. When
        the snapshot has none made under it (an older layout, a changed routing.yaml,
        a new mailbot), the next write compacts, so later opens read them again."""
        self._marker = marker
        held: Iterable[Any] = dict.values(self._hot.state.alerts)
        self._remark = any(type(value) is Lazy and not marker.made(value)
                           for value in held) or not self._in_lines

    @staticmethod
    def read_register(folder: Path) -> RegisterStore:
        """The register as last committed, to read without taking the folder's lock
        (`mailbot register` while the bot runs): a change in flight is skipped."""
        committed = read_committed(Path(folder))
        if committed is None:
            raise _missing(Path(folder))
        return RegisterStore.reader(Path(folder), committed.register_commit)

    @staticmethod
    def read_view(folder: Path) -> tuple[State, RegisterStore, str]:
        """The state, the register and the installation's id as last committed, read
        without taking the folder's lock and never written: `status` while the bot runs,
        which holds the lock as long as it runs. A change in flight is not in it (staged
        steps are not on disk yet); a fold meanwhile is read again. An older store is
        first brought forward, under the lock, as every open does."""
        folder = Path(folder)
        version = migrate.stored_version(folder / HOT_NAME)
        if version is not None and version < hotfile.SCHEMA_VERSION:
            Store.open(folder, create=False).close()
        found = _committed(folder)
        if found is None:
            raise _missing(folder)
        hot, snapshot = found
        return hot.state, RegisterStore.reader(folder, hot.register_commit), \
            snapshot.installation

    @property
    def register(self) -> RegisterStore:
        """The register (R-OLA), read through `mailbot.ports.Register` and changed
        only by `commit`."""
        self._usable()
        return self._register

    def close(self) -> None:
        if not self._lock.held:
            return
        try:
            if not self._broken:
                # what is staged written; the hot state left holding only the work in
                # hand, and a small store as one snapshot (a large one keeps its journal)
                if self._hot is not self._durable or self._hot.events or self._hot.closing:
                    self._write(self._hot)
                # a reader (`status`: no marks, nothing written) leaves the journal as
                # the bot left it: its snapshot would carry no marks for the bot to use
                small = self._snapshot_bytes <= SMALL_SNAPSHOT
                writer = self._marker is not None or self._wrote
                if self._quiet_fold_due() or (self._storage.sizes and writer
                                              and (small or self._compaction_due())):
                    try:
                        with self._gate.held():
                            self._compact()
                    except OSError as error:   # the journal still holds every write
                        if not refused(error):
                            raise
                        raise store_fault(error, self.folder, f"folding the journal into "
                                          f"{HOT_NAME}") from error
        finally:
            self._gate.close()
            self._storage.close()
            self._register.close()
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # -- the hot state ---------------------------------------------------------

    def load(self) -> State:
        self._usable()
        return self._hot.state

    def commit(self, decision: Decision, *, seen: SeenRecord | None = None,
               outbox: Sequence[OutboxEntry] = (),
               register: RegisterWrite | None = None, durable: bool = True) -> None:
        """One atomic, durable step: the new state, its events, the seen-record,
        the outbox entries and the register's change. Closed alerts leave the
        state for the archive.

        `durable=False` (group commit): the step is staged in memory, seen by every
        read at once, and put on disk by the next durable write or `sync`, all the
        staged steps in that one journal segment. Nothing may act on a staged step
        outside the store (move the message, send its mail) before that write. A
        register change is always written at once, with whatever was staged."""
        self._usable()
        hot = self._hot
        given = decision.state.alerts
        missing = [ref for ref in decision.closed if ref not in given]
        if missing:
            raise ValueError(f"closed alerts {missing} are not in the decision's state")
        state = decision.state
        closing = dict(hot.closing)
        if decision.closed:
            closing.update((ref, given[ref]) for ref in decision.closed)
            state = state.model_copy(update={"alerts": with_alerts(given, drop=decision.closed)})
        seen_now = hot.seen
        if seen is not None and self.seen(seen.sha256) is None:
            seen_now = {**hot.seen, seen.sha256: seen}
        added: dict[str, OutboxEntry] = {}
        for entry in outbox:
            if not self.was_recorded(entry.message_id) and entry.message_id not in added:
                added[entry.message_id] = dataclasses.replace(entry, status="pending")
        entries = derived(hot.outbox, added) if added else hot.outbox
        times = [e.at for e in decision.events] + [e.created_at for e in outbox]
        number = hot.register_commit + (1 if register is not None else 0)
        self._write(
            dataclasses.replace(hot, state=state, closing=closing,
                                events=hot.events + decision.events,
                                seen=seen_now, outbox=entries, register_commit=number),
            times + ([seen.at] if seen else []) + ([register.at] if register else []),
            register, staged=not durable and register is None,
        )

    def sync(self) -> None:
        """Whatever `commit(..., durable=False)` staged, on disk in one journal segment
        (one fsync of it and of the folder); nothing when nothing is staged."""
        self._usable()
        if self._hot is not self._durable:
            self._write(self._hot)

    def seen(self, sha256: str) -> SeenRecord | None:
        self._usable()
        return self._hot.seen.get(sha256) or self._cold.seen.get(sha256)

    # -- the outbox ------------------------------------------------------------

    def pending_outbox(self) -> list[OutboxEntry]:
        self._usable()
        return self._index.waiting(self._hot.outbox)

    def mark_sending(self, message_id: str, at: datetime) -> None:
        self._update_entry(message_id, at, status="sending", sending_at=utc(at))

    def mark_sent(self, message_id: str, at: datetime) -> None:
        self._update_entry(message_id, at, status="sent", sent_at=utc(at), last_error="")

    def mark_failed(self, message_id: str, at: datetime, error: str, retry_at: datetime) -> None:
        entry = self._entry(message_id)
        self._update_entry(message_id, at, status="pending", attempts=entry.attempts + 1,
                           retry_at=utc(retry_at), last_error=error)

    def mark_many(self, changes: Mapping[str, OutboxChange], at: datetime) -> None:
        """Several outbox entries' changes (status, sent_at, ...) in ONE durable
        write: a flush marks its whole batch "sending" before the first send and
        "sent" after the last, instead of two rewrites of the hot file a message."""
        if not changes:
            return
        self._usable()
        put: dict[str, OutboxEntry] = {}
        for message_id, change in changes.items():
            fixed: dict[str, Any] = {k: utc(v) if isinstance(v, datetime) else v
                                     for k, v in change.items()}
            put[message_id] = patched(self._entry(message_id), **fixed)
        self._write(dataclasses.replace(self._hot, outbox=derived(self._hot.outbox, put)), [at])

    def was_recorded(self, message_id: str) -> bool:
        self._usable()
        return message_id in self._hot.outbox or message_id in self._cold.sent

    def sent_log(self, since: datetime) -> list[OutboxEntry]:
        self._usable()
        since = utc(since)
        found: dict[str, OutboxEntry] = {}
        # mail sent within COLD_AFTER of the latest write is all still hot: a
        # rate-limit look at the last hours need not read a month of mail
        latest = self._hot.latest
        if latest is None or since < latest - COLD_AFTER:
            found.update((e.message_id, e) for e in self._cold.sent.since(since.strftime("%Y-%m")))
        found.update((e.message_id, e) for e in self._hot.outbox.values() if e.status == "sent")
        recent = [e for e in found.values() if e.sent_at is not None and e.sent_at >= since]
        return sorted(recent, key=lambda e: (e.sent_at, e.message_id))

    def sent_counts(self, addresses: Iterable[str], hour_since: datetime,
                    day_since: datetime) -> dict[str, tuple[int, int]]:
        self._usable()
        hour_since, day_since = utc(hour_since), utc(day_since)
        latest = self._hot.latest
        if latest is None or day_since < latest - COLD_AFTER:   # some may be cold
            return count_sends(self.sent_log(day_since), addresses, hour_since, day_since)
        return self._index.sent_counts(self._hot.outbox, addresses, hour_since, day_since)

    def _entry(self, message_id: str) -> OutboxEntry:
        self._usable()
        entry = self._hot.outbox.get(message_id)
        if entry is None:
            raise KeyError(f"{message_id}: not in the outbox (or sent long ago)")
        return entry

    def _update_entry(self, message_id: str, at: datetime, **changes: object) -> None:
        entry = patched(self._entry(message_id), **changes)
        outbox = derived(self._hot.outbox, {message_id: entry})
        self._write(dataclasses.replace(self._hot, outbox=outbox), [at])

    # -- history ---------------------------------------------------------------

    def events(self, ref: str) -> list[Event]:
        self._usable()
        by_seq = {e.seq: e for e in self._cold.events.read(ref)}
        by_seq.update((e.seq, e) for e in self._hot.events if e.ref == ref and e.seq not in by_seq)
        return [by_seq[seq] for seq in sorted(by_seq)]

    def archived_alert(self, ref: str) -> Alert | None:
        self._usable()
        return self._hot.closing.get(ref) or self._cold.archive.get(ref)

    def closed_alerts(self, since: datetime) -> list[Alert]:
        found = {a.ref: a for a in self.each_closed_alert(since)}
        return sorted(found.values(), key=lambda a: (utc(a.closed_at or a.updated_at), a.ref))

    def each_closed_alert(self, since: datetime) -> Iterator[Alert]:
        """`closed_alerts`, one at a time: the archive's read file by file (none held),
        then those closed since it was last written; an archived alert closed again in
        the hot file is the hot file's."""
        self._usable()
        since = utc(since)
        closing = {a.ref: a for a in self._hot.closing.values()
                   if utc(a.closed_at or a.updated_at) >= since}
        for alert in self._cold.archive.closed_since(since):
            if alert.ref not in closing:
                yield alert
        yield from closing.values()

    # -- retention and erasure (issue 15) ----------------------------------------

    def remove_personal(self, stripped: Mapping[str, Alert], events: Sequence[Event],
                        at: datetime, forget: Callable[[scrub.Removed], None] | None = None
                        ) -> scrub.Removed:
        """Put each stripped alert in place of the one held, in every file (scrub.py)."""
        self._usable()
        try:
            return scrub.remove_personal(self, stripped, events, at, forget)
        except BaseException:
            self._broken = self._register.broken = True
            raise

    def closing_alerts(self) -> list[Alert]:
        """Closed alerts not yet written to the archive."""
        self._usable()
        return list(self._hot.closing.values())

    def archived_before(self, month: str) -> Iterable[Alert]:
        self._usable()
        return scrub.archived_before(self, month)

    def prune_backups(self, before: datetime, *, dry_run: bool = False) -> int:
        """The upgrade copies made before `before`, removed (migrate.prune_backups)."""
        self._usable()
        return migrate.prune_backups(self.folder, before, dry_run=dry_run)

    def log_retention(self, record: dict[str, Any]) -> None:
        self._usable()
        scrub.log_run(self.folder, record)

    def retention_runs(self, since: datetime | None = None) -> list[dict[str, Any]]:
        self._usable()
        return scrub.runs(self.folder, since)

    # -- mailbox sync state ----------------------------------------------------

    def cursor(self, name: str) -> str | None:
        self._usable()
        return self._hot.cursors.get(name)

    def set_cursor(self, name: str, value: str | None) -> None:
        self._usable()
        cursors = {k: v for k, v in self._hot.cursors.items() if k != name}
        if value is not None:
            cursors[name] = value
        self._write(dataclasses.replace(self._hot, cursors=cursors))

    def stats(self) -> dict[str, int]:
        self._usable()
        hot = self._hot
        return {
            "open_alerts": len(hot.state.alerts),
            # what the snapshot would weigh, written now: the live hot state
            "hot_file_bytes": sum(map(len, hotfile.encode(self.secret, hot, 0))),
            "snapshot_bytes": self._snapshot_bytes,
            "journal_segments": len(self._storage.sizes),
            "journal_bytes": self._storage.size,
            "archived_alerts": self._cold.archive.count(),
            "alerts_awaiting_archive": len(hot.closing),
            "events_hot": len(hot.events),
            "event_logs": self._cold.events.count_logs(),
            "seen_hot": len(hot.seen),
            "seen_cold": len(self._cold.seen),
            "outbox_waiting": sum(e.status != "sent" for e in hot.outbox.values()),
            "sent_hot": sum(e.status == "sent" for e in hot.outbox.values()),
            "sent_cold": len(self._cold.sent),
        }

    # -- writing ---------------------------------------------------------------

    def _usable(self) -> None:
        if not self._lock.held:
            raise StoreError(f"{self.folder}: the store is closed")
        if self._broken:
            raise StoreError(f"{self.folder}: a write failed; reopen the store to go on")

    def _write(self, new: hotfile.Hot, times: Iterable[datetime] = (),
               register: RegisterWrite | None = None, *, staged: bool = False) -> None:
        """`new` as the hot state, written as one segment (with whatever was staged
        before it); `staged`: kept in memory only, for the next write to carry."""
        latest = max([utc(at) for at in times], default=None)
        if latest is None or (self._hot.latest is not None and self._hot.latest > latest):
            latest = self._hot.latest
        new = dataclasses.replace(new, latest=latest)
        if staged:
            self._hot = new
            return
        with self._gate.held():
            self._write_gated(new, latest, register)

    def _write_gated(self, new: hotfile.Hot, latest: datetime | None,
                     register: RegisterWrite | None) -> None:
        try:
            cutoff = None if latest is None else latest - COLD_AFTER
            # the cold move and the segment are reckoned from what is on disk, so a
            # staged step goes cold only once a segment has carried it
            new = self._cold.move_out(self._durable, new, cutoff)
            if register is not None:
                self._register.stage(register, new.register_commit)
            change = journal.encode_change(self._durable, new, self._storage.next)
            # the commit point: until this segment's rename lands, an open puts the register back
            self._storage.write_encoded(change)
            self._hot = self._durable = new
            self._wrote = True
            if register is not None:
                self._register.settle(register)
            if self._compaction_due():
                self._compact()
        except BaseException as error:
            # disk and memory may now disagree (a cold append half done, the
            # rename done but not its fsync): only a fresh open knows the truth
            self._broken = self._register.broken = True
            if isinstance(error, OSError) and refused(error):
                raise store_fault(error, self.folder, "recording a change") from error
            raise

    def _compaction_due(self) -> bool:
        sizes = self._storage.sizes
        return (sum(sizes) > COMPACT_SHARE * max(self._snapshot_bytes, COMPACT_MIN)
                or len(sizes) > COMPACT_SEGMENTS or self._remark)

    def fold_when_quiet(self) -> bool:
        """At a quiet moment (nothing staged, no message waiting on it): the journal
        folded into a new snapshot if it holds more than QUIET_SEGMENTS segments, so
        opening the store stays a read of the snapshot and a few segments, or if the
        snapshot's marks are stale (`_quiet_fold_due`). Whether it folded."""
        self._usable()
        if self._hot is not self._durable or not self._quiet_fold_due():
            return False
        try:
            self.compact()
        except OSError as error:   # the journal still holds every write: only opens pay
            log.warning("could not fold the journal into %s (%s); it is tried again at the "
                        "next quiet moment", self.folder / HOT_NAME, error)
            return False
        return True

    def _quiet_fold_due(self) -> bool:
        """Only the bot's own store folds at a quiet moment: it keeps its marks with the
        open alerts (use_marks), which a snapshot written by a reader (`status`) would
        lose, and every later `status` would read every alert to make them again. It
        folds when the journal is long, and when the snapshot's marks are not the ones
        it makes (an upgrade, a changed routing.yaml): else, on a day with nothing to
        write, every `status` would go on making them all again."""
        return self._marker is not None and (len(self._storage.sizes) > QUIET_SEGMENTS
                                             or self._remark)

    def compact(self) -> None:
        """Fold the journal into a new snapshot now (tests and bench/; the store
        does it by itself as the journal grows)."""
        self._usable()
        with self._gate.held():
            self._compact()

    def _compact(self) -> None:
        """Fold the journal into a new snapshot, then delete its segments. Not a
        commit: the snapshot holds what the segments already committed."""
        through = self._storage.last
        self._snapshot_bytes = write_snapshot(
            self.folder / HOT_NAME, hotfile.Snapshot(self.secret, self._hot, through,
                                                     self.installation), self._marker)
        self._storage.folded(through)
        self._remark, self._in_lines = False, True
        self._index.follow(self._hot.outbox)   # an older outbox's entries let go

    def _bulk_cold(self, alerts: Iterable[Alert] = (), events: Iterable[Event] = (),
                   seen: Iterable[SeenRecord] = (), sent: Iterable[OutboxEntry] = ()) -> None:
        """Fill the cold files directly: for bench/store_growth.py only, which
        needs 100,000 closed alerts in seconds rather than 100,000 commits."""
        self._usable()
        self._cold.bulk(alerts, events, seen, sent)


def write_snapshot(path: Path, snapshot: hotfile.Snapshot,
                   marker: hotfile.Marker | None = None) -> int:
    """Write db.json whole and atomically; its size. Where it can be, the outbox's
    mail is then read from it when asked for, not held (keptmail.py)."""
    placement = Placement() if keeps_in_file() else None
    pieces = hotfile.encode(snapshot.secret, snapshot.hot, snapshot.journal,
                            snapshot.installation, marker, placement)
    if placement is None:
        return atomic_write_chunks(path, pieces)
    size = atomic_write_chunks(path, placement.counted(pieces))
    placement.keep(path)
    return size


def new_installation() -> str:
    """A new store's installation id: 32 random bits, as 8 hex digits (short: it is in
    every Message-ID; enough that a store made after one was lost never shares it)."""
    return secrets.token_hex(4)


def replay_journal(folder: Path, snapshot: hotfile.Snapshot
                   ) -> tuple[hotfile.Hot, list[tuple[int, int]]]:
    """The hot state: the snapshot with the segments after it applied, in order;
    and (number, size) of each segment replayed."""
    replay, replayed = journal.Replay(snapshot.hot), []
    expected = snapshot.journal + 1
    for number, path in journal.segments(folder):
        if number <= snapshot.journal:
            continue
        if number != expected:
            raise StoreCorrupt(f"{journal.segment_path(folder, expected)} is missing: the "
                               f"journal jumps to {path.name}; restore the folder from a backup")
        replay.apply(path, number)
        replayed.append((number, path.stat().st_size))
        expected += 1
    return replay.hot(), replayed


def _missing(folder: Path) -> StoreMissing:
    return StoreMissing(f"{folder}: no mailbot store here ({HOT_NAME} is missing)"
                        if folder.is_dir() else f"{folder}: no mailbot store here (no such folder)")


def read_committed(folder: Path, *, attempts: int = 5) -> hotfile.Hot | None:
    """The hot state as last committed, read without the folder's lock (the bot may
    be running, and folding segments into a new snapshot meanwhile: then read again)."""
    found = _committed(folder, attempts)
    return None if found is None else found[0]


def _committed(folder: Path, attempts: int = 5) -> tuple[hotfile.Hot, hotfile.Snapshot] | None:
    for attempt in range(attempts):
        snapshot = hotfile.read(folder / HOT_NAME)
        if snapshot is None:
            return None
        try:
            return replay_journal(folder, snapshot)[0], snapshot
        except (StoreCorrupt, FileNotFoundError):
            if attempt == attempts - 1:
                raise
    return None
