"""`Label: value` lines, as typed into a message body or a document's paragraphs.

A text value (a summary, the actions taken) runs on over the following lines until
the next known label, a blank line, or the start of quoted mail; other values are one
line (so a signature under "Submitted by" is not read as part of it). A label with
nothing after it takes the next line. The first time a label appears wins.
"""

from __future__ import annotations

import re

from mailbot.core.intake.form.fields import BY_ID, RawField, field_for, label_as_written
from mailbot.core.intake.mail.reply_text import quote_header

_LABEL = re.compile(r"^\s*(?P<label>[^:：\t]{1,80}?)\s*[:：]\s*(?P<value>.*)$")
_CELLS = re.compile(r"^\s*(?P<label>[^\t]{1,80}?)(?:\t+|\s{3,})(?P<value>\S.*)$")
# Header lines of quoted mail end a value even though they are not form labels.
_MAIL_HEADER = re.compile(r"^\s*\**(?:from|sent|to|cc|subject|date)\**\s*:", re.I)
_QUOTE_PREFIX = re.compile(r"^\s*(?:>\s?)+")


def label_line(line: str) -> tuple[str, str, str] | None:
    """(field, label as written, value) when the line starts with a known label."""
    for pattern in (_LABEL, _CELLS):
        m = pattern.match(line)
        if m:
            field = field_for(m["label"])
            if field:
                return field, label_as_written(m["label"]), m["value"].strip()
    return None


def read_lines(lines: list[str]) -> list[RawField]:
    found: list[RawField] = []
    current: list[str] | None = None     # [field, label, value lines...]

    def close() -> None:
        nonlocal current
        if current is not None:
            found.append(RawField(current[0], current[1], "\n".join(current[2:]).strip()))
        current = None

    for raw_line in lines:
        line = _QUOTE_PREFIX.sub("", raw_line).replace("\xa0", " ").rstrip()
        labelled = label_line(line)
        if labelled:
            close()
            current = [labelled[0], labelled[1], labelled[2]]
            continue
        if current is None:
            continue
        waiting = not "".join(current[2:]).strip()
        if not line.strip():
            if not waiting:
                close()
        elif quote_header([line], 0) or _MAIL_HEADER.match(line):
            close()
        elif waiting or BY_ID[current[0]].kind == "text":
            current.append(line.strip())
        else:
            close()
    close()
    return found


def read_text(text: str) -> list[RawField]:
    return read_lines(text.replace("\r\n", "\n").split("\n"))
