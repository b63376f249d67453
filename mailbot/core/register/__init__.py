"""R-OLA: the register of other councils' national missing-child alerts.

Another council's notification (`notification/`) opens an entry, a follow-up
or six-monthly re-issue updates it, a "found" notification closes it, and an
entry with nothing new for 12 months is purged. When it is not sure the
register asks the unit (the MIU desk, `mailbot.core.miu`) and changes nothing.
Pure: entries and a reading in, a `RegisterChange` out; the files are the
shell's (`mailbot.adapters.store.register`).

    notification/  reading another council's notification: OlaReading
    entries.py     the values: RegisterEntry, Match, UnitTask, RegisterChange
    names.py       how children's and councils' names are compared
    matching.py    match: which entry a notification is about, or ambiguous
    changes.py     apply, open_entry, apply_to: open, update, close, or ask
    purge.py       purge_due: the 12-month purge
    lookup.py      search and describe, for the unit
"""

from mailbot.core.register.changes import apply, apply_to, open_entry
from mailbot.core.register.entries import (
    HistoryItem,
    Match,
    RegisterChange,
    RegisterChild,
    RegisterEntry,
    UnitTask,
)
from mailbot.core.register.lookup import describe, search
from mailbot.core.register.matching import match
from mailbot.core.register.names import authority_key, name_key
from mailbot.core.register.notification.read import read_notification
from mailbot.core.register.notification.reading import FIELD_WORDS, OlaChild, OlaReading
from mailbot.core.register.purge import Purge, purge_due

__all__ = [
    "FIELD_WORDS",
    "HistoryItem",
    "Match",
    "OlaChild",
    "OlaReading",
    "Purge",
    "RegisterChange",
    "RegisterChild",
    "RegisterEntry",
    "UnitTask",
    "apply",
    "apply_to",
    "authority_key",
    "describe",
    "match",
    "name_key",
    "open_entry",
    "purge_due",
    "read_notification",
    "search",
]
