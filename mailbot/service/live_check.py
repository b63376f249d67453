"""`mailbot check-mailbox NAME --send-test ADDRESS`: the first live check an administrator
runs once on a new installation (docs/exchange.md, docs/microsoft-365.md,
docs/imap-smtp.md): send one plain test mail through the configured sender, then ask
the sender whether it can find the sent copy, as it would after a crash. If it cannot,
exactly-once after a crash rests on nothing, and the administrator is told so.

The address must be inside the council (a directory entry, or an address at one of
its domains): nothing outside it ever receives anything but the national list."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from mailbot.core.config import Config
from mailbot.errors import TransportError
from mailbot.ports import RenderedMail, Sender


def test_mail(config: Config, address: str, now: datetime) -> RenderedMail:
    """A test mail with no child, no alert and nothing to answer."""
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    message_id = f"live-check.{secrets.token_hex(8)}@{domain}"
    mail = EmailMessage()
    mail["From"] = formataddr((config.organisation.bot_name, config.organisation.bot_address))
    mail["To"] = address
    mail["Subject"] = "mailbot: test message (no action needed)"
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{message_id}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(
        "This is a test message from the Safeguarding Unit's alerts mailbox.\n\n"
        "An administrator sent it to check that the mailbox can send, and that the\n"
        "copy it keeps of what it sends can be found again. Nothing needs doing, and\n"
        "a reply to it is not read as an answer to anything.\n")
    return RenderedMail(message_id=message_id, envelope_to=(address,), data=mail.as_bytes())


def send_test(config: Config, sender: Sender, address: str, now: datetime, *,
              wait: float = 120.0, every: float = 5.0,
              sleep: Callable[[float], None] = time.sleep,
              clock: Callable[[], float] = time.monotonic) -> tuple[bool, list[tuple[str, str]]]:
    """(whether all went well, lines to print): sent, then the sent copy looked for for
    up to `wait` seconds (the mail system files it asynchronously)."""
    if not config.is_internal(address):
        return False, [("send test", f"refused: {address} is not inside the council (a "
                                     "directory entry or an address at its domains)")]
    mail = test_mail(config, address, now)
    try:
        sender.send(mail)
    except TransportError as error:
        return False, [("send test", f"not sent: {error}")]
    lines = [("send test", f"sent {mail.message_id} to {address}")]
    began = clock()
    while True:
        try:
            found = sender.already_sent(mail.message_id)
        except TransportError as error:
            found, why = None, f" ({error})"
        else:
            why = ""
        waited = clock() - began
        if found:
            lines.append(("sent copy", f"found after {waited:.0f} s: a crash mid-send is "
                                       "settled by looking, not by sending again"))
            return True, lines
        if waited >= wait:
            lines.append(("sent copy", f"NOT found within {wait:.0f} s{why}: after a crash "
                          "mid-send mailbot could not tell whether mail left; check the "
                          "sender's sent-copy settings (see the guide for this backend)"))
            return False, lines
        sleep(every)
