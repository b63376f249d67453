"""Raw bytes to a message we can ask questions of, without ever raising.

The stdlib `email` package with `policy.default` parses (RFC 2047/2231 decoding,
defects recorded instead of raised); where it still raises on a header, the raw
header is decoded by hand instead. Parts are walked to a bounded depth and count,
`message/*` parts are never entered here (bounces look inside them on purpose), and
attachments are sized without being decoded.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses
from typing import Any

from mailbot.core.values.mail import Attachment

MAX_TEXT = 500_000        # characters of any one body part worth reading
_MAX_DEPTH = 20
_MAX_PARTS = 500
_MAX_HEADER = 16_000


def clean(text: str) -> str:
    """Text safe to store: stray surrogates (8-bit header bytes) decoded as UTF-8 or replaced."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")


class _Registry(HeaderRegistry):
    """The stdlib registry builds a new header class on every lookup; build each once
    (for the first few hundred names: a sender choosing header names cannot grow it)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = super().__getitem__(name)
            if len(self._classes) < 400:
                self._classes[key] = found
        return found


_REGISTRY = _Registry()


class _Policy(EmailPolicy):
    """`policy.default`, remembering each header it has parsed and refusing to parse
    more than 16 KB of one: the stdlib re-parses a header on every fetch (the MIME
    parser fetches Content-Type thousands of times in a deeply nested message) and
    its unstructured-header parser is quadratic (a 200 KB Subject takes seconds)."""

    def __init__(self) -> None:
        super().__init__(header_factory=_REGISTRY, message_factory=EmailMessage)
        object.__setattr__(self, "_seen", {})

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        seen: dict[tuple[str, str], Any] = self._seen  # type: ignore[attr-defined]
        found = seen.get((name, value))
        if found is None:
            text = "".join(re.split(r"\r?\n", value))[:_MAX_HEADER]
            found = seen[(name, value)] = self.header_factory(name, text)
        return found


def parse(raw: bytes) -> Message:
    try:
        return email.message_from_bytes(raw, policy=_Policy())
    except Exception:
        return email.message_from_bytes(raw, policy=policy.compat32)


def _decoded(value: str) -> str:
    value = re.sub(r"\r?\n(?=[ \t])", "", value)
    try:
        return clean(str(make_header(decode_header(value))))
    except Exception:
        return clean(value)


def headers(msg: Message, name: str) -> list[str]:
    """Every value of a header, decoded, topmost first."""
    try:
        return [clean(" ".join(str(v).split())) for v in msg.get_all(name) or []]
    except Exception:
        wanted = name.lower()
        return [" ".join(_decoded(str(v)).split()) for k, v in msg.raw_items()
                if k.lower() == wanted]


def header(msg: Message, name: str) -> str | None:
    found = headers(msg, name)
    return found[0] if found else None


def adapter_header(msg: Message, name: str) -> str | None:
    """A header a mailbox adapter prepends (`X-Mailbot-Item-Class`): trusted only as the
    message's very first header, where the adapter puts it; the same name anywhere
    below was written by the sender, and is ignored (issue 10)."""
    try:
        first = next(iter(msg.raw_items()), None)
    except Exception:
        return None
    if first is None or first[0].lower() != name.lower():
        return None
    return clean(" ".join(_decoded(str(first[1])).split()))


def raw_headers(msg: Message, name: str) -> list[str]:
    """Header values as written (unfolded), for parsers of their own (Authentication-Results)."""
    wanted = name.lower()
    try:
        return [clean(re.sub(r"\r?\n(?=[ \t])", "", str(v))) for k, v in msg.raw_items()
                if k.lower() == wanted]
    except Exception:
        return []


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) for each address in every such header."""
    try:
        found = []
        for value in msg.get_all(name) or []:
            for address in getattr(value, "addresses", ()):
                found.append((clean(address.display_name), clean(address.addr_spec).lower()))
        return found
    except Exception:
        values = [_decoded(str(v)) for k, v in msg.raw_items() if k.lower() == name.lower()]
        return [(clean(n), clean(a).lower()) for n, a in getaddresses(values)]


def message_ids(value: str | None) -> list[str]:
    """Message-IDs in a header value, without angle brackets."""
    if not value:
        return []
    found = re.findall(r"<([^<>\s]+)>", value)
    return found or [v for v in value.split() if "@" in v]


@dataclass(frozen=True)
class Leaf:
    part: Message
    content_type: str
    filename: str
    body: bool          # a text/plain or text/html part that is the message's own text


def leaves(msg: Message) -> list[Leaf]:
    found: list[Leaf] = []
    _walk(msg, 0, found)
    return found


def _walk(part: Message, depth: int, found: list[Leaf]) -> None:
    if depth > _MAX_DEPTH or len(found) >= _MAX_PARTS:
        return
    ctype = safe(part.get_content_type, "text/plain").lower()
    payload = safe(part.get_payload, None)
    if ctype.startswith("multipart/") and isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                _walk(sub, depth + 1, found)
        return
    filename = clean(safe(part.get_filename, None) or "")
    disposition = safe(part.get_content_disposition, None)
    body = ctype in ("text/plain", "text/html") and not filename and disposition != "attachment"
    found.append(Leaf(part, ctype, filename, body))


def safe(call: Any, default: Any) -> Any:
    try:
        return call()
    except Exception:
        return default


def text_of(part: Message) -> str:
    """A text part's text, however its charset or encoding is broken."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return _unflow(part, clean(content[:MAX_TEXT]))
    except Exception:
        pass
    data = safe(lambda: part.get_payload(decode=True), b"")
    if not isinstance(data, bytes):
        return ""
    charset = safe(part.get_content_charset, None) or "utf-8"
    try:
        text = data[: MAX_TEXT * 4].decode(charset, "replace")
    except (LookupError, ValueError):
        text = data[: MAX_TEXT * 4].decode("utf-8", "replace")
    return _unflow(part, text[:MAX_TEXT])


def _unflow(part: Message, text: str) -> str:
    """RFC 3676 format=flowed: a line ending in a space runs on into the next."""
    if str(safe(lambda: part.get_param("format"), "") or "").lower() != "flowed":
        return text
    delsp = str(safe(lambda: part.get_param("delsp"), "") or "").lower() == "yes"
    out: list[str] = []
    carry = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line[1:] if line.startswith(" ") else line      # space-stuffing
        if line.endswith(" ") and line != "-- ":
            carry += line[:-1] if delsp else line
        else:
            out.append(carry + line)
            carry = ""
    if carry:
        out.append(carry)
    return "\n".join(out)


def payload_bytes(part: Message) -> bytes:
    data = safe(lambda: part.get_payload(decode=True), b"")
    return data if isinstance(data, bytes) else b""


def attachment(leaf: Leaf) -> Attachment:
    """Name, type and size of a part; base64 is sized from its length, not decoded."""
    raw = safe(leaf.part.get_payload, "")
    size = 0
    if isinstance(raw, str):
        encoding = str(safe(lambda: leaf.part.get("Content-Transfer-Encoding", ""), "")).lower()
        if "base64" in encoding:
            compact = re.sub(r"[^A-Za-z0-9+/=]", "", raw)
            size = max(0, len(compact) * 3 // 4 - compact[-2:].count("="))
        else:
            size = len(raw)
    return Attachment(filename=leaf.filename, content_type=leaf.content_type, size=size)
