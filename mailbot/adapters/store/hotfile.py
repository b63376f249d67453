"""The hot state's contents, and its snapshot's TinyDB layout (`state/db.json`).

Tables, each a TinyDB table of documents keyed "1", "2", ...:
  meta     {"schema_version": 2 (migrate.py), "secret": base64, "latest": ISO time,
            "installation": the store's random id, in every Message-ID it makes
            (absent in stores made before it: their ids have no such part),
            "register_commit": n (once the register has changed),
            "journal": n (the last journal segment this snapshot includes, once any)}
  state    the State (open alerts, counters, ...)
  cursors  {mailbox name: opaque sync state}
  closing  closed alerts not yet written to the archive
  events   events not yet flushed to their alert's log
  seen     recent seen-records
  outbox   outgoing mail: pending, sending, and recently sent

The snapshot is written whole (temp file, fsync, rename) only when the journal
is compacted into it (journal.py, store.py); between snapshots each write is a
journal segment of what changed. Any TinyDB can still open a copy of db.json.

Each open alert is on a line of its own, and so is what the core asked of it when it
was written (its marks: core/values/lazy.py `Mark`, in the table `marks`), with a
CRC-32 of those lines in the table `check`: opening reads the rest as JSON and keeps
each alert's line as bytes (`Lazy`), read into an Alert only when something needs
it; a tick, a status or a new form asks the marks instead (docs/decisions.md,
"Open alerts read when needed"). The outbox, last, has an entry on each line too:
each is read as its line comes, its mail left in the file, read from there when asked
for (keptmail.py, mailbot/records.py), so the file is never whole in memory. A snapshot
without those lines (an older one: written whole, or the outbox on one line) is read
as before, and rewritten in lines by the next write.

Values are written without the fields that hold their default (a missing
field reads back as its default): an open alert is a third smaller on disk and
in memory, where pydantic keeps a field-set per model.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import hashlib
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mailbot.adapters.store.atomic_storage import dumps, read_json_file
from mailbot.adapters.store.keptmail import (
    Kept,
    KeptFile,
    Placement,
    data_span,
    keeps_in_file,
    without_mail,
)
from mailbot.adapters.store.outbox_index import Outbox
from mailbot.adapters.store.record_json import (
    outbox_from_json,
    outbox_to_json,
    seen_from_json,
    seen_to_json,
    utc,
)
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.lazy import Lazy, split_marks
from mailbot.core.values.state import Alerts, State
from mailbot.errors import StoreCorrupt, StoreTooNew
from mailbot.records import OutboxEntry, SeenRecord, keep_in_file

# the store's layout version; migrate.py brings older stores forward
SCHEMA_VERSION = 2
TABLES = ("meta", "state", "cursors", "closing", "events", "seen", "outbox")


@dataclass(frozen=True)
class Hot:
    state: State = field(default_factory=State)
    closing: dict[str, Alert] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    seen: dict[str, SeenRecord] = field(default_factory=dict)
    outbox: dict[str, OutboxEntry] = field(default_factory=dict)
    cursors: dict[str, str] = field(default_factory=dict)
    # the latest time any write was told of: records older than it by
    # COLD_AFTER have gone cold, so it must never go back, even across opens
    latest: datetime | None = None
    # how many register changes this file has committed: the register file is
    # stamped with the number before the hot write that commits it (store.py)
    register_commit: int = 0


@dataclass(frozen=True)
class Snapshot:
    secret: bytes
    hot: Hot
    journal: int        # the last journal segment folded into this snapshot
    installation: str = ""   # made with the store; never changes (core/ids.py)
    # read from the line layout, the outbox's entries on lines too (else by an older
    # mailbot: written whole, or the outbox on one line; the next write compacts)
    lines: bool = False


@dataclass(frozen=True)
class Marker:
    """What a snapshot keeps with each open alert: its marks, made under these
    fingerprints (service/bootstrap.py builds it from core/records/marks.py)."""

    fingerprint: str
    base: str
    make: Callable[[Alert | Lazy], dict[str, Any]]

    def made(self, held: Lazy) -> bool:
        """Whether `held`'s kept marks were made under these fingerprints."""
        return (held.fingerprint, held.base) == (self.fingerprint, self.base)


class _Tables(BaseModel):
    """The snapshot's tables, for pydantic to read and validate in one pass."""

    meta: dict[str, dict[str, Any]]
    state: dict[str, State]
    cursors: dict[str, dict[str, str]]
    closing: dict[str, Alert]
    events: dict[str, Event]
    seen: dict[str, dict[str, Any]]
    outbox: dict[str, dict[str, Any]]
    marks: dict[str, dict[str, Any]] = {}
    rows: dict[str, dict[str, Any]] = {}
    check: dict[str, dict[str, Any]] = {}



def read(path: Path) -> Snapshot | None:
    """The snapshot at `path` (None if there is none), or StoreCorrupt saying what is wrong.

    Read line by line (the alerts' and marks' lines each a bytes of its own, the file
    never whole in memory), the rest validated in one pass by pydantic's JSON reader;
    only when that fails is the file read again as plain JSON, to say precisely what
    is wrong."""
    try:
        with io.BufferedReader(io.FileIO(path, "r"), _BUFFER) as file:
            # the same file, not the name: a new snapshot may replace it meanwhile
            kept = KeptFile(os.dup(file.fileno()), path) if keeps_in_file() else None
            lines = _read_lines(path, file, kept)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StoreCorrupt(f"{path}: cannot be read ({error.strerror})") from error
    except _Unlined:   # cut short or damaged: the JSON reader says where, and what
        return parse(path, read_json_file(path))
    try:
        with paused_gc():
            tables = _Tables.model_validate_json(lines.skeleton)
    except (ValidationError, ValueError):
        tables = None
    lines.skeleton = b""
    if tables is None:
        return parse(path, read_json_file(path))
    meta = _meta(path, tables.meta)
    try:
        state = _first(tables.state)
        if lines.alert_lines is not None:
            state = state.model_copy(update={"alerts": lines.alerts(path, tables.check)})
        secret, hot = _secret(meta), Hot(
            state=_as_alerts(state),
            closing={a.ref: a for a in _in_order(tables.closing)},
            events=tuple(_in_order(tables.events)),
            seen={r.sha256: r for r in map(seen_from_json, _in_order(tables.seen))},
            outbox=Outbox(lines.outbox if lines.outbox is not None else {
                e.message_id: e for e in map(outbox_from_json, _in_order(tables.outbox))}),
            cursors=dict(_first(tables.cursors)),
            latest=None if meta.get("latest") is None else _utc(meta["latest"]),
            register_commit=int(meta.get("register_commit", 0)),
        )
    except (ValidationError, ValueError, KeyError, TypeError, IndexError) as error:
        raise StoreCorrupt(f"{path}: not a readable mailbot store ({error})") from error
    return Snapshot(secret, hot, int(meta.get("journal", 0)), _installation(path, meta),
                    lines.outbox is not None)


# the line layout's seams (see the module's docstring)
_ALERTS_OPEN = b',"alerts":{\n'
_MARKS_OPEN = b'\n}}},"marks":{"1":{\n'
_ROWS_OPEN = b'\n}},"rows":{"1":{\n'
_CHECK_OPEN = b'\n}},"check":{"1":'
_LINE = b",\n"
_OUTBOX_OPEN = b',"outbox":{\n'
_OUTBOX_CLOSE = b"\n}}"
_BUFFER = 1 << 20   # read in large pieces: a line at a time, not a system call each 8 KiB
# the same JSON with no alert and no mark in it: `..."alerts":{}}},"marks":{"1":{}},"check"...`
_EMPTIED = _MARKS_OPEN[1:-1] + _CHECK_OPEN[1:]


@dataclass
class _Lines:
    """A snapshot as read: the JSON without its alerts and marks (`skeleton`), and the
    lines of those, with the CRC-32 of the lines as written (None: a snapshot written
    whole, by an older mailbot)."""

    skeleton: bytes
    alert_lines: list[tuple[str, bytes]] | None = None
    mark_lines: list[tuple[str, bytes]] | None = None
    row_lines: list[tuple[str, bytes]] | None = None
    crc: int = 0
    outbox: dict[str, OutboxEntry] | None = None   # None: in the skeleton (older layout)

    def alerts(self, path: Path, check: dict[str, dict[str, Any]]) -> Alerts:
        """Each alert's line as a Lazy, after the CRC of the lines is checked."""
        doc: dict[str, Any] = check.get("1", {})
        found, marked, rows = self.alert_lines or [], dict(self.mark_lines or []), \
            dict(self.row_lines or [])
        if doc.get("crc") != self.crc or doc.get("alerts") != len(found):
            raise StoreCorrupt(f"{path}: the open alerts' lines do not match their check "
                               "(damaged): restore the folder from a backup")
        fingerprint, base = str(doc.get("fingerprint", "")), str(doc.get("base", ""))
        if marked and doc.get("code") != core_code():   # made by another mailbot: not used
            fingerprint = base = ""
        load = _alert_loader(path)
        return Alerts({ref: Lazy(data, load, marked.get(ref, b""), _kept_json, fingerprint, base,
                                 rows.get(ref, b"")) for ref, data in found})


def _kept_json(data: bytes) -> Any:
    """A mark line's JSON, as this module wrote it (UTF-8, no space; its CRC checked at
    open): the decoder's own step, without `json.loads`' guessing of the encoding."""
    return _DECODE(data.decode())[0]


_DECODE = json.JSONDecoder().raw_decode


def _read_lines(path: Path, file: io.BufferedReader[io.FileIO], kept: KeptFile | None
                ) -> _Lines:
    """The line layout's parts as `file` gives them, or the whole file as the skeleton
    for a snapshot written whole (older ones)."""
    head = file.readline()
    if not head.endswith(_ALERTS_OPEN):
        return _Lines(head + file.read())
    alerts, crc = _block(path, file, 0)
    if file.readline() != _MARKS_OPEN[1:]:
        raise _cut_short(path)
    marks, crc = _block(path, file, crc)
    line, rows = file.readline(), None
    if line == _ROWS_OPEN[1:]:   # the status rows on lines of their own (else with the marks)
        rows, crc = _block(path, file, crc)
        line = file.readline()
    if not line.startswith(_CHECK_OPEN[1:]):
        raise _cut_short(path)
    rest = line[len(_CHECK_OPEN) - 1:]
    del line
    if not rest.endswith(_OUTBOX_OPEN):   # written before the outbox had lines: the rest is
        if rest.endswith(b"\n"):           # the other tables, to the end, on the one line
            raise _cut_short(path)
        return _Lines(b"".join([head[:-1], _EMPTIED, rest]), alerts, marks, rows, crc)
    # in their order, as written; no CRC: each entry's mail is checked when read
    entries, _ = _block(path, file, None, _entry_loader(path, kept))
    if file.read() != _OUTBOX_CLOSE[1:]:
        raise _cut_short(path)
    # the tables but the outbox's entries, which closes the outbox with the document
    skeleton = b"".join([head[:-1], _EMPTIED, rest[:-1], _OUTBOX_CLOSE[1:]])
    return _Lines(skeleton, alerts, marks, rows, crc,
                  {entry.message_id: entry for _, entry in entries})


def _block(path: Path, file: io.BufferedReader[io.FileIO], crc: int | None,
           keep: Callable[[bytes, int], Any] | None = None
           ) -> tuple[list[tuple[str, Any]], int]:
    """The `"KEY":{...}` lines up to the next seam (which starts with "}"), each as
    ("KEY", b"{...}") or ("KEY", keep(b"{...}", where the {...} starts in the file)),
    and the CRC-32 carried on over them as written (`,\n` between, no newline after
    the last; none carried when `crc` is None). A reference never holds a quote.
    (One pass a line, inline: 20,000 lines at every open of 10,000 alerts.)"""
    found: list[tuple[str, Any]] = []
    checked = 0 if crc is None else crc
    if file.peek(1)[:1] == b"\n":   # no line at all
        file.read(1)
        return found, checked
    readline, crc32, append = file.readline, zlib.crc32, found.append
    at = file.tell() if keep is not None else 0   # where the next line starts
    while True:
        line = readline()
        if line[-2:] == _LINE:
            tail = -2
        elif line[-1:] == b"\n":   # the last
            tail = -1
        else:
            raise _cut_short(path)
        if crc is not None:
            checked = crc32(line if tail == -2 else line[:-1], checked)
        end = line.find(b'"', 1)
        if line[:1] != b'"' or end < 0:
            raise _cut_short(path)
        data = line[end + 2:tail]
        append((line[1:end].decode(), data if keep is None else keep(data, at + end + 2)))
        at += len(line)
        if tail == -1:
            return found, checked


def _entry_loader(path: Path, kept: KeptFile | None) -> Callable[[bytes, int], OutboxEntry]:
    """An outbox line's entry (its JSON at byte `at` of the file), read as soon as its
    line is: its fields parsed, its mail left where `kept` has it (keptmail.py), so no
    more than one line is held as read. Without `kept`, the mail is held as its
    base64 text."""
    def load(data: bytes, at: int) -> OutboxEntry:
        try:
            if kept is None:
                return outbox_from_json(json.loads(data))
            start, size = data_span(data)
            entry = outbox_from_json(json.loads(without_mail(data, start)))
        except (ValueError, KeyError, TypeError) as error:
            raise _cut_short(path) from error
        keep_in_file(entry, Kept(kept, at + start, size))
        return entry
    return load


class _Unlined(Exception):
    """Not the line layout as written (cut short, damaged, or put in other lines): the
    file is then read as the one JSON document it is, which says what is wrong."""


def _cut_short(path: Path) -> _Unlined:
    return _Unlined(f"{path}: not in the line layout")


@functools.cache
def core_code() -> str:
    """A hash of the core's code, of which the marks are functions: marks kept by
    another mailbot (any change to mailbot/core) are made again, not believed."""
    core = Path(__file__).resolve().parents[2] / "core"
    digest = hashlib.sha256()
    for path in sorted(core.rglob("*.py")):
        digest.update(path.relative_to(core).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _alert_loader(path: Path) -> Callable[[bytes], Alert]:
    def load(data: bytes) -> Alert:
        try:
            return Alert.model_validate_json(data)
        except ValidationError as error:
            raise StoreCorrupt(f"{path}: an open alert does not read ({error.errors()[0]['msg']}): "
                               "restore the folder from a backup") from error
    return load


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a snapshot's documents are built: they are
    all alive, so each collection the allocations set off would walk them all for
    nothing (at 10,000 open alerts, more than half the time of reading them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # what was built is alive and stays (the open store holds it): frozen first,
        # or the first collection after enabling would walk it all at once, and every
        # later full collection again (refcounting still frees what is replaced)
        gc.freeze()
        if was:
            gc.enable()


def parse(path: Path, data: Any) -> Snapshot:
    """A snapshot from its parsed JSON, or StoreCorrupt saying what is wrong."""
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise StoreCorrupt(f"{path}: not a TinyDB database (expected tables of documents)")
    meta = _meta(path, data.get("meta", {}))
    try:
        secret = _secret(meta)
        missing = [name for name in TABLES if name not in data]
        if missing:
            raise ValueError(f"missing tables {missing}")
        hot = Hot(
            state=_as_alerts(State.model_validate(_docs(data, "state")[0])),
            closing={a.ref: a for a in map(Alert.model_validate, _docs(data, "closing"))},
            events=tuple(map(Event.model_validate, _docs(data, "events"))),
            seen={r.sha256: r for r in map(seen_from_json, _docs(data, "seen"))},
            outbox={e.message_id: e for e in map(outbox_from_json, _docs(data, "outbox"))},
            cursors={str(k): str(v) for k, v in _docs(data, "cursors")[0].items()},
            latest=None if meta.get("latest") is None else _utc(meta["latest"]),
            register_commit=int(meta.get("register_commit", 0)),
        )
    except (ValidationError, ValueError, KeyError, TypeError, IndexError) as error:
        raise StoreCorrupt(f"{path}: not a readable mailbot store ({error})") from error
    return Snapshot(secret, hot, int(meta.get("journal", 0)), _installation(path, meta))


def _installation(path: Path, meta: dict[str, Any]) -> str:
    value = meta.get("installation", "")
    if not isinstance(value, str) or not re.fullmatch(r"(?:[a-z0-9]{4,32})?", value):
        raise StoreCorrupt(f"{path}: the installation id {value!r} is not one mailbot makes")
    return value


def _as_alerts(state: State) -> State:
    """The state with its alerts as an `Alerts`, from which later ones are derived."""
    return state.model_copy(update={"alerts": Alerts(state.alerts)})


def _meta(path: Path, table: dict[str, Any]) -> dict[str, Any]:
    meta = table.get("1")
    if not isinstance(meta, dict) or "schema_version" not in meta:
        raise StoreCorrupt(f"{path}: no schema version: not a mailbot store, or damaged")
    version = meta["schema_version"]
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise StoreTooNew(
            f"{path}: written by a newer mailbot (store schema {version}; this mailbot knows "
            f"up to {SCHEMA_VERSION}); run the newer mailbot, which wrote it"
        )
    if isinstance(version, int) and 1 <= version < SCHEMA_VERSION:
        raise StoreCorrupt(
            f"{path}: store schema {version}, older than this mailbot's {SCHEMA_VERSION}: "
            "any command that opens the store (mailbot status) upgrades it, after a backup"
        )
    if version != SCHEMA_VERSION:
        raise StoreCorrupt(f"{path}: schema version {version!r} was never written by mailbot; "
                           "restore the folder from a backup")
    return meta


def _secret(meta: dict[str, Any]) -> bytes:
    secret = base64.b64decode(meta["secret"], validate=True)
    if len(secret) != 32:
        raise ValueError("the secret is not 32 bytes")
    return secret


def _utc(text: str) -> datetime:
    return utc(datetime.fromisoformat(text))


def _in_order(table: dict[str, Any]) -> list[Any]:
    return [doc for _, doc in sorted(table.items(), key=lambda item: int(item[0]))]


def _first(table: dict[str, Any]) -> Any:
    return _in_order(table)[0]


def _docs(data: dict[str, dict[str, Any]], table: str) -> list[dict[str, Any]]:
    return [doc for _, doc in sorted(data[table].items(), key=lambda item: int(item[0]))]


# -- writing ------------------------------------------------------------------------


def alert_json(alert: Alert) -> bytes:
    return alert.model_dump_json(exclude_defaults=True).encode("utf-8")


def event_json(event: Event) -> bytes:
    return event.model_dump_json(exclude_defaults=True).encode("utf-8")


def state_json(state: State) -> bytes:
    """The State but its alerts (kept document by document)."""
    return state.model_dump_json(exclude={"alerts"}).encode("utf-8")


def seen_json(record: SeenRecord) -> bytes:
    return dumps(seen_to_json(record))


def entry_json(entry: OutboxEntry) -> bytes:
    return dumps(outbox_to_json(entry))


def encode(secret: bytes, hot: Hot, journal: int, installation: str = "",
           marker: Marker | None = None, placement: Placement | None = None
           ) -> Iterator[bytes]:
    """The snapshot's bytes, piece by piece (a large store is never one string in
    memory): the same JSON document as `dumps` of the TinyDB tables, in the line
    layout. An alert never read since it was read from a snapshot is written as the
    bytes it was read from; its marks too, when made under `marker`'s fingerprints
    (else made again, which reads it); without a marker, no marks are kept. With a
    `placement` (its `counted` the pieces' consumer), each outbox entry is told to it."""
    meta: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "secret": base64.b64encode(secret).decode("ascii"),
        "latest": None if hot.latest is None else hot.latest.isoformat()}
    if installation:          # absent in stores made before it: they read the same
        meta["installation"] = installation
    if hot.register_commit:   # absent until the register first changes: older files read the same
        meta["register_commit"] = hot.register_commit
    if journal:
        meta["journal"] = journal
    yield b'{"meta":' + dumps({"1": meta}) + b',"state":{"1":' + state_json(hot.state)[:-1]
    yield _ALERTS_OPEN
    crc, count, marks, rows = 0, 0, [], []
    alerts = hot.state.alerts
    for ref in alerts:
        data, kept = _alert_line(dict.__getitem__(alerts, ref), marker)
        key = dumps(ref) + b":"
        piece = (_LINE if count else b"") + key + data
        crc, count = zlib.crc32(piece, crc), count + 1
        if kept is not None:
            marks.append(key + kept[0])
            if kept[1]:
                rows.append(key + kept[1])
        yield piece
    for seam, lines in ((_MARKS_OPEN, marks), (_ROWS_OPEN, rows)):
        yield seam
        for number, line in enumerate(lines):
            piece = (_LINE if number else b"") + line
            crc = zlib.crc32(piece, crc)
            yield piece
    check = {"crc": crc, "alerts": count, "fingerprint": marker.fingerprint if marker else "",
             "base": marker.base if marker else "", "code": core_code() if marker else ""}
    yield _CHECK_OPEN + dumps(check) + b"}"
    yield b',"cursors":' + dumps({"1": hot.cursors})
    yield b',"closing":'
    yield from _table(alert_json(a) for a in hot.closing.values())
    yield b',"events":'
    yield from _table(event_json(e) for e in hot.events)
    yield b',"seen":'
    yield from _table(seen_json(r) for r in hot.seen.values())
    yield _OUTBOX_OPEN   # an entry on each line, as the open alerts (read as they come)
    for number, entry in enumerate(hot.outbox.values(), start=1):
        piece = (_LINE if number > 1 else b"") + b'"%d":' % number + entry_json(entry)
        if placement is not None:
            placement.entry(entry, piece)
        yield piece
    yield _OUTBOX_CLOSE


def _alert_line(held: Alert | Lazy, marker: Marker | None
                ) -> tuple[bytes, tuple[bytes, bytes] | None]:
    """An open alert's bytes, and its marks' and status rows' (None without a marker)."""
    if type(held) is Lazy:
        data = held.data
        if marker is None:
            return data, None
        if not (held.marks_data and marker.made(held)):
            kept, rows = split_marks(marker.make(held))   # the alert read for them, not kept
            # and not made again: the open store answers from them as the next open will
            held.keep(dumps(kept), dumps(rows), marker.fingerprint, marker.base)
        return data, (held.marks_data, held.rows_data)
    alert = held
    assert isinstance(alert, Alert)
    if marker is None:
        return alert_json(alert), None
    kept, rows = split_marks(marker.make(alert))
    return alert_json(alert), (dumps(kept), dumps(rows))


def _table(docs: Iterable[bytes]) -> Iterator[bytes]:
    yield b"{"
    for number, doc in enumerate(docs, start=1):
        yield (b"," if number > 1 else b"") + b'"%d":' % number + doc
    yield b"}"
