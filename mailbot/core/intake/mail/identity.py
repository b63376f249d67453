"""Who a message says it is from, and whether that can be taken at its word (issue 10).

The From address is the person acting. It cannot be taken at its word when the
line holds two addresses, none, or one with a routing trick: a `%` or `!` in
the local part (old relaying syntax that some servers still honour), a quoted
local part (which may hide an `@`), or a source route (`<@relay:user@host>`).
A Sender that differs from From is kept: the authority policy judges it (sent
on behalf of someone counts only where the directory lists that delegate).
"""

from __future__ import annotations

import re
from email.message import Message

from mailbot.core.config.base import routing_trick
from mailbot.core.intake.mail import mime

_SOURCE_ROUTE = re.compile(r"<\s*@[^>]*:")
# A quoted local part as it was written (`"sue.manager"@kent.test`): the parser
# unquotes it when the quotes are not needed, so it is looked for in the raw line.
_QUOTED_LOCAL = re.compile(r'"[^"]*"\s*@')


def address_problems(msg: Message) -> tuple[str, ...]:
    senders = mime.addresses(msg, "From")
    problems: list[str] = []
    if not senders:
        problems.append("the message has no From address")
    elif len(senders) > 1:
        problems.append("the From line holds more than one address")
    if any(_SOURCE_ROUTE.search(v) for v in mime.raw_headers(msg, "From")):
        problems.append("the From address carries a source route")
    if any(_QUOTED_LOCAL.search(_address_part(v)) for v in mime.raw_headers(msg, "From")):
        problems.append("the From address cannot be trusted: its local part is quoted")
    for _, address in senders[:1]:
        trick = routing_trick(address)
        if trick:
            problems.append(f"the From address cannot be trusted: {trick}")
    return tuple(dict.fromkeys(problems))


def _address_part(value: str) -> str:
    """The address of a From line, without a quoted display name before it."""
    if "<" in value:
        return value[value.rfind("<"):]
    return value


def on_behalf(msg: Message, sender: str) -> str:
    """The Sender address, when it is there and is not the From address."""
    for _, address in mime.addresses(msg, "Sender")[:1]:
        if address and address != sender:
            return address
    return ""
