"""The sample forms, as the text a Team Manager pastes into an email: the same cases as
the workflow tests' (`tests/workflow/conftest.py`), kept here as plain values so that
the core's tests import nothing but the core (not the simulation, the service or the
store)."""

from __future__ import annotations

SAMPLES = {
    "C8": {    # Thanet (East): Sue Manager, Ed East, Pam East
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
    "C7": {    # Dover (South): Sol South, Ada South, Pat South
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
    "C3": {    # Maidstone (West): Wyn West, Abe West, Poe West
        "Category": "C3", "District": "Maidstone", "Child's name": "Sky Example",
        "Liberi ID": "7700001", "Date of birth": "01/01/2012", "Legal status": "CIN Plan",
        "Social worker": "Lee Worker <lee.worker@kent.test>",
        "Team manager": "Kim Lead <kim.lead@kent.test>",
        "Summary of concern": "Local press asking about the case.",
        "Date and time of incident": "15/11/2026 12:00",
    },
}


def form_body(category: str, changes: dict[str, str | None] | None = None) -> str:
    """A new alert form of `category`, with `changes` by label (None leaves one out)."""
    fields: dict[str, str] = {"Alert type": "New alert", **SAMPLES[category]}
    for label, value in (changes or {}).items():
        if value is None:
            fields.pop(label, None)
        else:
            fields[label] = value
    return "\r\n".join(f"{k}: {v}" for k, v in fields.items())
