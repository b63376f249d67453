"""The hot file's contents and its TinyDB layout (`state/db.json`).

Tables, each a TinyDB table of documents keyed "1", "2", ...:
  meta     {"schema_version": 1, "secret": base64, "latest": ISO time,
            "register_commit": n (once the register has changed)}
  state    the State (open alerts, counters, ...)
  cursors  {mailbox name: opaque sync state}
  closing  closed alerts not yet written to the archive
  events   events not yet flushed to their alert's log
  seen     recent seen-records
  outbox   outgoing mail: pending, sending, and recently sent

The file is read and written whole through the storage, not table by table:
TinyDB rewrites the file on every table operation, so a commit made of
several table updates would be several writes and could be torn between
them. One document, one atomic write. Any TinyDB can still open a copy.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from mailbot.adapters.store.atomic_storage import dumps
from mailbot.adapters.store.record_json import (
    outbox_from_json,
    outbox_to_json,
    seen_from_json,
    seen_to_json,
    utc,
)
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.state import State
from mailbot.errors import StoreCorrupt
from mailbot.records import OutboxEntry, SeenRecord

SCHEMA_VERSION = 1
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


def parse(path: Path, data: dict[str, dict[str, Any]]) -> tuple[bytes, Hot]:
    """(secret, contents) of a hot file, or StoreCorrupt saying what is wrong."""
    meta = data.get("meta", {}).get("1")
    if not isinstance(meta, dict) or "schema_version" not in meta:
        raise StoreCorrupt(f"{path}: no schema version: not a mailbot store, or damaged")
    if meta["schema_version"] != SCHEMA_VERSION:
        raise StoreCorrupt(
            f"{path}: schema version {meta['schema_version']!r}; "
            f"this mailbot reads version {SCHEMA_VERSION}"
        )
    try:
        secret = base64.b64decode(meta["secret"], validate=True)
        if len(secret) != 32:
            raise ValueError("the secret is not 32 bytes")
        missing = [name for name in TABLES if name not in data]
        if missing:
            raise ValueError(f"missing tables {missing}")
        hot = Hot(
            state=State.model_validate(_docs(data, "state")[0]),
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
    return secret, hot


def _utc(text: str) -> datetime:
    return utc(datetime.fromisoformat(text))


def _docs(data: dict[str, dict[str, Any]], table: str) -> list[dict[str, Any]]:
    return [doc for _, doc in sorted(data[table].items(), key=lambda item: int(item[0]))]


T = TypeVar("T")


class Encoded:
    """The JSON of each value written last time, reused while the value is the
    very same object. The core returns unchanged alerts untouched, so a commit
    encodes only what changed; encoding 300 open alerts afresh every time
    would cost more than the write itself."""

    def __init__(self) -> None:
        self._done: dict[tuple[int, object], tuple[object, bytes]] = {}
        self._next: dict[tuple[int, object], tuple[object, bytes]] = {}

    def __call__(self, value: T, encode: Callable[[T], bytes]) -> bytes:
        key = (id(value), encode)
        hit = self._done.get(key)
        text = hit[1] if hit is not None and hit[0] is value else encode(value)
        self._next[key] = (value, text)
        return text

    def written(self) -> None:
        self._done, self._next = self._next, {}


def _model(value: Alert | Event) -> bytes:
    return value.model_dump_json().encode("utf-8")


def _keyed(alert: Alert) -> bytes:
    return dumps(alert.ref) + b":" + _model(alert)


def _seen(record: SeenRecord) -> bytes:
    return dumps(seen_to_json(record))


def _entry(entry: OutboxEntry) -> bytes:
    return dumps(outbox_to_json(entry))


def encode(secret: bytes, hot: Hot, cache: Encoded) -> bytes:
    """The hot file's bytes: the same JSON as `dumps` of the whole document,
    put together from cached pieces."""
    meta: dict[str, dict[str, Any]] = {"1": {
        "schema_version": SCHEMA_VERSION, "secret": base64.b64encode(secret).decode("ascii"),
        "latest": None if hot.latest is None else hot.latest.isoformat()}}
    if hot.register_commit:   # absent until the register first changes: older files read the same
        meta["1"]["register_commit"] = hot.register_commit
    # model_dump always has the other State fields, so "alerts" follows a comma
    state = dumps(hot.state.model_dump(mode="json", exclude={"alerts"}))[:-1]
    alerts = b",".join(cache(alert, _keyed) if ref == alert.ref else dumps(ref) + b":" + _model(alert)
                       for ref, alert in hot.state.alerts.items())
    return b"".join([
        b'{"meta":', dumps(meta),
        b',"state":{"1":', state, b',"alerts":{', alerts, b"}}}",
        b',"cursors":', dumps({"1": hot.cursors}),
        b',"closing":', _table(cache(a, _model) for a in hot.closing.values()),
        b',"events":', _table(cache(e, _model) for e in hot.events),
        b',"seen":', _table(cache(r, _seen) for r in hot.seen.values()),
        b',"outbox":', _table(cache(e, _entry) for e in hot.outbox.values()),
        b"}",
    ])


def _table(docs: Iterable[bytes]) -> bytes:
    rows = b",".join(b'"%d":%s' % (number, doc) for number, doc in enumerate(docs, start=1))
    return b"{" + rows + b"}"
