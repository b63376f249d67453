"""A bot on a simulated clock, on the real store, templates, Maildir and file sender."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.simulation import Simulation

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]

BASE = {
    "C8": {
        "Category": "C8 Child in Care missing", "District": "Thanet",
        "Child's name": "Jordan Example", "Liberi ID": "4410293", "Date of birth": "03/02/2011",
        "Legal status": "Child in Care", "Placement / address": "Foster placement, Margate",
        "Social worker": "Sam Worker <sam.worker@kent.test>",
        "Team manager": "Tara Manager <tara.manager@kent.test>",
        "Summary of concern": "Did not return to placement after school.",
        "Date and time missing": "15/11/2026 16:00", "Whereabouts known": "No",
        "Circumstances of going missing": "Left school with two older youths.",
        "Reported to police": "Yes", "Police reference": "KP-26-118842",
        "Out of Hours informed": "Yes", "Actions taken to locate": "Carers searched; school called.",
        "Strategy meeting date": "17/11/2026",
    },
    "C6": {
        "Category": "C6", "District": "Dartford", "Child's name": "Riley Sample",
        "Liberi ID": "2200119", "Date of birth": "05/05/2014", "Legal status": "CP Plan",
        "Social worker": "Mo Worker <mo.worker@kent.test>",
        "Team manager": "Morgan Lead <morgan.lead@kent.test>",
        "Summary of concern": "Not home overnight.", "Date and time missing": "15/11/2026 20:00",
        "Whereabouts known": "No", "Circumstances of going missing": "Argument at home.",
        "Reported to police": "Yes", "Police reference": "KP-1",
        "Actions taken to locate": "Friends called.", "Strategy meeting date": "16/11/2026",
    },
    "C7": {
        "Category": "C7", "District": "Dover", "Child's name": "Alex Sample",
        "Liberi ID": "3302118", "Date of birth": "12/06/2019", "Legal status": "CP Plan",
        "Social worker": "Kit Worker <kit.worker@kent.test>",
        "Team manager": "Dee Lead <dee.lead@kent.test>",
        "Summary of concern": "Family left without notice.",
        "Date and time missing": "09/11/2026 10:00", "Whereabouts known": "No",
        "Circumstances of going missing": "Van loaded at night.", "Reported to police": "Yes",
        "Police reference": "KP-2", "Actions taken to locate": "School, GP, housing.",
        "National alert requested": "Yes",
        "Agencies contacted / reasonable attempts": "Police, school, GP, housing, DWP.",
        "Family known to be in a particular locality": "No", "Exceptional circumstances": "None",
    },
    "C1": {
        "Category": "Child died in unexpected circumstances", "District": "Swale",
        "Child's name": "Robin Example", "Liberi ID": "5001299", "Date of birth": "02/08/2026",
        "Legal status": "CIN Plan", "Social worker": "Chris Case <chris.case@kent.test>",
        "Team manager": "Pat Head <pat.head@kent.test>",
        "Summary of concern": "Infant found unresponsive.",
        "Date and time of incident": "16/11/2026 06:40", "Ofsted notification required": "Yes",
        "Form A sent to the Board": "No",
    },
    "C3": {
        "Category": "C3", "District": "Maidstone", "Child's name": "Sky Example",
        "Liberi ID": "7700001", "Date of birth": "01/01/2012", "Legal status": "CIN Plan",
        "Social worker": "Lee Worker <lee.worker@kent.test>",
        "Team manager": "Kim Lead <kim.lead@kent.test>",
        "Summary of concern": "Local press asking about the case.",
        "Date and time of incident": "15/11/2026 12:00",
    },
}


def form_body(category: str, **changes: str | None) -> str:
    fields = {"Alert type": "New alert", **BASE[category]}
    for label, value in changes.items():
        label = label.replace("_", " ")
        if value is None:
            fields.pop(label, None)
        else:
            fields[label] = value
    return "\r\n".join(f"{k}: {v}" for k, v in fields.items())


class Bot(Simulation):
    """The simulation plus a few words for tests."""

    def send_form(self, category: str, sender: str = "Tara Manager <tara.manager@kent.test>",
                  **changes: str | None) -> str | None:
        before = set(self.service.store.load().alerts)
        self.deliver(self.email(sender, f"Alert {category}", form_body(category, **changes)))
        new = set(self.service.store.load().alerts) - before
        return new.pop() if new else None

    def alert(self, ref: str):  # type: ignore[no-untyped-def]
        return self.service.store.load().alerts.get(ref) or \
            self.service.store.archived_alert(ref)

    def purposes_to(self, email: str, ref: str | None = None) -> list[str]:
        return [o.purpose for o in self.record.to(email, ref=ref)]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    b = Bot(tmp_path / "state", MONDAY)
    yield b
    b.close()
