"""The register of other councils' national alerts (R-OLA), as pure operations.

A notification opens an entry, a follow-up or six-monthly re-issue updates it
(and restarts its 12 months), a "found" notification closes it. Matching must
survive what real senders do (the name in capitals, "SMITH, Jordan", another
date format, a new subject); when it is not sure it asks the unit with a short
task and changes nothing. The only effects are tasks for the unit: nothing
here ever answers the council that wrote.

Retention: every entry, open or closed, is deleted with its originals once
`ola_expiry` (12 months) has passed since its last notification. For an open
entry that is Appendix 3's rule; a closed entry's last notification is its
"found" notice, and the register only serves live alerts, so it goes 12
months after closing, long enough to recognise a repeated "found" notice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from mailbot.core.durations import Duration
from mailbot.core.model import Value
from mailbot.core.ola import FIELD_WORDS, OlaChild, OlaReading, uk

Level = Literal["exact", "likely", "ambiguous", "none"]
# generic words in councils' names, so "Northshire CC" is "Northshire County Council"
_GENERIC = frozenset({
    "the", "of", "and", "council", "county", "borough", "city", "district", "metropolitan",
    "london", "royal", "cc", "bc", "mbc", "dc", "lbc", "childrens", "children", "s", "services",
    "social", "care", "safeguarding", "team", "unit"})
# shared mail services say nothing about which council wrote
_SHARED_DOMAINS = frozenset({"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "nhs.net",
                             "cjsm.net", "gov.uk", "btinternet.com"})


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


class Purge(Value):
    kept: tuple[RegisterEntry, ...]
    purged: tuple[RegisterEntry, ...]

    @property
    def originals(self) -> tuple[str, ...]:
        return tuple(o for e in self.purged for o in e.originals)


def name_key(name: str) -> str:
    text = re.sub(r"['’]", "", name.casefold())
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def authority_key(name: str) -> str:
    words = [w for w in name_key(name).split() if w not in _GENERIC]
    return " ".join(words) or name_key(name)


def _tokens(name: str) -> frozenset[str]:
    """A name's words in any order: "SMITH, Jordan" is "Jordan Smith"."""
    return frozenset(name_key(name).split())


def _surname_initial(name: str) -> tuple[str, str]:
    if "," in name:
        surname, _, rest = name.partition(",")
        return name_key(surname), name_key(rest)[:1]
    words = name.split()
    capitals = [w for w in words if w.isupper() and len(w) > 1]
    if len(capitals) == 1 and len(words) > 1:
        surname = capitals[0]
        first = next(w for w in words if w is not surname)
    else:
        surname, first = words[-1] if words else "", words[0] if len(words) > 1 else ""
    return name_key(surname), name_key(first)[:1]


# -- matching ---------------------------------------------------------------------

def _same_authority(entry: RegisterEntry, reading: OlaReading) -> str:
    """Why the entry is from the reading's authority ("" when it is not)."""
    confident = "authority" not in reading.uncertain
    if confident and authority_key(reading.authority) == entry.authority_key:
        return "same authority"
    domain = reading.sender_domain
    if domain and domain not in _SHARED_DOMAINS and domain in entry.domains:
        return "same sender domain"
    return ""


def _child_level(known: RegisterChild, given: OlaChild) -> tuple[int, str]:
    """3 exact, 2 likely, 1 weak (ask), 0 another child; with the reason."""
    same_name = _tokens(known.name) == _tokens(given.name)
    k_sur, k_init = _surname_initial(known.name)
    g_sur, g_init = _surname_initial(given.name)
    same_surname = bool(k_sur) and k_sur == g_sur
    if known.dob and given.dob:
        dob = "same" if known.dob == given.dob else "differs"
    else:
        dob = "missing"
    if same_name and dob == "same":
        return 3, "same name and date of birth"
    if same_surname and k_init and k_init == g_init and dob == "same":
        return 2, "same surname, initial and date of birth"
    if same_name:
        return 1, f"same name, date of birth {'not given' if dob == 'missing' else 'differs'}"
    if same_surname and dob == "missing":
        return 1, "same surname, date of birth not given"
    return 0, ""


def _entry_level(entry: RegisterEntry, reading: OlaReading) -> tuple[int, list[str]]:
    levels: list[tuple[int, str]] = []
    for child in reading.children:
        best = max((_child_level(k, child) for k in entry.children), default=(0, ""))
        levels.append(best)
    if not levels or min(lv for lv, _ in levels) == 0:
        return 0, []
    level = min(lv for lv, _ in levels)
    reasons = sorted({why for _, why in levels})
    authority = _same_authority(entry, reading)
    if not authority:
        # the same child alerted by another council: possible, but not for us to decide
        return min(level, 1), ["another authority", *reasons]
    return level, [authority, *reasons]


def match(entries: Sequence[RegisterEntry], reading: OlaReading) -> Match:
    """Which open entry a notification is about. Two candidates, or only a weak
    likeness, is `ambiguous`: the unit is asked, nothing is guessed. A "found"
    notice that fits no open entry may repeat one already closed."""
    found = _best([e for e in entries if e.status == "open"], reading)
    if found.level == "none" and reading.kind == "found":
        found = _best([e for e in entries if e.status == "closed"], reading)
    return found


def _best(entries: Sequence[RegisterEntry], reading: OlaReading) -> Match:
    scored = [(lv, e, why) for e in entries for lv, why in [_entry_level(e, reading)] if lv > 0]
    if not scored:
        return Match(level="none")
    best = max(lv for lv, _, _ in scored)
    top = [(e, why) for lv, e, why in scored if lv == best]
    if best >= 2 and len(top) == 1 and not [1 for lv, _, _ in scored if 2 <= lv < best]:
        entry, why = top[0]
        return Match(level="exact" if best == 3 else "likely", entry_ids=(entry.id,),
                     reasons=tuple(why))
    candidates = [(e, why) for lv, e, why in scored if lv >= min(best, 2)]
    return Match(level="ambiguous", entry_ids=tuple(e.id for e, _ in candidates),
                 reasons=tuple(f"{e.id}: {', '.join(why)}" for e, why in candidates))


# -- changes ------------------------------------------------------------------------

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
    named = {_tokens(c.name) for c in reading.children}
    if reading.kind == "found" and any(_tokens(c.name) not in named for c in entry.children):
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
        tasks = (_task(reading, original_id, "check_details", (entry_id,),
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
    domains = tuple(dict.fromkeys([*entry.domains, reading.sender_domain] if reading.sender_domain
                                  else entry.domains))
    how = f"{reading.kind} notification ({', '.join(found.reasons)})"
    if reading.kind == "found":
        if entry.status == "closed":
            changed = entry.model_copy(update={"originals": originals, "history": (
                *entry.history, HistoryItem(at=now, what=f"repeated {how}"))})
            return _change(entries, changed, "unchanged", found, {}, "found again")
        changed = entry.model_copy(update={
            "status": "closed", "closed_at": now, "last_notified": now, "originals": originals,
            "domains": domains,
            "history": (*entry.history, HistoryItem(at=now, what=f"closed: {how}"))})
        return _change(entries, changed, "closed", found, {"closed": 1}, "closed")
    history = [*entry.history, HistoryItem(at=now, what=f"updated: {how}")]
    if entry.status == "closed":
        history.append(HistoryItem(at=now, what="reopened: missing again"))
    if reading.date_missing and entry.date_missing and reading.date_missing != entry.date_missing:
        history.append(HistoryItem(at=now, what=f"date missing now given as "
                                   f"{uk(reading.date_missing)} (was {uk(entry.date_missing)})"))
    authority_known = "authority" not in reading.uncertain
    changed = entry.model_copy(update={
        "status": "open", "closed_at": None, "last_notified": now, "originals": originals,
        "domains": domains, "children": _merge_children(entry.children, reading.children),
        "date_missing": entry.date_missing or reading.date_missing,
        "date_notified": reading.date_notified or entry.date_notified,
        "contact": reading.contact or entry.contact,
        "history": tuple(history)})
    if authority_known and "authority" in entry.unconfirmed:
        changed = changed.model_copy(update={"authority": reading.authority,
                                             "authority_key": authority_key(reading.authority)})
    changed = changed.model_copy(update={"unconfirmed": _still_unconfirmed(changed)})
    return _change(entries, changed, "updated", found, {}, "updated")


def purge_due(entries: Sequence[RegisterEntry], now: datetime, expiry: Duration) -> Purge:
    """Entries whose last notification is `expiry` old go, originals and all
    (Appendix 3, ending a national alert, point 2); see the module docstring."""
    kept = tuple(e for e in entries if expiry.after(e.last_notified) > now)
    return Purge(kept=kept, purged=tuple(e for e in entries if expiry.after(e.last_notified) <= now))


# -- looking things up --------------------------------------------------------------

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


# -- helpers ----------------------------------------------------------------------------

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
        key = _tokens(child.name)
        i = next((i for i, k in enumerate(merged) if _tokens(k.name) == key), None)
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


def _task(reading: OlaReading, original_id: str, kind: str, entry_ids: tuple[str, ...],
          lines: list[str]) -> UnitTask:
    what = {"alert": "national alert", "reissue": "re-issued national alert",
            "found": "found notification", "unknown": "message"}[reading.kind]
    return UnitTask.model_validate({
        "id": f"ola-{kind.replace('_', '-')}-{original_id}", "kind": kind,
        "title": f"Please check a {what} from {reading.authority}",
        "lines": (*lines, "", *reading.summary), "original_id": original_id,
        "entry_ids": entry_ids})


def _ask(entries: tuple[RegisterEntry, ...], reading: OlaReading, original_id: str, kind: str,
         found: Match, lines: list[str]) -> RegisterChange:
    task = _task(reading, original_id, kind, found.entry_ids, lines)
    return RegisterChange(entries=entries, action="asked", match=found, tasks=(task,),
                          note=f"register: {reading.kind} notification needs the unit ({kind})")


def _change(entries: tuple[RegisterEntry, ...], changed: RegisterEntry, action: str, found: Match,
            counts: dict[str, int], what: str) -> RegisterChange:
    return RegisterChange.model_validate({
        "entries": tuple(changed if e.id == changed.id else e for e in entries), "action": action,
        "entry_id": changed.id, "match": found, "counts": counts,
        "note": f"register: {changed.id} {what} ({found.level} match)"})
