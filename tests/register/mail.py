"""Turning a golden .eml into what `read_notification` takes.

`mailbot.core.intake` (another module) does this in the product; these
tests use the standard library so they pin down the register alone. Tables
become one row per line with cells split by tabs, as Outlook's HTML does when
rendered to text.
"""

from __future__ import annotations

import email
import email.utils
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from mailbot.adapters.attachments_text import attachment_texts
from mailbot.core.register import OlaReading, read_notification


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag in ("br", "p", "tr", "div", "h1", "h2", "h3", "li"):
            self.parts.append("\n")
        elif tag == "td" and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(" ".join(data.split()) if data.strip() else "")


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = ("".join(parser.parts)).splitlines()
    return "\n".join(line.strip() for line in lines if line.strip())


@dataclass(frozen=True)
class Notice:
    raw: bytes
    subject: str
    body_text: str
    sender: str
    date: datetime
    attachment_texts: tuple[str, ...]

    def read(self) -> OlaReading:
        return read_notification(self.subject, self.body_text, self.sender, self.date,
                                 self.attachment_texts)


def load(path: Path) -> Notice:
    raw = path.read_bytes()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(("plain", "html"))
    text = body.get_content() if body is not None else ""
    if body is not None and body.get_content_type() == "text/html":
        text = html_to_text(text)
    date = email.utils.parsedate_to_datetime(str(msg["Date"]))
    return Notice(raw=raw, subject=str(msg["Subject"] or ""), body_text=text,
                  sender=email.utils.parseaddr(str(msg["From"]))[1].lower(), date=date,
                  attachment_texts=tuple(a.text for a in attachment_texts(msg) if a.text))
