"""What kind of notification it is: a new alert, a re-issue or follow-up, or a "found" notice.

Read from the wording, since no two councils title them alike. "If located
please contact" is a condition, not news: it is taken out before looking for
"found"; "Update:" or "Reminder" make a re-issue only at the head of a subject.
"""

from __future__ import annotations

import re

from mailbot.core.register.notification.reading import Kind

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


def kind_of(subject: str, text: str) -> Kind:
    plain = _CONDITIONAL.sub(" ", f"{subject}\n{text}")
    if _FOUND.search(plain) or _FOUND_SUBJECT.search(subject):
        return "found"
    if _REISSUE.search(plain) or _REISSUE_SUBJECT.search(subject):
        return "reissue"
    return "alert" if _ALERT.search(plain) else "unknown"
