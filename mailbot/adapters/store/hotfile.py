"""The hot file's contents and its TinyDB layout (`state/db.json`).

Tables, each a TinyDB table of documents keyed "1", "2", ...:
  meta     {"schema_version": 1, "secret": base64}
  state    the State (open alerts, counters, ...)
  cursors  {mailbox name: opaque sync state}
  closing  closed alerts not yet written to the archive
  events   events not yet flushed to their alert's log
  seen     recent seen-records
  outbox   outgoing mail: pending, sending, and recently sent

The file is read and written whole through the storage, not table by table:
TinyDB rewrites the file on every table operation, so a commit made of
several table updates would be several writes and could be torn between
them. One document, one atomic write.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from mailbot.adapters.store.records import (
    OutboxEntry,
    SeenRecord,
    outbox_from_json,
    outbox_to_json,
    seen_from_json,
    seen_to_json,
)
from mailbot.core.model import Alert, Event, State
from mailbot.errors import StoreCorrupt

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
        )
    except (ValidationError, ValueError, KeyError, TypeError, IndexError) as error:
        raise StoreCorrupt(f"{path}: not a readable mailbot store ({error})") from error
    return secret, hot


def _docs(data: dict[str, dict[str, Any]], table: str) -> list[dict[str, Any]]:
    return [doc for _, doc in sorted(data[table].items(), key=lambda item: int(item[0]))]


T = TypeVar("T")


class Dumps:
    """JSON documents of the values written last time, reused while the value
    is the very same object: the core returns unchanged alerts untouched, so
    a commit serialises only what changed."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[object, dict[str, Any]]] = {}
        self._next: dict[int, tuple[object, dict[str, Any]]] = {}

    def __call__(self, value: T, dump: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
        hit = self._done.get(id(value))
        doc = hit[1] if hit is not None and hit[0] is value else dump(value)
        self._next[id(value)] = (value, doc)
        return doc

    def written(self) -> None:
        self._done, self._next = self._next, {}


def document(secret: bytes, hot: Hot, dumps: Dumps) -> dict[str, dict[str, Any]]:
    def model(value: Alert | Event) -> dict[str, Any]:
        return value.model_dump(mode="json")

    state = hot.state.model_dump(mode="json", exclude={"alerts"})
    state["alerts"] = {ref: dumps(alert, model) for ref, alert in hot.state.alerts.items()}
    return {
        "meta": {"1": {"schema_version": SCHEMA_VERSION,
                       "secret": base64.b64encode(secret).decode("ascii")}},
        "state": {"1": state},
        "cursors": {"1": dict(hot.cursors)},
        "closing": _table(dumps(a, model) for a in hot.closing.values()),
        "events": _table(dumps(e, model) for e in hot.events),
        "seen": _table(dumps(r, seen_to_json) for r in hot.seen.values()),
        "outbox": _table(dumps(e, outbox_to_json) for e in hot.outbox.values()),
    }


def _table(docs: Any) -> dict[str, Any]:
    return {str(number): doc for number, doc in enumerate(docs, start=1)}
