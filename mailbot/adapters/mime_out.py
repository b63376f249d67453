"""The bytes of an outgoing email, put together quickly.

The renderer used `EmailMessage` with `policy.SMTP`, whose header objects
parse every value they are given and refold it on output: about 10-20 ms a
message, most of the bot's time in a busy week (and of a simulated year's:
bench/simulated_year.py). This builds the same MIME tree (multipart/mixed
around multipart/alternative, multipart/related for inline images, a
text/calendar attachment) from values the renderer has already checked, with
the email package's legacy (compat32) header handling, which stores strings as
given: about 1 ms. The text parts are encoded as `set_content` would: 7bit or
8bit when every line fits in 78 octets, quoted-printable otherwise; CRLF line
ends throughout.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from email import quoprimime
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.policy import Compat32
from email.utils import formataddr
from io import BytesIO
from typing import cast

MAX_LINE = 78        # policy.SMTP's max_line_length: longer lines are quoted-printable
# printable ASCII and tabs only: Header.splitlines() breaks on \v, \f, \x1c-\x1e too
_PLAIN = re.compile(r"[\t\x20-\x7e]*")
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+^_`{|}~-]+")   # RFC 2045's token, less the dot


class _Wire(Compat32):
    """compat32 with CRLF, writing a header that needs no folding as it is.

    compat32 wraps every str value in a `Header` and folds it on output, about
    50 us a header and half of a message's flattening. A value of printable
    ASCII whose line fits in 78 octets comes out of that unchanged (checked
    against compat32 over random values: tests/render/test_mime_out.py), so it
    is written directly; anything else (long, non-ASCII, a `Header`) is folded
    by compat32 as before."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if _fits(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)

    def fold(self, name: str, value: str) -> str:
        if _fits(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)


def _fits(name: str, value: object) -> bool:
    if not isinstance(value, str) or _PLAIN.fullmatch(value) is None:
        return False
    if name.lower() in _ONE_ID and _ID.fullmatch(value) and len(name) + 2 + len(value) <= MAX_HEADER:
        # one id has nowhere to fold but before itself, which some readers keep as part
        # of it: written on one line however long (a long domain, the installation's part)
        return True
    return len(name) + 2 + len(value) <= MAX_LINE


_ONE_ID = ("message-id", "in-reply-to")
_ID = re.compile(r"<[!-;=?-~]+>")      # one <id>: printable, no space, no inner <>
MAX_HEADER = 998     # RFC 5322's limit on any line


_WIRE = _Wire(linesep="\r\n")


def header(value: str) -> str | Header:
    """A header value: as it is when ASCII, RFC 2047 encoded otherwise."""
    return value if value.isascii() else Header(value, "utf-8")


def addresses(pairs: Sequence[tuple[str, str]]) -> str:
    """`Name <address>, ...`, quoting and encoding names as RFC 5322 and 2047 need."""
    return ", ".join(formataddr((name, email), charset="utf-8") for name, email in pairs)


def text_part(text: str, subtype: str, *, params: Mapping[str, str] | None = None,
              filename: str | None = None) -> Message:
    lines = text.encode("utf-8").splitlines()
    part = Message()
    content_type = f'text/{subtype}; charset="utf-8"'
    for key, value in (params or {}).items():
        # a token as it is (`method=REQUEST`, as Outlook writes it), anything else quoted
        content_type += f"; {key}={value}" if _TOKEN.fullmatch(value) else f'; {key}="{value}"'
    if max((len(line) for line in lines), default=0) <= MAX_LINE:
        body = b"\n".join(lines) + b"\n"
        cte, payload = ("7bit" if body.isascii() else "8bit"), body.decode("ascii", "surrogateescape")
    else:
        cte = "quoted-printable"
        payload = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"), 76)
    part["Content-Type"] = content_type
    part["Content-Transfer-Encoding"] = cte
    if filename is not None:
        part["Content-Disposition"] = f'attachment; filename="{filename}"'
    part.set_payload(payload)
    return part


def image_part(data: bytes, subtype: str, cid: str) -> Message:
    import base64

    part = Message()
    part["Content-Type"] = f"image/{subtype}"
    part["Content-Transfer-Encoding"] = "base64"
    part["Content-ID"] = f"<{cid}>"
    # a file name with the type's extension: clients that show or save it need one
    ext = {"jpeg": "jpg", "svg+xml": "svg"}.get(subtype, subtype)
    name = cid if cid.lower().endswith(f".{ext}") else f"{cid.split('@')[0]}.{ext}"
    part["Content-Disposition"] = f'inline; filename="{name}"'
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return part


def container(subtype: str, parts: Sequence[Message], into: Message | None = None) -> Message:
    """A multipart whose boundary is a random token (so no body can contain it)."""
    msg = into if into is not None else Message()
    msg["Content-Type"] = f'multipart/{subtype}; boundary="=_{secrets.token_hex(16)}"'
    for part in parts:
        msg.attach(part)
    return msg


def assemble(headers: Sequence[tuple[str, str | Header]], text: str, html: str, *,
             images: Mapping[str, tuple[bytes, str]] | None = None,
             calendar: tuple[str, str, str] | None = None) -> bytes:
    """The whole message: `headers` in order, then the MIME tree.

    `images` maps a content id to (data, image subtype); `calendar` is (the .ics
    text, its file name, its METHOD), attached as `text/calendar; method=...`: the
    part's method must be the one inside for Outlook to act on it."""
    top = Message()
    for name, value in headers:
        # compat32 takes a Header (RFC 2047 words) as well as a str; typeshed says str
        top[name] = cast(str, value)
    top["MIME-Version"] = "1.0"
    html_side = text_part(html, "html")
    if images:
        html_side = container("related", [html_side, *(image_part(data, subtype, cid)
                                                       for cid, (data, subtype) in images.items())])
    parts = [text_part(text, "plain"), html_side]
    if calendar is None:
        container("alternative", parts, into=top)
    else:
        ics, filename, method = calendar
        container("mixed", [container("alternative", parts),
                            text_part(ics, "calendar", params={"method": method, "name": filename},
                                      filename=filename)], into=top)
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=_WIRE).flatten(top)
    return out.getvalue()
