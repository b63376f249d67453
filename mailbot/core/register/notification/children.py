"""The child or children a notification is about, each with a date of birth as written.

A child is named under a label ("Child's name: Sam BROWN (11/09/2019)"), or,
failing any label, in the text beside the words for a date of birth ("Taylor
EXAMPLE (born 04/04/2018)"). Parents and contacts named the same way are not
the child. A date of birth that cannot be read without a guess keeps its text
and no date, so the unit is asked.
"""

from __future__ import annotations

import re

from mailbot.core.dates import DATE_TEXT, find_date
from mailbot.core.register.notification.labels import Labelled, first_line
from mailbot.core.register.notification.reading import OlaChild

_NAME = r"[A-Z][A-Za-z'’-]+(?:,?\s+[A-Z][A-Za-z'’-]+){1,3}"
_DOB_WORD = r"(?i:born(?:\s+on)?|dob|d\.o\.b\.?|date\s+of\s+birth)"
# a name then its date of birth, in free text: "Taylor EXAMPLE (born 04/04/2018)"
_PAIR = re.compile(rf"(?P<name>{_NAME})\s*+[,(\-–]?\s*+{_DOB_WORD}\s*+:?\s*+(?P<dob>{DATE_TEXT})\b")
# in a value labelled as the child the word may be left out: "Sam BROWN (11/09/2019)"
_LOOSE = re.compile(
    rf"(?P<name>{_NAME})\s*+[,(\-–]*+\s*+(?:{_DOB_WORD}\s*+:?\s*+)?(?P<dob>{DATE_TEXT})\b")
# people named on a line under these labels are not the missing child
_ADULTS = re.compile(r"^\s*(mother|father|parent|carer|adult|partner|step\w*|guardian|"
                     r"grand\w*|aunt|uncle|contact|signed|from|sender)\b", re.I)
_NOT_NAME = {"re", "fw", "fwd", "please", "note", "child", "children", "found", "missing", "national",
             "alert", "the", "update", "updated", "name", "dear", "cp", "notification", "located",
             "and", "reissue", "re-issue", "subject", "young", "person"}


def children(fields: list[Labelled], all_text: str) -> list[OlaChild]:
    """Those named under a child label, with their dates of birth; failing any,
    those named with a date of birth anywhere in `all_text`."""
    named = _labelled(fields)
    if not named:
        return _dedupe(_pairs(all_text, _PAIR))
    return _dedupe([child for _, child in _with_dates_of_birth(named, fields)])


def _labelled(fields: list[Labelled]) -> list[tuple[str, OlaChild]]:
    """(number, child) for each child label's value: "Sam BROWN (11/09/2019)",
    "Jesse HIGHTOWER, aged 14", or a name with its date of birth written oddly."""
    named: list[tuple[str, OlaChild]] = []
    for field, number, value in fields:
        if field != "child" or not value:
            continue
        pairs = _pairs(value, _LOOSE)
        if pairs:
            named += [(number, c) for c in pairs]
            continue
        head, *dob = re.split(rf"[,(]?\s*{_DOB_WORD}", value, maxsplit=1)
        name = _clean_name(_name_part(head))
        if name:
            as_given = first_line(dob[0].strip(" :)"))[:40] if dob else ""
            named.append((number, OlaChild(name=name, dob_text=as_given)))
    return named


def _with_dates_of_birth(named: list[tuple[str, OlaChild]],
                         fields: list[Labelled]) -> list[tuple[str, OlaChild]]:
    """A child named without a date of birth takes the one labelled with its number
    ("Child 2 DOB"), or, when the unnumbered ones go round exactly, the next in order."""
    dobs = [(number, value) for field, number, value in fields if field == "dob" and value]
    unnumbered = [value for number, value in dobs if not number]
    unpaired = [i for i, (_, c) in enumerate(named) if not c.dob_text]
    out = list(named)
    for i in unpaired:
        number, child = named[i]
        given = [value for n, value in dobs if n and n == number]
        if not given and len(unpaired) == len(unnumbered):
            given = [unnumbered[unpaired.index(i)]]
        if given:
            read = find_date(given[0])
            out[i] = (number, child.model_copy(update={
                "dob": read.value if read else None,
                "dob_text": read.text if read else first_line(given[0])[:40]}))
    return out


def _pairs(text: str, pattern: re.Pattern[str]) -> list[OlaChild]:
    out = []
    for line in text.splitlines():
        if _ADULTS.match(line):
            continue
        for m in pattern.finditer(line):
            name = _clean_name(m.group("name"))
            read = find_date(m.group("dob"))
            if len(name.split()) < 2 or read is None:
                continue
            out.append(OlaChild(name=name, dob=read.value, dob_text=read.text))
    return out


def _clean_name(raw: str) -> str:
    words = raw.replace("\n", " ").strip(" ,-–(").split()
    while words and words[0].strip(",").lower() in _NOT_NAME:
        words.pop(0)
    return " ".join(words).strip(" ,")


def _name_part(value: str) -> str:
    """"Jesse HIGHTOWER, aged 14 (approx)" -> "Jesse HIGHTOWER"; keeps "SMITH, Jordan"."""
    head = re.split(r"[(;]|\s[-–]\s|\b(?:aged?|approx)\b", first_line(value))[0]
    name, comma, rest = head.partition(",")
    if comma and re.fullmatch(r"\s*[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?\s*", rest):
        return head
    return name


def _dedupe(children: list[OlaChild]) -> list[OlaChild]:
    """The subject and the body often name the same child twice."""
    seen: dict[frozenset[str], OlaChild] = {}
    for child in children:
        key = frozenset(re.sub(r"[^\w ]+", " ", child.name.casefold()).split())
        if key not in seen or (seen[key].dob is None and child.dob is not None):
            seen[key] = child
    return list(seen.values())
