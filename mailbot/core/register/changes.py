"""Recording a notification in the register (R-OLA): open, update, close, or ask.

A notification opens an entry, a follow-up or six-monthly re-issue updates it
(and restarts its 12 months), a "found" notification closes it. When the
register is not sure (which entry, what was written) it changes nothing and
asks the unit with a short task: the MIU desk (`mailbot.core.miu`) sends it and
brings the answer back to `open_entry` or `apply_to`. Nothing here ever answers
the council that wrote. Names are kept as first given; the history says what
happened and never names a child.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mailbot.core.dates import uk
from mailbot.core.register.entries import (
    HistoryItem,
    Match,
    RegisterChange,
    RegisterChild,
    RegisterEntry,
    UnitTask,
)
from mailbot.core.register.matching import match
from mailbot.core.register.names import authority_key, name_key, tokens
from mailbot.core.register.notification.reading import FIELD_WORDS, OlaChild, OlaReading

_WHAT = {"alert": "national alert", "reissue": "re-issued national alert",
         "found": "found notification", "unknown": "message"}


def apply(entries: Sequence[RegisterEntry], reading: OlaReading, original_id: str,
          now: datetime) -> RegisterChange:
    """Record one notification: open, update, close, or ask the unit."""
    entries = tuple(entries)
    if reading.kind == "unknown" or not reading.children:
        missing = [FIELD_WORDS[u] for u in reading.uncertain if u in ("kind", "child")]
        return _ask(entries, reading, original_id, "unreadable", Match(level="none"),
                    [f"Could not read {' or '.join(missing)}: please record it by hand "
                     "or tell the bot it is not a national alert."])
    found = match(entries, reading)
    if found.level == "ambiguous":
        return _ask(entries, reading, original_id, "which_entry", found,
                    ["It may be about " + " or ".join(found.entry_ids) + ":",
                     *(f"  {r}" for r in found.reasons),
                     "Please say which entry it belongs to, or that it is a new alert."])
    if found.level == "none":
        if reading.kind == "found":
            return _ask(entries, reading, original_id, "unmatched_found", found,
                        ["It matches no entry in the register: please check."])
        return open_entry(entries, reading, original_id, now)
    entry = _by_id(entries, found.entry_ids[0])
    named = {tokens(c.name) for c in reading.children}
    if reading.kind == "found" and any(tokens(c.name) not in named for c in entry.children):
        return _ask(entries, reading, original_id, "which_entry", found,
                    [f"It names only some of the children in {entry.id}: please say whether "
                     "to close it."])
    return apply_to(entries, entry.id, reading, original_id, now, found)


def open_entry(entries: Sequence[RegisterEntry], reading: OlaReading, original_id: str,
               now: datetime) -> RegisterChange:
    """A new entry with what could be read; the unit is asked about the rest."""
    entries = tuple(entries)
    entry_id = _next_id(entries, now)
    entry = RegisterEntry(
        id=entry_id, authority=reading.authority, authority_key=authority_key(reading.authority),
        domains=(reading.sender_domain,) if reading.sender_domain else (),
        children=tuple(_child(c) for c in reading.children), date_missing=reading.date_missing,
        date_notified=reading.date_notified, contact=reading.contact, first_notified=now,
        last_notified=now, originals=(original_id,),
        history=(HistoryItem(at=now, what=f"opened from a {reading.kind} notification"),),
        unconfirmed=_unconfirmed(reading))
    tasks: tuple[UnitTask, ...] = ()
    if entry.unconfirmed:
        words = ", ".join(FIELD_WORDS[u] for u in entry.unconfirmed)
        tasks = (_question(reading, original_id, "check_details", (entry_id,),
                           [f"{entry_id} was opened with what could be read.",
                            f"Please confirm {words} from the original message."]),)
    return RegisterChange(entries=(*entries, entry), action="opened", entry_id=entry_id,
                          tasks=tasks, counts={"opened": 1},
                          note=f"register: {entry_id} opened")


def apply_to(entries: Sequence[RegisterEntry], entry_id: str, reading: OlaReading,
             original_id: str, now: datetime, found: Match | None = None) -> RegisterChange:
    """Apply a notification to a named entry: a match, or the unit's answer."""
    entries = tuple(entries)
    entry = _by_id(entries, entry_id)
    found = found or Match(level="exact", entry_ids=(entry_id,), reasons=("chosen by the unit",))
    originals = entry.originals if original_id in entry.originals \
        else (*entry.originals, original_id)
    how = f"{reading.kind} notification ({', '.join(found.reasons)})"
    if reading.kind == "found" and entry.status == "closed":
        changed = entry.model_copy(update={"originals": originals, "history": (
            *entry.history, HistoryItem(at=now, what=f"repeated {how}"))})
        return _change(entries, changed, "unchanged", found, {}, "found again")
    domains = tuple(dict.fromkeys([*entry.domains, reading.sender_domain] if reading.sender_domain
                                  else entry.domains))
    seen = entry.model_copy(update={"last_notified": now, "originals": originals,
                                    "domains": domains})
    if reading.kind == "found":
        closed = seen.model_copy(update={"status": "closed", "closed_at": now, "history": (
            *seen.history, HistoryItem(at=now, what=f"closed: {how}"))})
        return _change(entries, closed, "closed", found, {"closed": 1}, "closed")
    return _change(entries, _updated(seen, reading, now, how), "updated", found, {}, "updated")


def _updated(entry: RegisterEntry, reading: OlaReading, now: datetime, how: str) -> RegisterEntry:
    """A follow-up or re-issue: reopened if closed; what was missing filled in; the
    authority taken from it only if the entry's was not sure."""
    history = [*entry.history, HistoryItem(at=now, what=f"updated: {how}")]
    if entry.status == "closed":
        history.append(HistoryItem(at=now, what="reopened: missing again"))
    if reading.date_missing and entry.date_missing and reading.date_missing != entry.date_missing:
        history.append(HistoryItem(at=now, what=f"date missing now given as "
                                   f"{uk(reading.date_missing)} (was {uk(entry.date_missing)})"))
    changed = entry.model_copy(update={
        "status": "open", "closed_at": None,
        "children": _merge_children(entry.children, reading.children),
        "date_missing": entry.date_missing or reading.date_missing,
        "date_notified": reading.date_notified or entry.date_notified,
        "contact": reading.contact or entry.contact,
        "history": tuple(history)})
    if "authority" not in reading.uncertain and "authority" in entry.unconfirmed:
        changed = changed.model_copy(update={"authority": reading.authority,
                                             "authority_key": authority_key(reading.authority)})
    return changed.model_copy(update={"unconfirmed": _still_unconfirmed(changed)})


def _by_id(entries: Sequence[RegisterEntry], entry_id: str) -> RegisterEntry:
    for entry in entries:
        if entry.id == entry_id:
            return entry
    raise KeyError(entry_id)


def _next_id(entries: Sequence[RegisterEntry], now: datetime) -> str:
    # purging takes 12 months, so this year's numbers are not reused
    prefix = f"OLA-{now.year}-"
    used = [int(e.id[len(prefix):]) for e in entries if e.id.startswith(prefix)]
    return f"{prefix}{max(used, default=0) + 1:04d}"


def _child(given: OlaChild) -> RegisterChild:
    return RegisterChild(name=given.name, name_key=name_key(given.name), dob=given.dob,
                         dob_text=given.dob_text)


def _merge_children(known: tuple[RegisterChild, ...],
                    given: tuple[OlaChild, ...]) -> tuple[RegisterChild, ...]:
    """Keep the names as first given; fill a date of birth learnt later; add a
    child the unit has said belongs here."""
    merged = list(known)
    for child in given:
        key = tokens(child.name)
        i = next((i for i, k in enumerate(merged) if tokens(k.name) == key), None)
        if i is None:
            merged.append(_child(child))
        elif merged[i].dob is None and child.dob is not None:
            merged[i] = merged[i].model_copy(update={"dob": child.dob, "dob_text": child.dob_text})
    return tuple(merged)


def _unconfirmed(reading: OlaReading) -> tuple[str, ...]:
    return tuple(u for u in reading.uncertain if u in ("authority", "dob", "date_missing"))


def _still_unconfirmed(entry: RegisterEntry) -> tuple[str, ...]:
    known = {"dob": all(c.dob for c in entry.children), "date_missing": bool(entry.date_missing),
             "authority": False}
    return tuple(u for u in entry.unconfirmed if not known.get(u, False))


def _question(reading: OlaReading, original_id: str, kind: str, entry_ids: tuple[str, ...],
              lines: Sequence[str]) -> UnitTask:
    """A task for the unit: `lines` say what to check, then the reading's summary."""
    return UnitTask.model_validate({
        "id": f"ola-{kind.replace('_', '-')}-{original_id}", "kind": kind,
        "title": f"Please check a {_WHAT[reading.kind]} from {reading.authority}",
        "lines": (*lines, "", *reading.summary), "original_id": original_id,
        "entry_ids": entry_ids})


def _ask(entries: tuple[RegisterEntry, ...], reading: OlaReading, original_id: str, kind: str,
         found: Match, lines: Sequence[str]) -> RegisterChange:
    """The register unchanged, and one question for the unit."""
    task = _question(reading, original_id, kind, found.entry_ids, lines)
    return RegisterChange(entries=entries, action="asked", match=found, tasks=(task,),
                          note=f"register: {reading.kind} notification needs the unit ({kind})")


def _change(entries: tuple[RegisterEntry, ...], changed: RegisterEntry, action: str, found: Match,
            counts: dict[str, int], what: str) -> RegisterChange:
    return RegisterChange.model_validate({
        "entries": tuple(changed if e.id == changed.id else e for e in entries), "action": action,
        "entry_id": changed.id, "match": found, "counts": counts,
        "note": f"register: {changed.id} {what} ({found.level} match)"})
