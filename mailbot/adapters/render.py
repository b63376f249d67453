"""Turn an `Outgoing` the core decided on into the bytes of a real email.

One template pair per purpose (`templates/{purpose}.txt.j2` and `.html.j2`);
every message is multipart/alternative, wrapped in multipart/mixed when it
carries a calendar entry, with multipart/related for inline images.

Two guards sit here because this is the last point before bytes leave: a
message not marked sensitive never carries the child's details, and nothing
goes outside the council except to the national custodian list (R-CASCADE).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email.header import Header
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from mailbot.adapters.ics import deadline_ics
from mailbot.adapters.mime_out import addresses, assemble, header
from mailbot.core.config import Config
from mailbot.core.values.mail import CalendarEntry, Outgoing
from mailbot.ports import RenderedMail

if TYPE_CHECKING:
    from jinja2 import Environment, Template

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

_PURPOSE = re.compile(r"[a-z][a-z0-9_]*")
# the token becomes part of an address's local part: keep it to plain atext
_TOKEN = re.compile(r"[A-Za-z0-9._=-]{1,64}")
_RESERVED = ("bot", "message")   # names the renderer itself gives templates

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# what a person types for each answer (the reply parser accepts these words)
ANSWER_WORDS = {"approve": "APPROVE", "return": "RETURN", "forward": "FORWARD",
                "dealert": "DE-ALERT", "done": "DONE"}
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"),
                (b"GIF8", "gif"))


def _html_only(name: str | None) -> bool:
    return bool(name) and str(name).endswith(".html.j2")


class Renderer:
    def __init__(self, templates_dir: Path, config: Config) -> None:
        self._config = config
        self._tz = ZoneInfo(config.organisation.timezone)
        self._custodians = frozenset(a.lower() for a in config.cascade.custodians)
        self._templates_dir = templates_dir

    @cached_property
    def _env(self) -> Environment:
        """Built when the first mail is rendered: `mailbot status` and the like send none."""
        from jinja2 import Environment, FileSystemLoader, StrictUndefined  # heavy: 25-50 ms

        env = Environment(
            loader=FileSystemLoader(str(self._templates_dir)),
            undefined=StrictUndefined,
            autoescape=_html_only,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["local"] = self.local
        env.filters["role_title"] = self.role_title
        env.filters["answer_word"] = answer_word
        env.filters["reply_address"] = self.reply_address
        env.filters["mailto"] = self.mailto
        return env

    # -- filters ---------------------------------------------------------------

    def local(self, when: datetime | str) -> str:
        """`Mon 16 Nov 2026 14:30 GMT`: the organisation's wall clock, BST or GMT."""
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if when.tzinfo is None:
            raise ValueError(f"local() needs a timezone-aware time, not {when.isoformat()}")
        d = when.astimezone(self._tz)
        return (f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year} "
                f"{d:%H:%M} {d.tzname()}")

    def role_title(self, role: str) -> str:
        spec = self._config.roles.get(role)
        return spec.title if spec else role

    # -- rendering ---------------------------------------------------------------

    def check(self, out: Outgoing) -> None:
        """Raise ValueError if `out` must not be sent at all (the two guards)."""
        if not _PURPOSE.fullmatch(out.purpose):
            raise ValueError(f"purpose {out.purpose!r} is not a template name")
        if not out.sensitive and "alert" in out.context:
            raise ValueError(
                f"{out.purpose} for {out.ref}: a message not marked sensitive carries the "
                "alert's details; reminders, digests and notices carry the reference only")
        recipients = out.to + out.cc + out.bcc
        if not recipients:
            raise ValueError(f"{out.purpose} for {out.ref}: no recipients")
        for r in recipients:
            if not self._config.is_internal(r.email) and r.email.lower() not in self._custodians:
                raise ValueError(
                    f"{out.purpose} for {out.ref}: {r.email} is outside the council and not on "
                    "the national custodian list (R-CASCADE)")
        if out.reply_token is not None and not _TOKEN.fullmatch(out.reply_token):
            raise ValueError(f"reply token {out.reply_token!r} cannot go in an address")
        clash = [k for k in _RESERVED if k in out.context]
        if clash:
            raise ValueError(f"context keys {clash} are reserved for the renderer")

    def bodies(self, out: Outgoing) -> tuple[str, str]:
        """The plain-text and HTML bodies, for previews and the digest."""
        self.check(out)
        variables = self._variables(out)
        text = self._template(out.purpose, "txt").render(variables)
        html = self._template(out.purpose, "html").render(variables)
        return text, html

    def render(self, out: Outgoing, now: datetime, *,
               inline_images: Mapping[str, bytes] | None = None) -> RenderedMail:
        if now.tzinfo is None:
            raise ValueError("render() needs a timezone-aware `now`")
        text, html = self.bodies(out)
        org = self._config.organisation
        message_id = out.message_id.strip("<>")

        headers: list[tuple[str, str | Header]] = [
            ("From", _from(org.bot_name, org.bot_address)),
            ("To", addresses([(r.name, r.email) for r in out.to])),
        ]
        if out.cc:
            headers.append(("Cc", addresses([(r.name, r.email) for r in out.cc])))
        headers += [("Subject", header(out.subject)), ("Date", format_datetime(now)),
                    ("Message-ID", f"<{message_id}>")]
        if out.in_reply_to:
            parent = f"<{out.in_reply_to.strip('<>')}>"
            headers += [("In-Reply-To", parent), ("References", parent)]
        if out.reply_token and self._config.organisation.plus_addressing:
            headers.append(("Reply-To", self.reply_address(out.reply_token)))
        headers.append(("Auto-Submitted", out.auto))
        # Exchange and Outlook: no out-of-office or other automatic answers to this
        headers.append(("X-Auto-Response-Suppress", "OOF, AutoReply"))
        if out.ref:
            headers.append(("X-Mailbot-Ref", out.ref))
        headers.append(("X-Mailbot-Purpose", out.purpose))
        if out.rule:   # the procedure's rule id: for an administrator, never in the text
            headers.append(("X-Mailbot-Rule", out.rule))
        if out.late:
            headers.append(("X-Mailbot-Late", "yes"))

        images = {key: (data, _image_subtype(data)) for key, data in (inline_images or {}).items()}
        calendar = None
        entry = out.calendar
        if entry is None and out.attach_ics is not None:
            # a deadline the core kept no entry for: one of its own, under this message's id
            entry = CalendarEntry(uid=message_id, at=out.attach_ics,
                                  summary=f"{out.ref or ''} {_ics_what(out)}".strip(),
                                  attendees=tuple(r.email for r in out.to + out.cc))
        if entry is not None:
            ics = deadline_ics(entry, organizer=(org.bot_name, org.bot_address), stamp=now,
                               description=_ics_description(out, self.reply_address_or_bot(out),
                                                            entry))
            # named for the alert and typed with its method, so Outlook offers it once
            calendar = (ics.decode("utf-8"), f"{out.ref or 'alert'}-deadline.ics", entry.method)
        # put together without EmailMessage's header objects: see mime_out (10x faster)
        return RenderedMail(message_id=message_id, envelope_to=envelope(out),
                            data=assemble(headers, text, html, images=images, calendar=calendar))

    def reply_address(self, token: str) -> str:
        if not _TOKEN.fullmatch(token):
            raise ValueError(f"reply token {token!r} cannot go in an address")
        local, _, domain = self._config.organisation.bot_address.partition("@")
        return f"{local}+{token}@{domain}"

    def mailto(self, token: str, subject: str) -> str:
        """A link that starts a reply to one step (the "waiting on you" mail's items)."""
        return f"mailto:{self.reply_address(token)}?subject={quote(subject, safe='')}"

    def reply_address_or_bot(self, out: Outgoing) -> str:
        # without plus addressing (Exchange Server) the token still comes back in
        # In-Reply-To/References, from the request's Message-ID
        if out.reply_token and self._config.organisation.plus_addressing:
            return self.reply_address(out.reply_token)
        return self._config.organisation.bot_address

    def _template(self, purpose: str, kind: str) -> Template:
        return self._env.get_template(f"{purpose}.{kind}.j2")

    def _variables(self, out: Outgoing) -> dict[str, Any]:
        org = self._config.organisation
        return {
            **out.context,
            "bot": {"name": org.bot_name, "address": org.bot_address,
                    "organisation": org.name, "marking": self._config.cascade.marking},
            "message": {"purpose": out.purpose, "subject": out.subject, "late": out.late,
                        "sensitive": out.sensitive,
                        "answerable": out.reply_token is not None,
                        "reply_address": self.reply_address_or_bot(out)},
        }


def answer_word(answer: str) -> str:
    return ANSWER_WORDS.get(answer, answer.upper())


def envelope(out: Outgoing) -> tuple[str, ...]:
    """Every recipient once, lower-cased, in To, Cc, Bcc order."""
    seen: dict[str, None] = {}
    for r in out.to + out.cc + out.bcc:
        seen.setdefault(r.email.strip().lower(), None)
    return tuple(seen)


def _from(name: str, address: str) -> str:
    """`"Safeguarding Unit Alerts" <bot@...>`: quoted, as Outlook shows it."""
    if not name.isascii():
        return addresses([(name, address)])   # RFC 2047 encoded
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def _image_subtype(data: bytes) -> str:
    for magic, subtype in _IMAGE_MAGIC:
        if data.startswith(magic):
            return subtype
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or b"<svg" in data[:512]:
        return "svg+xml"
    raise ValueError("inline image is not PNG, JPEG, GIF or SVG")


def _ics_what(out: Outgoing) -> str:
    """A few words for the calendar: what is due. Never a name: only the core's
    own sentences about the action, which carry the reference at most."""
    ctx = out.context
    if isinstance(ctx.get("what"), str) and ctx["what"]:
        return str(ctx["what"])
    step, task = ctx.get("step"), ctx.get("task")
    if isinstance(step, Mapping) and step.get("asks"):
        return f"{step['asks']} due"
    if isinstance(task, Mapping) and task.get("description"):
        return str(task["description"])
    return out.purpose.replace("_", " ")


def _ics_description(out: Outgoing, reply_to: str, entry: CalendarEntry) -> str:
    initials = out.context.get("initials") or "?"
    if entry.method == "CANCEL":
        return (f"Alert {out.ref or ''} (child {initials}): this deadline is no longer due. "
                "Automatic entry from the alerts system.")
    return (f"Alert {out.ref or ''} (child {initials}). Answer by replying to the email "
            f"this came with ({reply_to}). Automatic entry from the alerts system.")
