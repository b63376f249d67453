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
    """The command a reply's own words start with (after an optional greeting line).
    A first line that starts with a command but does not plainly mean it (a question,
    a negation, two answers, a condition) gives the command with `unclear` set."""
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
        return ReplyCommand(command=command, argument=rest.lstrip(" \t\n:;,.!-–*").rstrip(" \t\n*"),
                            unclear=unclear_reason(lines[0], command), first_line=lines[0][:200])
    named = _ANY_COMMAND.search(lines[0])
    if named is not None and not _FIELD_LINE.match(lines[0]):
        # a command word, but not at the start: "Not yet approved", "I can't approve this"
        command = Command[named.lastgroup or "APPROVE"]
        return ReplyCommand(command=command, argument="", first_line=lines[0][:200],
                            unclear=unclear_reason(lines[0], command) or
                            f"it does not start with {_word(command)}")
    return None


# -- what the first line means (issue 10) ---------------------------------------

# "Alert type: De-alert" is a form's field, not an answer that hedges
_FIELD_LINE = re.compile(r"^[\W_]*[A-Za-z][A-Za-z'’/()-]*(?: [A-Za-z'’/()-]+){1,6}:\s*\S")
_ANY_COMMAND = re.compile("(?<![\\w-])(?:" + "|".join(f"(?P<{c.name}>{w})" for c, w in _COMMANDS)
                          + ")(?![\\w-])", re.I)
_QUESTION_WORD = re.compile(r"^\W*(?:can|could|should|shall|would|will|do|does|did|is|are|"
                            r"was|why|what|how|when|who|which|may)\b", re.I)
_STRONG_NEGATION = re.compile(r"\b(?:not\s+yet|don'?t|do\s+not|hold\s+off|no\s+wait|cannot|"
                              r"can'?t|won'?t|wouldn'?t|shouldn'?t|never)\b", re.I)
_CONDITION = re.compile(r"\b(?:if|once|unless|until|subject\s+to|provided|pending|assuming)\b",
                        re.I)


def _word(command: Command) -> str:
    return "DE-ALERT" if command is Command.DEALERT else command.name


def unclear_reason(first_line: str, command: Command) -> str:
    """Why the first line does not plainly say `command`, in words for the sender; ""
    when it does. A RETURN's first line carries its reasons, so only its opening
    words are read for a second answer or a question."""
    line = first_line.strip()
    if command is Command.RETURN:
        other = re.match(r"^\W*(?:return(?:ed)?|reject(?:ed)?)\W+(?:or|and|/)?\W*(?P<other>"
                         r"approved?|agreed?|forward|de[\s-]?alert(?:ed)?|done)\b", line, re.I)
        if other or re.match(r"^\W*(?:return(?:ed)?|reject(?:ed)?)\s*/", line, re.I):
            return "it gives more than one answer (RETURN and another)"
        return "it reads as a question" if re.match(r"^\W*return(?:ed)?\W*\?", line, re.I) else ""
    named = {m.lastgroup for m in _ANY_COMMAND.finditer(line) if m.lastgroup}
    if len(named) > 1:
        return "it gives more than one answer (" + " and ".join(
            sorted(_word(Command[n]) for n in named)) + ")"
    if "?" in line or _QUESTION_WORD.match(line):
        return "it reads as a question"
    negation = _STRONG_NEGATION.search(line) or \
        re.search(r"^\W*\w+(?:\W+\w+){0,3}?\W+(not)\b", line, re.I)
    if negation:
        return f"it says \"{negation.group(negation.lastindex or 0)}\""
    condition = _CONDITION.search(line) if command is Command.APPROVE else None
    if condition:
        return f"it makes the approval depend on something (\"{condition.group(0)}\")"
    return ""
