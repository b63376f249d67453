"""A reply's own words: quoted text removed, and the command it starts with.

Quoted text starts at Outlook's "From: ... Sent: ..." block (or its underscores
line), "-----Original Message-----", "On ... wrote:" (and its German and French
forms); everything after it is quoted, and so is every `>` line. Commands are read
conservatively from the first line of the reply's own words only.
"""

from __future__ import annotations

import re

from mailbot.core.values.mail import Command, ReplyCommand

_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|forwarded message|ursprüngliche nachricht|"
    r"message d'origine|mensaje original)\s*-*|begin forwarded message:?)\s*$", re.I)
_UNDERSCORES = re.compile(r"^\s*_{8,}\s*$")
_FROM = re.compile(r"^\s*\**\s*(?:from|von|de|van)\s*\**\s*:\s*\**\s*\S", re.I)
_SENT = re.compile(r"^\s*\**\s*(?:sent|date|gesendet|datum|envoyé|envoye)\s*\**\s*:", re.I)
_ON = re.compile(r"^\s*(?:on|am|le)\s.{0,200}$", re.I)
_WROTE = re.compile(r"(?:wrote|schrieb|a écrit)\s*:\s*$", re.I)

_GREETING = re.compile(r"^(?:hi|hello|hiya|dear|morning|afternoon|good (?:morning|afternoon|"
                       r"evening))\b[\w\s.,'’-]{0,40}[,!.]?$", re.I)
_COMMANDS = (
    (Command.APPROVE, r"(?:yes[\s,.!-]+)?(?:approved?|agreed?)"),
    (Command.RETURN, r"return(?:ed)?|reject(?:ed)?"),
    (Command.FORWARD, r"forward"),
    (Command.DEALERT, r"de[\s-]?alert(?:ed)?"),
    (Command.DONE, r"done|completed"),
)
# "Return interview done" is a task being reported, not an approval being refused.
_NOT_A_RETURN = re.compile(r"^\s*(?:home\s+)?interviews?\b", re.I)


def quote_header(lines: list[str], i: int) -> int:
    """How many lines the quote header starting at line i spans (0: none starts there)."""
    line = lines[i]
    if _MARKER.match(line):
        return 1
    if _UNDERSCORES.match(line) and any(_FROM.match(x) for x in lines[i + 1: i + 3]):
        return 1
    if _FROM.match(line) and any(_SENT.match(x) for x in lines[i + 1: i + 5]):
        return 1
    if _ON.match(line):
        for j in range(i, min(i + 3, len(lines))):
            if _WROTE.search(lines[j]):
                return j - i + 1
    return 0


def quote_start(lines: list[str], start: int = 0) -> int | None:
    for i in range(start, len(lines)):
        if quote_header(lines, i):
            return i
    return None


def quote_is_from(lines: list[str], i: int, address: str, name: str) -> bool:
    """Whether the quote header at line i names this sender (address or display name)."""
    block = " ".join(lines[i: i + 6]).lower()
    return address.lower() in block or (bool(name) and name.lower() in block)


def _unquoted(lines: list[str]) -> list[str]:
    return [x for x in lines if not x.lstrip().startswith(">")]


def strip_quotes(text: str) -> str:
    """The reply's own words. Bottom-posted replies under an "On ... wrote:" with `>`
    quoting keep the words after the quote."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = quote_start(lines)
    own = _unquoted(lines[:start] if start is not None else lines)
    if start is not None and not any(x.strip() for x in own):
        tail = lines[start + quote_header(lines, start):]
        if any(x.lstrip().startswith(">") for x in tail):
            end = quote_start(tail)
            own = _unquoted(tail[:end] if end is not None else tail)
    return "\n".join(own).strip()


def parse_command(new_text: str) -> ReplyCommand | None:
    """The command a reply's own words start with (after an optional greeting line)."""
    lines = [x.strip() for x in new_text.split("\n")]
    lines = [x for x in lines if x]
    if lines and _GREETING.match(lines[0]) and len(lines) > 1:
        lines = lines[1:]
    if not lines:
        return None
    text = "\n".join(lines)
    for command, words in _COMMANDS:
        m = re.match(rf"^[\W_]*(?:{words})(?![\w-])(?P<rest>.*)$", text, re.I | re.S)
        if not m:
            continue
        rest = m["rest"]
        if command is Command.RETURN and _NOT_A_RETURN.match(rest):
            return None
        if command is Command.FORWARD:
            rest = re.sub(r"^\W*(?:to\b)?", "", rest.split("\n", 1)[0])
        return ReplyCommand(command=command, argument=rest.lstrip(" \t\n:;,.!-–*").rstrip(" \t\n*"))
    return None
