"""Typing a form's raw label/value pairs into a `Form`.

Only what a `Form` cannot hold is a problem here (a date that is not a date, a
yes/no that is neither, two ticked boxes); values that fit the type but not the
config (an unknown district, a Liberi ID with letters) are kept as written and
left to `validate_form`, so a hand-built Form is checked the same way.
"""

from __future__ import annotations

import re
from typing import Any

from mailbot.core.config import Config
from mailbot.core.dates import Invalid, parse_date, parse_datetime
from mailbot.core.intake.form import vocab
from mailbot.core.intake.form.accepts import accepts, in_words, sentence
from mailbot.core.intake.form.fields import BY_ID, RawField
from mailbot.core.intake.form.ticks import ticked_options
from mailbot.core.values.form import Contact, Form, Problem

# Placeholders staff write for "nothing to say yet"; "None" is a real legal status.
_EMPTY = frozenset({"", "n/a", "na", "n.a.", "-", "--", "–", "—", "tbc", "tba", "not applicable",
                    "not known yet"})
_EMAIL = re.compile(r"(?:mailto:)?([^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+\.[^\s<>()\[\],;:\"']+)")


def parse_contact(text: str) -> Contact:
    """"Sam Worker <sam@x>", "Sam Worker, sam@x", "sam@x", "Sam Worker (sam@x)"."""
    m = _EMAIL.search(text)
    if not m:
        return Contact(name=" ".join(text.split()))
    email = m.group(1).rstrip(".").lower()
    rest = (text[: m.start()] + " " + text[m.end():]).replace("<>", " ").replace("()", " ")
    name = " ".join(rest.split()).strip(" ,;:-–<>()[]\"'")
    return Contact(name=name, email=email)


def build_form(raws: list[RawField], config: Config) -> tuple[Form, list[Problem]]:
    """The typed form and the problems of values that could not be typed."""
    values: dict[str, Any] = {}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    decided: set[str] = set()
    for raw in raws:
        # The first filled-in value of a field wins (a forward may repeat the form); an
        # empty one only records the label, since a choice table may fill it in later.
        if raw.field in decided:
            continue
        labels.setdefault(raw.field, raw.label)
        if not raw.value.strip():
            continue
        decided.add(raw.field)
        labels[raw.field] = raw.label
        value, message = _typed(raw, config)
        if message:
            problems.append(Problem(field=raw.field, label=raw.label,
                                    message=_what_to_do(raw.field, message, config)))
        elif value is not None:
            values[raw.field] = value
    return Form(labels=labels, **values), problems


def _typed(raw: RawField, config: Config) -> tuple[Any, str]:
    text = " ".join(raw.value.replace("\xa0", " ").split()) if BY_ID[raw.field].kind != "text" \
        else raw.value.strip()
    ticked = ticked_options(text)
    if ticked is not None:
        if len(ticked) > 1:
            return None, f"more than one box is ticked ({in_words(ticked)}). Tick only one"
        text = ticked[0] if ticked else ""
    if text.lower() in _EMPTY:
        return None, ""
    kind = BY_ID[raw.field].kind
    if kind == "text":
        return text, ""
    if kind == "date":
        day = parse_date(text)
        return (None, day.message) if isinstance(day, Invalid) else (day, "")
    if kind == "datetime":
        when = parse_datetime(text, config.organisation.timezone)
        return (None, when.message) if isinstance(when, Invalid) else (when, "")
    if kind == "bool":
        answer = vocab.yes_no(text)
        return (answer, "") if answer is not None else (None, f"'{text}' is not Yes or No")
    if kind == "contact":
        return parse_contact(text), ""
    if kind == "alert_type":
        chosen = vocab.alert_type(text)
        return (chosen, "") if chosen else (None, f"'{text}' is not an alert type")
    return _NORMALISE[kind](text, config), ""


def _what_to_do(field: str, message: str, config: Config) -> str:
    """The problem, then what the field takes, unless the problem already says what to
    write ("write the year in full", "add GMT or BST")."""
    if any(word in message.lower() for word in ("write ", "add ")):
        return sentence(message)
    return f"{sentence(message)} {accepts(field, config)}"


_NORMALISE: dict[str, Any] = {
    "category": vocab.category,
    "district": vocab.district,
    "digits": lambda text, _config: text.replace(" ", ""),
    "reference": lambda text, _config: text.strip(" .[]").upper(),
    "legal_status": lambda text, _config: vocab.legal_status(text),
    "exceptional": lambda text, _config: vocab.exceptional(text),
}
