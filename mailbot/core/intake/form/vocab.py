"""The closed lists a form's values come from: categories, districts, legal statuses,
exceptional circumstances, alert types and yes/no. Each returns the canonical value,
or the sender's text unchanged when it is not one of them (validation says so)."""

from __future__ import annotations

import re
from typing import Literal

from mailbot.core.config import Config

LEGAL_STATUSES = ("CP Plan", "CIN Plan", "Child in Care", "UASC", "Care Leaver", "None")
AlertType = Literal["new", "update", "dealert"]
EXCEPTIONAL = ("s47", "care order abduction", "removed without notice", "none")

_YES = frozenset({"yes", "y", "true", "ticked", "yes ticked"})
_NO = frozenset({"no", "n", "false", "not ticked"})


def words(text: str) -> str:
    """Lower-case words and digits only, for phrase matching."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")
                           .replace("'", "").replace("’", "")).split())


def _contains(haystack: str, phrase: str) -> re.Match[str] | None:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", haystack)


def yes_no(text: str) -> bool | None:
    """yes/no/y/n/true/false, also as the first word ("Yes - ref KP-1")."""
    w = words(text)
    if w in _YES or w in _NO:
        return w in _YES
    first = w.split(" ", 1)[0] if w else ""
    if first in ("yes", "no"):
        return first == "yes"
    return None


def category(text: str, config: Config) -> str:
    """C1..C9 by id ("C8", "c8", "8", "Category 8"), by name, or by the category's
    words; when the words fit two categories the text is returned unchanged
    (validation then asks for the number) rather than a guess."""
    w = words(text)
    by_id = re.match(r"^(?:category\s+)?c?\s?(\d{1,2})(?:\s|$)", w)
    if by_id and f"C{int(by_id[1])}" in config.categories:
        return f"C{int(by_id[1])}"
    spans: dict[str, list[tuple[int, int]]] = {}
    for key, cat in config.categories.items():
        for phrase in (cat.name, *cat.words):
            m = _contains(w, words(phrase))
            if m and words(phrase):
                spans.setdefault(key, []).append(m.span())
    # a phrase lying inside another category's longer match is not evidence ("national
    # alert" inside "national alert required" is one category's words, not two)
    def inside(span: tuple[int, int], other: str) -> bool:
        return any(s <= span[0] and span[1] <= e and (s, e) != span for s, e in spans[other])

    winners = [key for key, found in spans.items()
               if not all(any(inside(sp, o) for o in spans if o != key) for sp in found)]
    return winners[0] if len(winners) == 1 else text.strip()


def district(text: str, config: Config) -> str:
    exact = config.district_name(text)
    if exact:
        return exact
    w = words(text)
    named = [d for d in config.all_districts() if _contains(w, words(d))]
    return named[0] if len(named) == 1 else text.strip()


_LEGAL_ALIASES = {
    "UASC": ("uasc", "unaccompanied asylum seeking child", "unaccompanied asylum seeking"),
    "Care Leaver": ("care leaver",),
    "Child in Care": ("child in care", "cic", "looked after child", "looked after", "lac",
                      "care order", "interim care order", "section 20", "s20"),
    "CP Plan": ("cp plan", "cp", "cpp", "child protection plan", "child protection",
                "subject to a child protection plan"),
    "CIN Plan": ("cin plan", "cin", "child in need plan", "child in need"),
    "None": ("none", "no plan", "no legal status"),
}


def legal_status(text: str) -> str:
    """The listed status; "Unborn" is kept as a suffix ("CP Plan (unborn)") because
    it makes the Liberi ID optional."""
    w = words(text)
    unborn = _contains(w, "unborn") is not None
    rest = " ".join(x for x in w.split() if x not in ("unborn", "baby", "pre", "birth"))
    found = [status for status, aliases in _LEGAL_ALIASES.items()
             if any(_contains(rest, a) for a in aliases)]
    if "UASC" in found and "Child in Care" in found:
        found.remove("Child in Care")     # a UASC is in care; UASC is the more exact
    exact = [s for s, aliases in _LEGAL_ALIASES.items() if rest in aliases]
    chosen = exact or found
    if len(chosen) == 1:
        return f"{chosen[0]} (unborn)" if unborn else chosen[0]
    if unborn and not rest:
        return "Unborn"
    return text.strip()


def is_unborn_status(value: str | None) -> bool:
    return bool(value) and "unborn" in (value or "").lower()


def exceptional(text: str) -> str:
    w = words(text)
    if re.search(r"\b(?:s|section)\s?47\b", w):
        return "s47"
    if "abduct" in w:
        return "care order abduction"
    if "without notice" in w:
        return "removed without notice"
    if w in ("none", "no", "nil", "none of these", "not applicable"):
        return "none"
    return text.strip()


def alert_type(text: str) -> AlertType | None:
    w = words(text)
    if re.fullmatch(r"(?:a )?new(?: alert)?", w):
        return "new"
    if re.fullmatch(r"(?:an )?update[ds]?(?: alert)?|alert update", w):
        return "update"
    if re.fullmatch(r"de ?alert(?:ed)?|de ?alert(?:ed)? alert|close(?:d)?(?: alert)?", w):
        return "dealert"
    return None
