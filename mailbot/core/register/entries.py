"""The register's values (R-OLA): an entry per alert, a match, a change, a question for the unit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from mailbot.core.values.base import Value

Level = Literal["exact", "likely", "ambiguous", "none"]


class RegisterChild(Value):
    name: str                    # as first given
    name_key: str                # casefolded, punctuation and extra spaces gone
    dob: date | None = None
    dob_text: str = ""


class HistoryItem(Value):
    at: datetime
    what: str                    # never a name: entries' history may reach the log


class RegisterEntry(Value):
    id: str                      # OLA-YYYY-NNNN
    authority: str
    authority_key: str
    domains: tuple[str, ...] = ()
    children: tuple[RegisterChild, ...]
    date_missing: date | None = None
    date_notified: date | None = None
    contact: str = ""
    first_notified: datetime
    last_notified: datetime
    status: Literal["open", "closed"] = "open"
    closed_at: datetime | None = None
    originals: tuple[str, ...] = ()
    history: tuple[HistoryItem, ...] = ()
    unconfirmed: tuple[str, ...] = ()   # fields not read with confidence, still unknown


class Match(Value):
    level: Level
    entry_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def entry_id(self) -> str | None:
        return self.entry_ids[0] if self.level in ("exact", "likely") else None


class UnitTask(Value):
    """A short question for the unit: what could not be read, or which entry."""

    id: str                      # stable per original, so a re-run asks once
    kind: Literal["check_details", "which_entry", "unmatched_found", "unreadable"]
    rule: str = "R-OLA"
    role: Literal["unit"] = "unit"
    title: str
    lines: tuple[str, ...]       # for the unit (may name the child: it stays in the council)
    original_id: str
    entry_ids: tuple[str, ...] = ()
    sensitive: bool = True


class RegisterChange(Value):
    entries: tuple[RegisterEntry, ...]
    action: Literal["opened", "updated", "closed", "unchanged", "asked"]
    entry_id: str | None = None
    match: Match = Match(level="none")
    tasks: tuple[UnitTask, ...] = ()
    counts: dict[str, int] = Field(default_factory=dict)   # for the audit log: opened, closed
    note: str = ""               # one line for the log: ids and actions, never names
