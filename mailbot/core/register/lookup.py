"""Looking things up in the register: the unit's search, and an entry as its screen shows it."""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.core.dates import uk
from mailbot.core.register.entries import RegisterEntry
from mailbot.core.register.names import name_key
from mailbot.core.register.notification.reading import FIELD_WORDS


def search(entries: Sequence[RegisterEntry], text: str) -> tuple[RegisterEntry, ...]:
    """Entries whose id, authority, children's names, dates of birth or contact
    contain `text`, ignoring case, punctuation and the order of names."""
    wanted = name_key(text)
    words = wanted.split()
    hits = []
    for e in entries:
        haystack = " | ".join([
            e.id.casefold(), name_key(e.authority), e.contact.casefold(), *e.domains,
            *(f"{c.name_key} {c.dob_text} {uk(c.dob)} {c.dob.isoformat() if c.dob else ''}"
              for c in e.children)])
        if text.casefold().strip() in haystack or (words and all(w in name_key(haystack)
                                                                 for w in words)):
            hits.append(e)
    return tuple(hits)


def describe(entry: RegisterEntry) -> tuple[str, ...]:
    """Lines for `mailbot register list/search` (the unit's own screen)."""
    lines = [f"{entry.id}  {entry.status}  {entry.authority}"
             + (f"  (closed {entry.closed_at:%d/%m/%Y})" if entry.closed_at else "")]
    lines += [f"  child: {c.name}, date of birth {uk(c.dob) if c.dob else c.dob_text or 'not given'}"
              for c in entry.children]
    lines += [f"  date missing: {uk(entry.date_missing)}; first notified "
              f"{entry.first_notified:%d/%m/%Y}; last {entry.last_notified:%d/%m/%Y}",
              f"  contact: {entry.contact}"]
    if entry.unconfirmed:
        lines.append("  to confirm: " + ", ".join(FIELD_WORDS[u] for u in entry.unconfirmed))
    return tuple(lines)
