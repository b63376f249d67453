"""Which register entry a notification is about (R-OLA).

Matching must survive what real senders do (the name in capitals, "SMITH,
Jordan", another date format, a new subject). Each child is scored against the
entry's children: the same name and date of birth is exact, the same surname,
initial and date of birth likely, anything weaker only worth asking about. Two
candidates, or only a weak likeness, is `ambiguous`: the unit is asked and
nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.core.register.entries import Match, RegisterChild, RegisterEntry
from mailbot.core.register.names import authority_key, surname_initial, tokens
from mailbot.core.register.notification.reading import OlaChild, OlaReading

# shared mail services say nothing about which council wrote
_SHARED_DOMAINS = frozenset({"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "nhs.net",
                             "cjsm.net", "gov.uk", "btinternet.com"})


def match(entries: Sequence[RegisterEntry], reading: OlaReading) -> Match:
    """Which open entry a notification is about. A "found" notice that fits no
    open entry may repeat one already closed."""
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


def _entry_level(entry: RegisterEntry, reading: OlaReading) -> tuple[int, list[str]]:
    """The weakest of the children's levels (every child must be there), and why."""
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


def _child_level(known: RegisterChild, given: OlaChild) -> tuple[int, str]:
    """3 exact, 2 likely, 1 weak (ask), 0 another child; with the reason."""
    same_name = tokens(known.name) == tokens(given.name)
    k_sur, k_init = surname_initial(known.name)
    g_sur, g_init = surname_initial(given.name)
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


def _same_authority(entry: RegisterEntry, reading: OlaReading) -> str:
    """Why the entry is from the reading's authority ("" when it is not)."""
    confident = "authority" not in reading.uncertain
    if confident and authority_key(reading.authority) == entry.authority_key:
        return "same authority"
    domain = reading.sender_domain
    if domain and domain not in _SHARED_DOMAINS and domain in entry.domains:
        return "same sender domain"
    return ""
