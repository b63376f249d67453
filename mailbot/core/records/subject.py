"""Who a subject access search is about, and whether a record mentions them.

A search is by Liberi ID, or by name and date of birth. An alert matches on its
form (the Liberi ID, spaces and case aside; or the name, as the register keys
names, and the date of birth). Free text (an event, a mail, another council's
alert) matches on the Liberi ID, or on the name with the date of birth written
beside it in any of the usual ways: a name alone is too often someone else's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import date

from mailbot.core.register.entries import RegisterEntry
from mailbot.core.register.names import name_key
from mailbot.core.values.alert import Alert

_SPACE = re.compile(r"\s+")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def liberi_key(value: str | None) -> str:
    return _SPACE.sub("", value or "").casefold()


@dataclass(frozen=True)
class Query:
    liberi: str | None = None
    name: str | None = None
    dob: date | None = None

    def __post_init__(self) -> None:
        if not (self.liberi and liberi_key(self.liberi)) and not (self.name and self.dob):
            raise ValueError("a search needs a Liberi ID, or a name and a date of birth")

    @property
    def by(self) -> str:
        """What was asked, in words that carry no part of the answer (for the log)."""
        return "find by Liberi ID" if self.liberi else "find by name and date of birth"

    def key(self) -> str:
        """What was asked, reduced to the one canonical string the searches compare."""
        if self.liberi:
            return "liberi:" + liberi_key(self.liberi)
        assert self.name and self.dob
        return f"name:{name_key(self.name)}|dob:{self.dob.isoformat()}"

    def fingerprint(self, secret: bytes) -> str:
        """A keyed hash of the question: two searches for one child match in the log,
        and the log alone never says who was searched for."""
        return hmac.new(secret, self.key().encode(), hashlib.sha256).hexdigest()[:16]

    def needles(self) -> tuple[bytes, ...]:
        """Lower-case byte strings, one of which any mentioning record holds as stored
        (plain, and as JSON writes a string): a cheap first pass over the files."""
        if self.liberi:
            word = liberi_key(self.liberi)
        else:   # the longest run of letters, which punctuation in the name cannot split
            word = max(re.findall(r"\w+", (self.name or "").casefold()), key=len, default="")
        return tuple(dict.fromkeys(form.encode("utf-8") for form in (word, json.dumps(word)[1:-1])))

    def dob_forms(self) -> tuple[str, ...]:
        d = self.dob
        if d is None:
            return ()
        month = _MONTHS[d.month - 1]
        return (f"{d:%d/%m/%Y}", f"{d.day}/{d.month}/{d.year}", d.isoformat(),
                f"{d.day} {month} {d.year}".casefold(), f"{d.day} {month[:3]} {d.year}".casefold(),
                f"{d:%d.%m.%Y}", f"{d:%d-%m-%Y}")


def alert_matches(alert: Alert, query: Query) -> bool:
    form = alert.form
    if query.liberi:
        return form.case_id is not None and liberi_key(form.case_id) == liberi_key(query.liberi)
    return form.child_name is not None and form.dob == query.dob and \
        name_key(form.child_name) == name_key(query.name or "")


def entry_matches(entry: RegisterEntry, query: Query) -> bool:
    """Another council's alert names children, never a Liberi ID: by name and birth."""
    if query.liberi:
        return False
    key = name_key(query.name or "")
    return any(c.name_key == key and (c.dob == query.dob or (c.dob is None and
                                      any(f in c.dob_text for f in query.dob_forms())))
               for c in entry.children)


def text_mentions(text: str, query: Query) -> bool:
    low = text.casefold()
    if query.liberi:
        key = re.escape(liberi_key(query.liberi))
        return re.search(rf"(?<![0-9a-z]){key}(?![0-9a-z])", low) is not None
    if name_key(query.name or "") not in name_key(low):
        return False
    return any(form in low for form in query.dob_forms())
