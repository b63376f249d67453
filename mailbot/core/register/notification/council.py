"""Which council sent a notification, and who there to contact.

The authority is its label's value, or the last council named in the text (a
signature); failing both, only the mail domain, which is not sure. The contact
is every labelled contact, or a "please contact ..." sentence, or a signature
with a number, or at least the sender.
"""

from __future__ import annotations

import re

from mailbot.core.register.notification.labels import Labelled, first_line

_COUNCIL = re.compile(
    r"\b((?:(?:London|Royal) Borough|City|Borough|County) of\s+[A-Z][\w'-]+(?: (?:and )?[A-Z][\w'-]+)*"
    r"|[A-Z][\w'-]+(?: (?:and )?[A-Z][\w'-]+){0,3} (?:County|Borough|City|District|Metropolitan"
    r" Borough)? ?Council)\b")
_PHONE_OR_MAIL = re.compile(r"(?:\+?\d[\d ]{8,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


def issuing_authority(labelled: str | None, text: str, sender: str) -> tuple[str, bool]:
    """The authority's name from its label (`labelled`) or the text, and whether it
    is sure: the sender's mail domain stands in, not sure, when neither names it."""
    name = first_line(labelled).strip(" .") if labelled is not None else _signature(text)
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    if not name:
        return sender.rpartition("@")[2].lower(), False
    return name, True


def contact(fields: list[Labelled], text: str, sender: str) -> str:
    contacts = [first_line(value) for field, _, value in fields if field == "contact" and value]
    return "; ".join(dict.fromkeys(contacts)) or _contact_sentence(text) or sender


def _signature(text: str) -> str:
    names = [m.group(1) for m in _COUNCIL.finditer(text)]
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
