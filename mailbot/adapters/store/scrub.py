"""Removing an alert's personal data from every file the store keeps it in (issue 15).

Retention and erasure replace an alert with what `core.retention.stripped_alert`
leaves of it, and then, in this order:

1. its sent mail still in the hot file goes to the sent-mail log with its body
   emptied, and the hot state (an open alert, one awaiting the archive, its
   unflushed events) is written stripped and without that mail, as one journal
   segment: a write like any other, so a crash leaves it done or not;
2. its event logs (its own, `.refused` and `.duplicates`) are rewritten whole:
   temp file, fsync, rename;
3. each monthly sent-mail log holding its mail is rewritten with each of those
   mails' body emptied, the line padded with spaces to its old length (JSON allows
   them before the closing brace), so every offset the key index holds still
   points at the start of the same record: the index needs no rebuilding and is
   right whether the crash came before or after the rename;
4. the caller's `forget` deletes its mail from the Maildir folders and the file
   outbox; then the archived alert (`archive/YYYY-MM/<REF>.json`) is rewritten,
   last, since it is what says the work is done;
5. the journal is folded into a new snapshot (written whole and atomically) and
   its segments deleted: older segments held the alert as it was.

A crash anywhere leaves some files stripped and some not, and the archived alert
still due; the run is idempotent (stripping twice is once), and retention does it
all again at its next run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mailbot.adapters.store.appendlog import (
    append_records,
    ensure_folder,
    iter_records,
    parse_line,
)
from mailbot.adapters.store.atomic_storage import atomic_write_bytes, dumps, read_json_file
from mailbot.adapters.store.record_json import utc
from mailbot.core.alerts.duplicate import DUPLICATES_LOG
from mailbot.core.authority.refusal import REFUSED_LOG
from mailbot.core.retention import stripped_event
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.state import with_alerts
from mailbot.errors import StoreCorrupt

# the Store (store.py) is passed in and its parts used here: this module is its
# retention half, kept apart to keep store.py about writing
Store = Any

RUNS = Path("retention") / "runs.jsonl"


@dataclasses.dataclass(frozen=True)
class Removed:
    """What a removal touched: the mail to forget in the mailboxes and the outbox."""

    incoming: frozenset[str]     # Message-IDs of messages received about the alerts
    outgoing: frozenset[str]     # Message-IDs of the mail sent about them
    files: int                   # cold files rewritten


def logs_of(ref: str) -> tuple[str, ...]:
    return (ref, f"{ref}{REFUSED_LOG}", f"{ref}{DUPLICATES_LOG}")


def remove_personal(store: Store, stripped: Mapping[str, Alert], events: Sequence[Event],
                    at: datetime, forget: Callable[[Removed], None] | None = None) -> Removed:
    """Write `stripped` in place of each alert everywhere, with `events` (what was done)."""
    refs = set(stripped)
    logs = {name for ref in refs for name in logs_of(ref)}
    hot = store._hot
    incoming = {a.source_message for a in stripped.values() if a.source_message}
    incoming |= {e.message_id for e in hot.events if e.ref in logs and e.message_id}
    outgoing = {m for m, e in hot.outbox.items() if e.ref in refs}
    state = hot.state
    put = {r: a for r, a in stripped.items() if r in state.alerts}
    if put:
        state = state.model_copy(update={"alerts": with_alerts(state.alerts, put=put)})
    closing = {r: stripped.get(r, a) for r, a in hot.closing.items()}
    cold = store._cold
    # sent mail still hot goes cold now, its body emptied (an entry's bytes never change
    # in the journal); appending is idempotent by Message-ID, so a crash before the hot
    # write that drops them leaves the emptied copy as the one the log keeps
    sent = [dataclasses.replace(e, data=b"") for e in hot.outbox.values()
            if e.ref in refs and e.status == "sent"]
    cold.put_sent(sent)
    gone = {e.message_id for e in sent}
    store._write(dataclasses.replace(
        hot, state=state, closing=closing,
        events=tuple(stripped_event(e) if e.ref in logs else e for e in hot.events) + tuple(events),
        outbox={m: e for m, e in hot.outbox.items() if m not in gone}), [at])
    files = 0
    for name in sorted(logs):
        path = cold.events.path(name)
        if not path.exists():
            continue
        records = [r for _, r in iter_records(path)]
        incoming |= {str(r["message_id"]) for r in records if r.get("message_id")}
        fresh = [stripped_event(Event.model_validate(r)).model_dump(mode="json") for r in records]
        if fresh != records:
            atomic_write_bytes(path, b"".join(dumps(r) + b"\n" for r in fresh))
            files += 1
    for path in sorted(cold.sent.folder.glob("*.jsonl")):
        changed, ids = _blank_bodies(path, refs)
        outgoing |= ids
        files += changed
    removed = Removed(frozenset(incoming), frozenset(outgoing), files)
    if forget is not None:
        forget(removed)
    # last, the archived alert that says it is done: a crash before this line leaves
    # it due, and the next run does it all again
    archived = [a for r, a in stripped.items()
                if a.status == "closed" and (r in closing or cold.archive.get(r) is not None)]
    cold.archive.put(archived)
    store._compact()
    return dataclasses.replace(removed, files=files + len(archived))


def _blank_bodies(path: Path, refs: set[str]) -> tuple[int, set[str]]:
    """Empty the body of each sent mail about `refs` in one monthly log, every line
    kept at its length; (1 if the file was rewritten, the mails' Message-IDs)."""
    lines = path.read_bytes().splitlines(keepends=True)
    ids: set[str] = set()
    changed = False
    for number, line in enumerate(lines):
        if not line.endswith(b"\n"):
            lines = lines[:number]     # a torn tail: never committed
            break
        record = parse_line(path, line, number + 1)
        if record.get("ref") not in refs:
            continue
        ids.add(str(record["message_id"]))
        if record.get("data") == "":
            continue
        blank = dumps({**record, "data": ""})
        room = len(line) - 1 - len(blank)
        if room < 0:
            raise StoreCorrupt(f"{path}: line {number + 1} is shorter than its record emptied")
        lines[number] = blank[:-1] + b" " * room + b"}\n"
        changed = True
    if changed:
        atomic_write_bytes(path, b"".join(lines))
    return int(changed), ids


def archived_before(store: Store, month: str) -> Iterator[Alert]:
    """Archived alerts closed in `month` or before, oldest month first."""
    archive = store._cold.archive
    for each in reversed(archive.months()):
        if each > month:
            break
        for path in sorted((archive.folder / each).glob("*.json")):
            yield Alert.model_validate(read_json_file(path))


def log_run(folder: Path, record: dict[str, Any]) -> None:
    path = folder / RUNS
    ensure_folder(path.parent)
    append_records(path, [record])


def runs(folder: Path, since: datetime | None = None) -> list[dict[str, Any]]:
    """The retention runs logged, from `since` on."""
    found = [r for _, r in iter_records(folder / RUNS)]
    if since is None:
        return found
    return [r for r in found if utc(datetime.fromisoformat(str(r["at"]))) >= utc(since)]
