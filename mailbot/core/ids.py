"""Message-IDs and reply tokens: stable, so nothing is sent twice, and
unforgeable, so nobody is let in.

A request to a person carries `<ref>.<wait>.<attempt>.<token>.<installation>@<domain>`
as its Message-ID; their reply brings it back in In-Reply-To/References. The token is
an HMAC of the step under the store's secret, so it can be checked without
being stored, and it stops matching once the step is answered (replay).

The installation part is the store's own random id (made with the store, kept in
its metadata), last in the local part: a store made after the old one was lost
never makes an id the old one made, so its receipts are not mistaken for sent
copies of the old mail. Ids without it (stores made before it existed, and the
mail they sent) read as before: every reader takes the parts from the front.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

_REF = re.compile(r"^[a-z]{1,6}-\d{4}-\d{4,}$")


def token(secret: bytes, ref: str, wait_id: str, attempt: int) -> str:
    mac = hmac.new(secret, f"{ref}|{wait_id}|{attempt}".encode(), hashlib.sha256)
    return mac.hexdigest()[:20]


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def request_id(ref: str, wait_id: str, attempt: int, tok: str, domain: str, suffix: str = "",
               *, installation: str = "") -> str:
    extra = f".{suffix}" if suffix else ""
    return f"{ref.lower()}.{wait_id}.{attempt}.{tok}{extra}{_part(installation)}@{domain}"


def message_id(ref: str | None, purpose: str, key: str, domain: str, *,
               installation: str = "") -> str:
    """An id for a message that asks nothing: stable for the same (ref, purpose, key)
    within one installation."""
    head = ref.lower() if ref else "noref"
    safe = re.sub(r"[^a-z0-9_-]+", "-", key.lower())
    return f"{head}.{purpose}.{safe}{_part(installation)}@{domain}"


def _part(installation: str) -> str:
    """The installation's part of an id ('' for a store made before there was one)."""
    if installation and not re.fullmatch(r"[a-z0-9]{4,32}", installation):
        raise ValueError(f"{installation!r} is not an installation id")
    return f".{installation}" if installation else ""


@dataclass(frozen=True)
class RequestRef:
    ref: str
    wait_id: str
    attempt: int
    token: str


def parse_request_id(mid: str) -> RequestRef | None:
    """The step a reply answers, from one of the ids it quotes; None if not ours."""
    local = mid.strip().strip("<>").split("@", 1)[0].lower()
    parts = local.split(".")
    if len(parts) < 4 or not _REF.match(parts[0]) or not parts[2].isdigit():
        return None
    if not re.fullmatch(r"[0-9a-f]{20}", parts[3]):
        return None
    return RequestRef(parts[0].upper(), parts[1], int(parts[2]), parts[3])


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
