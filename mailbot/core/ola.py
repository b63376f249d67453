"""Reading another council's national missing-child notification (R-OLA).

There is no national format: plain text, HTML tables, Word or PDF
attachments, "National Alert", "Missing Child Notification", "CP Alert".
So this reads text only (the reader has already turned HTML and attachments
into text) and records what it can read with confidence. Anything it cannot
(an ambiguous date, no date of birth, an authority known only from the mail
domain) is named in `uncertain` so the unit is asked, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from mailbot.core.model import Value

Kind = Literal["alert", "reissue", "found", "unknown"]


class OlaChild(Value):
    name: str                    # as given ("Taylor EXAMPLE", "SMITH, Jordan")
    dob: date | None = None
    dob_text: str = ""           # the date of birth as written, even when unreadable


class OlaReading(Value):
    kind: Kind
    authority: str
    children: tuple[OlaChild, ...] = ()
    date_missing: date | None = None
    date_notified: date | None = None
    contact: str = ""
    sender: str = ""
    subject: str = ""
    uncertain: tuple[str, ...] = ()   # field names read without confidence
    summary: tuple[str, ...] = ()     # lines for the unit (may name the child)

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2].lower()


# -- dates, UK style ----------------------------------------------------------

_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for m in names}
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = (
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("num", re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")),
    ("dmy", re.compile(rf"\b(\d{{1,2}}){_ORD}(?:\s+of)?[\s-]+([A-Za-z]{{3,9}})\.?,?[\s-]+(\d{{4}})\b")),
    ("mdy", re.compile(rf"\b([A-Za-z]{{3,9}})\.?\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})\b")),
)
class DateRead(Value):
    value: date | None
    text: str
    sure: bool          # False: a date was written but cannot be read without guessing


def find_date(text: str) -> DateRead | None:
    """The first date written in `text`, read UK style (day first).

    A numeric date whose day-first reading is impossible but whose month-first
    reading is valid may be American: it is not guessed. Two-digit years are
    this century (these are children's dates and recent events).
    """
    found: list[tuple[int, DateRead]] = []
    for style, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            read = _read(style, m)
            if read is not None:
                found.append((m.start(), read))
                break
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _read(style: str, m: re.Match[str]) -> DateRead | None:
    a, b, c = m.groups()
    if style == "iso":
        y, mo, d = int(a), int(b), int(c)
    elif style == "num":
        d, mo, y = int(a), int(b), int(c)
        y = 2000 + y if len(c) == 2 else y
        if mo > 12 and d <= 12 and _valid(y, d, mo):
            return DateRead(value=None, text=m.group(0), sure=False)
    elif style == "dmy":
        if b.lower() not in _MONTHS:
            return None
        d, mo, y = int(a), _MONTHS[b.lower()], int(c)
    else:
        if a.lower() not in _MONTHS:
            return None
        d, mo, y = int(b), _MONTHS[a.lower()], int(c)
    if not _valid(y, mo, d):
        return DateRead(value=None, text=m.group(0), sure=False)
    return DateRead(value=date(y, mo, d), text=m.group(0), sure=True)


def _valid(y: int, mo: int, d: int) -> bool:
    try:
        date(y, mo, d)
    except ValueError:
        return False
    return 1900 <= y <= 2200


def uk(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "not given"


# -- labels ---------------------------------------------------------------------

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


def _norm_label(text: str) -> tuple[str, str]:
    """("childs name", "2") from "Child 2's Name:" : the label and any number in it."""
    lowered = text.lower().replace("'", "").replace("’", "")
    number = "".join(re.findall(r"\d+", lowered))[:2]
    words = re.sub(r"[^a-z]+", " ", lowered).split()
    return " ".join(words), number


def _fields(lines: Sequence[str]) -> list[tuple[str, str, str]]:
    """(field, number, value) for every known label, in order. A label alone on
    its line (a table cell per line) takes the lines below it, to the next label."""
    out: list[tuple[str, str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        found = _label_of(line)
        whole, number = _norm_label(line)
        if (found is None or not found[2]) and (whole in _LABEL_OF or found is not None):
            values: list[str] = []
            j = i + 1
            while j < len(lines) and lines[j].strip() and len(values) < 6:
                if _label_of(lines[j]) is not None or _norm_label(lines[j])[0] in _LABEL_OF:
                    break
                values.append(lines[j].strip())
                j += 1
            field = found[0] if found else _LABEL_OF[whole]
            out.append((field, found[1] if found else number, "\n".join(values)))
            i = j
            continue
        if found is not None:
            out.append(found)
        i += 1
    return out


def _label_of(line: str) -> tuple[str, str, str] | None:
    m = _LINE.match(line)
    if not m:
        return None
    label, number = _norm_label(m.group("label"))
    field = _LABEL_OF.get(label)
    return (field, number, m.group("value").strip(" \t|")) if field else None


# -- the child or children -------------------------------------------------------

_NAME = r"[A-Z][A-Za-z'’-]+(?:,?\s+[A-Z][A-Za-z'’-]+){1,3}"
_DOB_WORD = r"(?i:born(?:\s+on)?|dob|d\.o\.b\.?|date\s+of\s+birth)"
# any of the shapes find_date reads (iso, numeric, day-month-year, month-day-year)
_DATE_TEXT = (r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
              rf"|\d{{1,2}}{_ORD}(?:\s+of)?[\s-]+[A-Za-z]{{3,9}}\.?,?[\s-]+\d{{4}}"
              rf"|[A-Za-z]{{3,9}}\.?\s+\d{{1,2}}{_ORD},?\s+\d{{4}})")
# a name then its date of birth, in free text: "Taylor EXAMPLE (born 04/04/2018)"
_PAIR = re.compile(rf"(?P<name>{_NAME})\s*+[,(\-–]?\s*+{_DOB_WORD}\s*+:?\s*+(?P<dob>{_DATE_TEXT})\b")
# in a value labelled as the child the word may be left out: "Sam BROWN (11/09/2019)"
_LOOSE = re.compile(
    rf"(?P<name>{_NAME})\s*+[,(\-–]*+\s*+(?:{_DOB_WORD}\s*+:?\s*+)?(?P<dob>{_DATE_TEXT})\b")
# people named on a line under these labels are not the missing child
_ADULTS = re.compile(r"^\s*(mother|father|parent|carer|adult|partner|step\w*|guardian|"
                     r"grand\w*|aunt|uncle|contact|signed|from|sender)\b", re.I)
_NOT_NAME = {"re", "fw", "fwd", "please", "note", "child", "children", "found", "missing", "national",
             "alert", "the", "update", "updated", "name", "dear", "cp", "notification", "located",
             "and", "reissue", "re-issue", "subject", "young", "person"}


def _clean_name(raw: str) -> str:
    words = raw.replace("\n", " ").strip(" ,-–(").split()
    while words and words[0].strip(",").lower() in _NOT_NAME:
        words.pop(0)
    return " ".join(words).strip(" ,")


def _name_part(value: str) -> str:
    """"Jesse HIGHTOWER, aged 14 (approx)" -> "Jesse HIGHTOWER"; keeps "SMITH, Jordan"."""
    head = re.split(r"[(;]|\s[-–]\s|\b(?:aged?|approx)\b", _first_line(value))[0]
    name, comma, rest = head.partition(",")
    if comma and re.fullmatch(r"\s*[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?\s*", rest):
        return head
    return name


def _first_line(text: str) -> str:
    return next(iter(text.splitlines()), "")


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


def _children(fields: list[tuple[str, str, str]], all_text: str) -> list[OlaChild]:
    named: list[tuple[str, OlaChild]] = []
    for field, number, value in fields:
        if field != "child" or not value:
            continue
        pairs = _pairs(value, _LOOSE)
        if pairs:
            named += [(number, c) for c in pairs]
        else:
            head, *dob = re.split(rf"[,(]?\s*{_DOB_WORD}", value, maxsplit=1)
            name = _clean_name(_name_part(head))
            if name:
                as_given = _first_line(dob[0].strip(" :)"))[:40] if dob else ""
                named.append((number, OlaChild(name=name, dob_text=as_given)))
    if not named:
        return _dedupe(_pairs(all_text, _PAIR))
    dobs = [(number, value) for field, number, value in fields if field == "dob" and value]
    unpaired = [i for i, (_, c) in enumerate(named) if not c.dob_text]
    for i in unpaired:
        number = named[i][0]
        match = [v for n, v in dobs if n and n == number]
        if not match and len(unpaired) == len([v for n, v in dobs if not n]):
            match = [[v for n, v in dobs if not n][unpaired.index(i)]]
        if match:
            read = find_date(match[0])
            named[i] = (number, named[i][1].model_copy(update={
                "dob": read.value if read else None,
                "dob_text": read.text if read else _first_line(match[0])[:40]}))
    return _dedupe([c for _, c in named])


def _dedupe(children: list[OlaChild]) -> list[OlaChild]:
    """The subject and the body often name the same child twice."""
    seen: dict[frozenset[str], OlaChild] = {}
    for child in children:
        key = frozenset(re.sub(r"[^\w ]+", " ", child.name.casefold()).split())
        if key not in seen or (seen[key].dob is None and child.dob is not None):
            seen[key] = child
    return list(seen.values())


# -- who sent it, what kind it is, who to contact ---------------------------------

_COUNCIL = re.compile(
    r"\b((?:(?:London|Royal) Borough|City|Borough|County) of\s+[A-Z][\w'-]+(?: (?:and )?[A-Z][\w'-]+)*"
    r"|[A-Z][\w'-]+(?: (?:and )?[A-Z][\w'-]+){0,3} (?:County|Borough|City|District|Metropolitan"
    r" Borough)? ?Council)\b")
_FOUND = re.compile(r"\b(?:ha(?:s|ve) (?:now )?been (?:found|located|traced)|(?:was|were) (?:found|"
                    r"located)|now located|found notification|no longer missing|"
                    r"remove the alert|de-?alert|cancel(?:lation)? of (?:the )?alert|alert "
                    r"(?:is )?(?:cancelled|withdrawn))\b", re.I)
_FOUND_SUBJECT = re.compile(r"^\W*(?:(?:re|fw|fwd):\s*)*(?:found|located)\b|\bfound\b\W*$", re.I)
_CONDITIONAL = re.compile(r"\b(?:if|when|once|should|until)\s+(?:the\s+)?(?:child(?:ren)?\s+|"
                          r"family\s+|they\s+|s?he\s+)?(?:(?:is|are)\s+)?(?:found|located|traced)",
                          re.I)
_REISSUE = re.compile(r"\b(?:re-?issue[ds]?|re-?notification|(?:six|6)[- ]month(?:ly)?|"
                      r"still missing|remains? missing|renewal|renewed)\b", re.I)
# words that make a re-issue only when they head the subject ("Update: ...")
_REISSUE_SUBJECT = re.compile(r"\b(?:update[ds]?|follow[- ]?up|reminder)\b", re.I)
_ALERT = re.compile(r"\b(?:national (?:child protection )?alert|missing child|cp alert|"
                    r"child protection alert|missing from home|missing notification)\b", re.I)
_PHONE_OR_MAIL = re.compile(r"(?:\+?\d[\d ]{8,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
# shared mail services say nothing about which council wrote
_SHARED_DOMAINS = frozenset({"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "nhs.net",
                             "cjsm.net", "gov.uk", "btinternet.com"})


def _kind(subject: str, text: str) -> Kind:
    plain = _CONDITIONAL.sub(" ", f"{subject}\n{text}")
    if _FOUND.search(plain) or _FOUND_SUBJECT.search(subject):
        return "found"
    if _REISSUE.search(plain) or _REISSUE_SUBJECT.search(subject):
        return "reissue"
    return "alert" if _ALERT.search(plain) else "unknown"


def _signature_authority(body: str) -> str:
    names = [m.group(1) for m in _COUNCIL.finditer(body)]
    return names[-1].strip() if names else ""


def _contact_sentence(text: str) -> str:
    """"please contact X on 0123..." or, failing that, a signature with a number."""
    lines = text.splitlines()
    for line in lines:
        if "contact" in line.lower() and _PHONE_OR_MAIL.search(line):
            after = re.split(r"\bcontact\b", line, maxsplit=1, flags=re.I)[-1]
            return after.strip(" :,.-")
    for i in range(len(lines) - 1, -1, -1):
        if _PHONE_OR_MAIL.search(lines[i]):
            block = [lines[i].strip()]
            for above in reversed(lines[max(0, i - 2):i]):
                if not above.strip():
                    break
                block.insert(0, above.strip())
            return ", ".join(block)
    return ""


_MISSING_PHRASE = re.compile(r"\b(?:went missing|missing since|missing from|last seen)(?:\s+on)?\b",
                             re.I)
_KIND_WORDS = {"alert": "National alert", "reissue": "Re-issued national alert",
               "found": "Found notification", "unknown": "Message"}


def read_notification(subject: str, body_text: str, sender: str, date: datetime | None,
                      attachment_texts: Sequence[str] = ()) -> OlaReading:
    """What another council's notification says, and what it does not say clearly."""
    texts = [body_text, *attachment_texts]
    text = "\n".join(texts)
    fields = _fields([line for t in texts for line in t.splitlines()])
    given = {f: v for f, _, v in reversed(fields) if v}   # the first value of each label
    uncertain: list[str] = []

    kind = _kind(subject, text)
    if kind == "unknown":
        uncertain.append("kind")

    authority = _first_line(given.get("authority", "")).strip(" .") if "authority" in given \
        else _signature_authority(f"{text}\n{subject}")
    authority = re.sub(r"^the\s+", "", authority, flags=re.I)
    if not authority:
        authority = sender.rpartition("@")[2].lower()
        uncertain.append("authority")

    children = _children(fields, f"{subject}\n{text}")
    if not children:
        uncertain.append("child")
    elif any(c.dob is None for c in children):
        uncertain.append("dob")

    missing = find_date(given["date_missing"]) if "date_missing" in given else None
    if missing is None and "date_missing" not in given:
        phrase = _MISSING_PHRASE.search(text)
        missing = find_date(text[phrase.end():phrase.end() + 40]) if phrase else None
    date_missing = missing.value if missing else None
    if date_missing is None and kind in ("alert", "reissue", "unknown"):
        uncertain.append("date_missing")

    notified = find_date(given.get("date_notified", ""))
    date_notified = notified.value if notified and notified.value else (date.date() if date else None)

    contacts = [_first_line(v) for f, _, v in fields if f == "contact" and v]
    contact = "; ".join(dict.fromkeys(contacts)) or _contact_sentence(text) or sender

    summary = [f"{_KIND_WORDS[kind]} from {authority}" + (" (from the mail domain only)"
                                                            if "authority" in uncertain else "")]
    summary += [f"Child: {c.name}, date of birth {uk(c.dob) if c.dob else c.dob_text or 'not given'}"
                for c in children] or ["Child: could not be read"]
    summary += [f"Date missing: {uk(date_missing)}", f"Date of notification: {uk(date_notified)}",
                f"Contact: {contact}"]
    if uncertain:
        summary.append("Not read with confidence: " + ", ".join(FIELD_WORDS[u] for u in uncertain))
    return OlaReading(kind=kind, authority=authority, children=tuple(children),
                      date_missing=date_missing, date_notified=date_notified, contact=contact,
                      sender=sender.lower(), subject=subject, uncertain=tuple(uncertain),
                      summary=tuple(summary))


FIELD_WORDS = {"kind": "what kind of notification it is", "authority": "the issuing authority",
               "child": "the child's name", "dob": "the date of birth",
               "date_missing": "the date missing"}
