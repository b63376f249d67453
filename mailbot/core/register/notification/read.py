"""read_notification: what another council's notification says, and what it does not say clearly."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from mailbot.core.dates import find_date, uk
from mailbot.core.register.notification.children import children
from mailbot.core.register.notification.council import contact, issuing_authority
from mailbot.core.register.notification.kind import kind_of
from mailbot.core.register.notification.labels import labelled_fields
from mailbot.core.register.notification.reading import FIELD_WORDS, OlaReading

_MISSING_PHRASE = re.compile(r"\b(?:went missing|missing since|missing from|last seen)(?:\s+on)?\b",
                             re.I)
_KIND_WORDS = {"alert": "National alert", "reissue": "Re-issued national alert",
               "found": "Found notification", "unknown": "Message"}


def read_notification(subject: str, body_text: str, sender: str, date: datetime | None,
                      attachment_texts: Sequence[str] = ()) -> OlaReading:
    """What another council's notification says, and what it does not say clearly."""
    texts = [body_text, *attachment_texts]
    text = "\n".join(texts)
    fields = labelled_fields([line for t in texts for line in t.splitlines()])
    given = {f: v for f, _, v in reversed(fields) if v}   # the first value of each label
    kind = kind_of(subject, text)
    authority, authority_sure = issuing_authority(given.get("authority"), f"{text}\n{subject}",
                                                  sender)
    named = children(fields, f"{subject}\n{text}")
    date_missing = _date_missing(given, text)
    unsure = {"kind": kind == "unknown", "authority": not authority_sure, "child": not named,
              "dob": any(c.dob is None for c in named),
              "date_missing": date_missing is None and kind != "found"}
    reading = OlaReading(
        kind=kind, authority=authority, children=tuple(named), date_missing=date_missing,
        date_notified=_date_notified(given, date), contact=contact(fields, text, sender),
        sender=sender.lower(), subject=subject,
        uncertain=tuple(field for field, not_sure in unsure.items() if not_sure))
    return reading.model_copy(update={"summary": _summary(reading)})


def _date_missing(given: Mapping[str, str], text: str) -> date | None:
    """The labelled date missing; with no such label, a date just after "missing since"."""
    if "date_missing" in given:
        read = find_date(given["date_missing"])
    else:
        phrase = _MISSING_PHRASE.search(text)
        read = find_date(text[phrase.end():phrase.end() + 40]) if phrase else None
    return read.value if read else None


def _date_notified(given: Mapping[str, str], sent: datetime | None) -> date | None:
    """The notice's own date of issue if it can be read, else the day it was sent."""
    read = find_date(given.get("date_notified", ""))
    if read and read.value:
        return read.value
    return sent.date() if sent else None


def _summary(r: OlaReading) -> tuple[str, ...]:
    """Lines for the unit (they may name the child: they stay inside the council)."""
    lines = [f"{_KIND_WORDS[r.kind]} from {r.authority}"
             + (" (from the mail domain only)" if "authority" in r.uncertain else "")]
    lines += [f"Child: {c.name}, date of birth {uk(c.dob) if c.dob else c.dob_text or 'not given'}"
              for c in r.children] or ["Child: could not be read"]
    lines += [f"Date missing: {uk(r.date_missing)}", f"Date of notification: {uk(r.date_notified)}",
              f"Contact: {r.contact}"]
    if r.uncertain:
        lines.append("Not read with confidence: " + ", ".join(FIELD_WORDS[u] for u in r.uncertain))
    return tuple(lines)
