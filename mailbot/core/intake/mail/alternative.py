"""Which part of a message to read as its text (issue 11 §9).

A `multipart/alternative` carries the same message twice, as plain text and as
HTML, and the plain part is meant to be the fallback. Some senders (case
systems, mail-merge tools, Outlook with a stationery template) put the content
only in the HTML and leave a stub in the plain part: "See below", "Please view
this message in HTML", or just a signature. Reading the plain part then loses
the form or the national alert. The HTML's text is taken instead when the plain
part is a stub: a few words, most of which also appear in the HTML, beside an
HTML part that says much more.
"""

from __future__ import annotations

import re

STUB_WORDS = 25          # a plain part longer than this is a real message, not a stub
RICHER_BY = 3            # the HTML must say at least three times as much


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'-]+", text.lower())


def is_stub(plain: str, html_text: str) -> bool:
    """True when `plain` is a placeholder for what the HTML part says."""
    mine, theirs = _words(plain), _words(html_text)
    if not theirs or len(mine) > STUB_WORDS:
        return False
    return len(theirs) >= RICHER_BY * len(mine) + 10


def richer_text(plain: str, html_text: str) -> str:
    """The text to read: the plain part, unless it is a stub for the HTML part."""
    plain, html_text = plain.strip(), html_text.strip()
    if not plain or is_stub(plain, html_text):
        return html_text
    return plain
