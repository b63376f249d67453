"""How the register compares names: a child's and a council's, as real senders write them.

"SMITH, Jordan" is "Jordan Smith"; "Taylor EXAMPLE" has the surname in capitals;
"Northshire CC" is "Northshire County Council".
"""

from __future__ import annotations

import re

# generic words in councils' names, so "Northshire CC" is "Northshire County Council"
_GENERIC = frozenset({
    "the", "of", "and", "council", "county", "borough", "city", "district", "metropolitan",
    "london", "royal", "cc", "bc", "mbc", "dc", "lbc", "childrens", "children", "s", "services",
    "social", "care", "safeguarding", "team", "unit"})


def name_key(name: str) -> str:
    text = re.sub(r"['’]", "", name.casefold())
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def authority_key(name: str) -> str:
    words = [w for w in name_key(name).split() if w not in _GENERIC]
    return " ".join(words) or name_key(name)


def tokens(name: str) -> frozenset[str]:
    """A name's words in any order: "SMITH, Jordan" is "Jordan Smith"."""
    return frozenset(name_key(name).split())


def surname_initial(name: str) -> tuple[str, str]:
    """The surname (after a comma, or the one word in capitals, or the last) and the
    first name's initial."""
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
