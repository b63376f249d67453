"""The heartbeat: `state/heartbeat.json`, what `run` and `once` last did (issue 14).

Per mailbox when it was last read and since when it has failed (with the last
error), when the clock last fired, and the outbox's unsent count and the age of
its oldest entry; and which outages the unit has been told of. It is written
whole to a temporary file and renamed over the old one at the end of each pass,
outside the store, so `mailbot health` (and any monitor) reads it without the
store's lock and never sees half a file.

At the end of a pass the watch also asks the pure core (`mailbot.core.outage`)
whether an outage has now lasted `operations.alert_after`, or is over; the notice
goes into the store's outbox in one commit before the heartbeat records it as
told, so a crash between the two sends it once all the same (its Message-ID is
the outage's own, and the outbox never sends one id twice).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailbot.core.outage import OUTBOX, Trouble, decide

if TYPE_CHECKING:   # `mailbot health` reads the beat without loading the workflow
    from mailbot.service.service import Service

FILE = "heartbeat.json"
VERSION = 1

log = logging.getLogger("mailbot")


@dataclass
class MailboxBeat:
    last_read: datetime | None = None
    failing_since: datetime | None = None
    last_error: str = ""


@dataclass
class Beat:
    """The heartbeat file's content."""

    written_at: datetime | None = None
    mailboxes: dict[str, MailboxBeat] = field(default_factory=dict)
    clock_fired: datetime | None = None
    unsent: int = 0
    oldest_unsent: datetime | None = None
    outbox_error: str = ""
    outbox_stuck_since: datetime | None = None
    # trouble key -> the start of the outage the unit was told of
    told: dict[str, datetime] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION, "written_at": _iso(self.written_at), "pid": os.getpid(),
            "mailboxes": {name: {"last_read": _iso(m.last_read),
                                 "failing_since": _iso(m.failing_since),
                                 "last_error": m.last_error}
                          for name, m in sorted(self.mailboxes.items())},
            "clock": {"last_fired": _iso(self.clock_fired)},
            "outbox": {"unsent": self.unsent, "oldest": _iso(self.oldest_unsent),
                       "last_error": self.outbox_error,
                       "stuck_since": _iso(self.outbox_stuck_since)},
            "told": {key: _iso(at) for key, at in sorted(self.told.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Beat:
        outbox = data.get("outbox") or {}
        return cls(
            written_at=_time(data.get("written_at")),
            mailboxes={name: MailboxBeat(last_read=_time(m.get("last_read")),
                                         failing_since=_time(m.get("failing_since")),
                                         last_error=str(m.get("last_error") or ""))
                       for name, m in (data.get("mailboxes") or {}).items()},
            clock_fired=_time((data.get("clock") or {}).get("last_fired")),
            unsent=int(outbox.get("unsent") or 0), oldest_unsent=_time(outbox.get("oldest")),
            outbox_error=str(outbox.get("last_error") or ""),
            outbox_stuck_since=_time(outbox.get("stuck_since")),
            told={k: t for k, v in (data.get("told") or {}).items()
                  if (t := _time(v)) is not None})


class HeartbeatUnreadable(Exception):
    """The heartbeat file is there but is not one (a monitor says FAIL)."""


def read_beat(state_dir: Path) -> Beat | None:
    """The heartbeat as last written; None if there is none yet."""
    path = Path(state_dir) / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return Beat.from_json(data)
    except (ValueError, TypeError, AttributeError) as exc:
        raise HeartbeatUnreadable(f"{path} is not a heartbeat file ({exc})") from None


def write_beat(state_dir: Path, beat: Beat) -> None:
    """Write the whole file beside the old one, then rename it over (atomic)."""
    folder = Path(state_dir)
    fd, temp = tempfile.mkstemp(prefix=".heartbeat.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(beat.to_json(), out, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, folder / FILE)   # mkstemp made it 0600: private like the store
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Heartbeat:
    """The service's `watch`: keeps the beat, writes it, and tells of outages."""

    def __init__(self, state_dir: Path, *, every: timedelta = timedelta(seconds=30)) -> None:
        self.state_dir = Path(state_dir)
        self.every = every    # `run` passes every few seconds: the file at most this often
        try:
            self.beat = read_beat(self.state_dir) or Beat()
        except HeartbeatUnreadable as exc:
            log.warning("%s; starting a new one", exc)
            self.beat = Beat()
        self._changed = True

    # -- what the service says ------------------------------------------------------

    def read(self, mailbox: str, now: datetime) -> None:
        m = self.beat.mailboxes.setdefault(mailbox, MailboxBeat())
        self._changed |= m.failing_since is not None
        m.last_read, m.failing_since, m.last_error = now, None, ""

    def failed(self, mailbox: str, now: datetime, error: str) -> None:
        m = self.beat.mailboxes.setdefault(mailbox, MailboxBeat())
        self._changed |= m.failing_since is None
        m.failing_since = m.failing_since or now
        m.last_error = error[:300]

    def ticked(self, now: datetime) -> None:
        self.beat.clock_fired = now

    def pass_done(self, service: Service) -> bool:
        now = service.clock.now()
        self._outbox(service, now)
        queued = self._outages(service, now)
        last = self.beat.written_at
        if self._changed or queued or last is None or now - last >= self.every or now < last:
            self.beat.written_at = now
            try:
                write_beat(self.state_dir, self.beat)
            except OSError as exc:   # the monitor will see the file go stale: say why here
                log.error("cannot write the heartbeat %s: %s", self.state_dir / FILE, exc)
            self._changed = False
        return queued

    # -- the end of a pass --------------------------------------------------------------

    def _outbox(self, service: Service, now: datetime) -> None:
        waiting = service.store.pending_outbox()
        beat = self.beat
        beat.unsent = len(waiting)
        oldest = min(waiting, key=lambda e: e.created_at) if waiting else None
        beat.oldest_unsent = oldest.created_at if oldest else None
        errors = [e.last_error for e in waiting if e.last_error]
        beat.outbox_error = errors[-1][:300] if errors else ""
        after = service.config.operations.alert_after.fixed
        stuck = oldest is not None and now - oldest.created_at >= after
        if stuck and beat.outbox_stuck_since is None:
            beat.outbox_stuck_since = beat.oldest_unsent
            self._changed = True
        elif not stuck and beat.outbox_stuck_since is not None:
            beat.outbox_stuck_since = None
            self._changed = True

    def _outages(self, service: Service, now: datetime) -> bool:
        beat = self.beat
        troubles = {f"mailbox:{name}": Trouble(key=f"mailbox:{name}", since=m.failing_since,
                                               error=m.last_error,
                                               told=beat.told.get(f"mailbox:{name}"))
                    for name, m in beat.mailboxes.items()}
        troubles[OUTBOX] = Trouble(key=OUTBOX, since=beat.outbox_stuck_since,
                                   error=beat.outbox_error, unsent=beat.unsent,
                                   told=beat.told.get(OUTBOX))
        updated, notices = decide(troubles, service.config, now)
        if not notices:
            return False
        for notice in notices:
            (log.error if notice.began else log.warning)("%s", notice.log)
        try:
            service.notify(tuple(n.outgoing for n in notices if n.outgoing.to),
                           "outage notices")
        except Exception:   # the store is unwell: the log has it; told at the next pass
            log.exception("the outage notices could not be put in the outbox")
            return False
        beat.told = {key: t.told for key, t in updated.items() if t.told is not None}
        self._changed = True
        return True


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _time(text: Any) -> datetime | None:
    if text is None:
        return None
    when = datetime.fromisoformat(str(text))
    if when.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone")
    return when


__all__ = ["FILE", "Beat", "Heartbeat", "HeartbeatUnreadable", "MailboxBeat", "read_beat",
           "write_beat"]
