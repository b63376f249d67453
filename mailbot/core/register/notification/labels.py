"""Labels and their values in another council's notification.

Councils label the same thing many ways ("D.O.B.", "Child's date of birth",
"Date of birth:"), in a line ("Child: Sam BROWN"), a table row ("Child | Sam")
or a table rendered one cell per line. Each known label names a field; a number
in it ("Child 2's name") pairs a child with its own date of birth.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Labelled = tuple[str, str, str]   # (field, number in the label or "", value)

_LABELS: dict[str, tuple[str, ...]] = {
    "authority": ("issuing authority", "local authority", "authority", "council", "issued by",
                  "notifying authority", "originating authority", "issuing local authority",
                  "responsible authority", "home authority"),
    "child": ("child", "childs name", "child name", "name of child", "children", "child ren",
              "young person", "missing child", "full name of child", "name of young person",
              "childrens names", "name s of child ren"),
    "dob": ("dob", "d o b", "date of birth", "born", "childs dob", "childs date of birth",
            "child dob", "child date of birth"),
    "date_missing": ("date missing", "missing since", "date went missing", "date last seen",
                     "last seen", "went missing", "date of going missing", "missing date",
                     "date reported missing", "original date missing", "date originally missing",
                     "originally missing", "date family went missing", "date child went missing"),
    "date_notified": ("date of notification", "notification date", "date of alert", "date issued",
                      "date of issue", "issue date", "date of this notification",
                      "date alert issued", "date of re issue", "re issue date"),
    "contact": ("contact", "contact details", "contact name", "contact officer", "contact person",
                "lead officer", "if located please contact", "if found please contact",
                "please contact", "telephone", "tel", "phone", "email", "e mail",
                "contact telephone", "contact number", "contact email"),
}
_LABEL_OF = {label: field for field, labels in _LABELS.items() for label in labels}
_LINE = re.compile(r"^\s*+\|?\s*+(?P<label>[^:\t|]{1,60}?) *+(?::|\t++|\|)(?P<value>.*)$")


def labelled_fields(lines: Sequence[str]) -> list[Labelled]:
    """(field, number, value) for every known label, in order. A label alone on
    its line (a table cell per line) takes the lines below it, to the next label."""
    out: list[Labelled] = []
    i = 0
    while i < len(lines):
        found = _label_of(lines[i])
        whole, number = _norm_label(lines[i])
        if (found is None or not found[2]) and (whole in _LABEL_OF or found is not None):
            values = _cells_below(lines, i + 1)
            field = found[0] if found else _LABEL_OF[whole]
            out.append((field, found[1] if found else number, "\n".join(values)))
            i += 1 + len(values)
            continue
        if found is not None:
            out.append(found)
        i += 1
    return out


def first_line(text: str) -> str:
    return next(iter(text.splitlines()), "")


def _cells_below(lines: Sequence[str], start: int) -> list[str]:
    """The value of a bare label: the lines under it, to a blank line or the next label."""
    values: list[str] = []
    for line in lines[start:start + 6]:
        if not line.strip() or _label_of(line) is not None or _norm_label(line)[0] in _LABEL_OF:
            break
        values.append(line.strip())
    return values


def _norm_label(text: str) -> tuple[str, str]:
    """("childs name", "2") from "Child 2's Name:" : the label and any number in it."""
    lowered = text.lower().replace("'", "").replace("’", "")
    number = "".join(re.findall(r"\d+", lowered))[:2]
    words = re.sub(r"[^a-z]+", " ", lowered).split()
    return " ".join(words), number


def _label_of(line: str) -> Labelled | None:
    m = _LINE.match(line)
    if not m:
        return None
    label, number = _norm_label(m.group("label"))
    field = _LABEL_OF.get(label)
    return (field, number, m.group("value").strip(" \t|")) if field else None
