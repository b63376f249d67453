"""Values built by hand from mailbot.core.values, and a fresh state folder."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.form import Contact, Form
from mailbot.core.values.state import Decision, State
from mailbot.records import OutboxEntry, SeenRecord

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
CHILD = "Jane Doe"      # a name that must never reach a log or a cold file name


def make_alert(ref: str, *, at: datetime = T0, status: str = "open",
               closed_at: datetime | None = None) -> Alert:
    return Alert(
        ref=ref, category="C2", area="north", district="Ashford", status=status,
        form=Form(reference=ref, category="C2", child_name=CHILD, summary="went missing"),
        submitter=Contact(name="Sam Worker", email="sam.worker@example.gov.uk"),
        created_at=at, updated_at=closed_at or at, closed_at=closed_at,
    )


def closed(alert: Alert, at: datetime) -> Alert:
    return alert.model_copy(update={"status": "closed", "closed_at": at, "updated_at": at})


def make_event(ref: str, seq: int, *, at: datetime = T0, what: str = "") -> Event:
    return Event(ref=ref, seq=seq, at=at + timedelta(seconds=seq), rule="R-TEST",
                 what=what or f"step {seq}", message_id=f"m{seq}@example.org")


def make_seen(sha: str, *, at: datetime = T0) -> SeenRecord:
    return SeenRecord(sha256=sha, mailbox="unit", uid=f"7:{sha}", message_id=f"{sha}@example.org",
                      at=at, disposition="processed")


def make_entry(mid: str, *, at: datetime = T0, ref: str | None = "KA-2024-0001") -> OutboxEntry:
    return OutboxEntry(message_id=mid, envelope_to=("tm@example.gov.uk",),
                       data=b"Subject: hello\r\n\r\n\xff binary-safe\r\n", ref=ref,
                       purpose="approval_request", created_at=at)


def decide(alerts: list[Alert], *, events: tuple[Event, ...] = (), closed_refs: tuple[str, ...] = (),
           counters: dict[str, int] | None = None) -> Decision:
    state = State(alerts={a.ref: a for a in alerts}, counters=counters or {})
    return Decision(state=state, events=events, closed=closed_refs)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "state"


def start_python(code: str, *args: str) -> subprocess.Popen[str]:
    """A real second process running `code` with the project importable."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def expect_line(child: subprocess.Popen[str], expected: str) -> None:
    """Wait for the child to say `expected`; if it died instead, show why."""
    assert child.stdout is not None and child.stderr is not None
    line = child.stdout.readline()
    if line != expected + "\n":
        child.kill()
        pytest.fail(f"child said {line!r}, not {expected!r}; stderr:\n{child.stderr.read()}")


class Killed(BaseException):
    """The process dies at this point (what SIGKILL does, at a point of our choosing)."""


def kill_at_next_hot_write(store: Any) -> None:
    """The next write of the hot file (db.json) never happens: the process dies first.
    Whatever was written before it in the same commit (the register) is on disk."""
    storage = store._storage

    def dies(data: bytes) -> None:
        raise Killed

    storage.write_encoded = dies
