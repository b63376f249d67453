"""Looking for a child's details in every file of a state folder, however stored:
as written, JSON-escaped, inside base64 (the sent-mail logs' bodies) and inside
MIME parts in base64 or quoted-printable (mail files)."""

from __future__ import annotations

import base64
import binascii
import email
import json
import quopri
import re
from collections.abc import Iterator
from email import policy
from pathlib import Path

_B64 = re.compile(rb"[A-Za-z0-9+/]{24,}={0,2}")


def _views(data: bytes, depth: int = 0) -> Iterator[bytes]:
    """The bytes as stored, and every decoding of them a reader could make."""
    yield data
    if depth > 2:
        return
    yield quopri.decodestring(data)
    if b"\n\n" in data[:200_000] or b"\r\n\r\n" in data[:200_000]:
        try:
            message = email.message_from_bytes(data, policy=policy.compat32)
            for part in message.walk():
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    yield payload
        except Exception:       # not mail: the other views still count
            pass
    for run in _B64.findall(data):
        try:
            decoded = base64.b64decode(run + b"=" * (-len(run) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        yield from _views(decoded, depth + 1)


def forms_of(needle: str) -> list[bytes]:
    escaped = json.dumps(needle)[1:-1]
    return sorted({needle.encode(), escaped.encode(), needle.lower().encode()})


def found_in(folder: Path, needles: list[str]) -> list[tuple[str, str]]:
    """(file, needle) for every needle found in any view of any file under `folder`."""
    wanted = {n: forms_of(n) for n in needles}
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        views = [v.lower() for v in _views(path.read_bytes())]
        for needle, forms in wanted.items():
            if any(f.lower() in v for v in views for f in forms):
                hits.append((str(path.relative_to(folder)), needle))
    return hits
