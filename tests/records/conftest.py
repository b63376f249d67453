"""The records tests run on the real store after a simulated run: the demo's year
(three alerts raised, approved, chased, found and de-alerted, a national alert
held, issued and found), then another council's national alert in the MIU inbox
and a form whose text is hostile HTML. Each test gets its own copy of the folder."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from mailbot.demo import EXAMPLES, Demo, script
from mailbot.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]
OLA = ROOT / "tests" / "register" / "golden" / "01-text-national-alert.eml"
USER = "records.officer"
CLOSED, OPEN, PRIORITY = "KA-2026-0001", "KA-2026-0002", "KA-2026-0003"
LIBERI, NAME, DOB = "4410293", "Jordan Example", "03/02/2011"     # the closed alert's child
HOSTILE_LIBERI = "7700001"
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)> & \"quoted\""


def hostile_form() -> bytes:
    raw = (EXAMPLES / "c8-child-in-care-missing.eml").read_text()
    raw = raw.replace("<demo-c8-form@kent.test>", "<hostile-form@kent.test>")
    raw = raw.replace("Jordan Example", "Casey Hostile").replace("4410293", HOSTILE_LIBERI)
    raw = raw.replace("Jordan did not return to placement after school. Phone off.", HOSTILE)
    raw = raw.replace("Thanet CIC Team 2", "Team </td></tr></table><h1>Injected</h1>")
    return raw.replace("Date: Mon, 16 Nov 2026 09:00:00 +0000",
                       "Date: Sat, 20 Nov 2027 12:00:00 +0000").encode()


@dataclass(frozen=True)
class Seeded:
    folder: Path
    end: datetime
    hostile_ref: str


@pytest.fixture(scope="package")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    folder = tmp_path_factory.mktemp("records") / "state"
    demo = Demo(folder, io.StringIO())
    try:
        script(demo)
        demo.deliver(OLA.read_bytes(), "miu")          # R-OLA: an entry on the register
        demo.deliver(hostile_form())
        hostile = [a.ref for a in demo.service.store.load().alerts.values()
                   if a.form.case_id == HOSTILE_LIBERI]
        assert len(hostile) == 1, "the hostile form raised an alert"
        assert demo.service.store.register.search("Riley Northcote"), "the register has it"
        end = demo.now
    finally:
        demo.close()
    return Seeded(folder, end, hostile[0])


@pytest.fixture
def state(seeded: Seeded, tmp_path: Path) -> Path:
    copy = tmp_path / "state"
    shutil.copytree(seeded.folder, copy)
    return copy


@pytest.fixture
def sim(seeded: Seeded, state: Path) -> Iterator[Simulation]:
    s = Simulation(state, seeded.end)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(autouse=True)
def officer(monkeypatch: pytest.MonkeyPatch) -> str:
    """The operating-system user the commands record (getpass reads LOGNAME first)."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, USER)
    return USER


def log_lines(state: Path, name: str) -> list[dict[str, object]]:
    path = state / "events" / name
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
