"""Authentication-Results headers (RFC 8601): who checked, and what DMARC, SPF and DKIM said.

Only the authserv-id and the dmarc, spf and dkim results are kept (DKIM passes
when any signature passes); the caller trusts a header only
when its authserv-id is the organisation's own border server. Comments (nested
parentheses) and quoted strings are honoured, a version after the authserv-id is
dropped, and a header without an authserv-id (malformed) is kept, topmost order
intact, with an empty id and no result: nothing can trust it.
"""

from __future__ import annotations

import re

from mailbot.core.values.mail import AuthResult

_TOKEN = re.compile(r"^[^\s=;()\"]+")


def _segments(value: str) -> list[str]:
    """The header split on ';', with comments removed and quoted strings kept whole."""
    segments: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                current.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                current.append(ch)
            continue
        if quoted:
            quoted = ch != '"'
            current.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif ch == '"':
            quoted = True
            current.append(ch)
        elif ch == ";":
            segments.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    segments.append("".join(current).strip())
    return segments


def parse_auth_results(value: str) -> AuthResult:
    """One header. A header with no authserv-id (Exchange Online writes them so) keeps
    an empty id, so no configured name can ever match it; its results are still read,
    for the one setting that trusts Exchange Online's own topmost header."""
    segments = _segments(" ".join(value.split()))
    head = segments[0]
    first = _TOKEN.match(head)
    nameless = first is None or "=" in head.split()[0]
    results: dict[str, list[str]] = {}
    for segment in segments if nameless else segments[1:]:
        for m in re.finditer(r"(?:^|\s)([A-Za-z0-9_.-]+)(?:/[^=\s]*)?\s*=\s*([A-Za-z0-9_.-]+)",
                             segment):
            if m.group(1).lower() in ("dmarc", "spf", "dkim", "compauth"):
                results.setdefault(m.group(1).lower(), []).append(m.group(2).lower())
            if not nameless:
                break
    dkim = results.get("dkim", [])
    return AuthResult(authserv_id="" if nameless or first is None else first.group().lower(),
                      dmarc=results.get("dmarc", [None])[0],
                      spf=results.get("spf", [None])[0],
                      dkim=("pass" if "pass" in dkim else dkim[0]) if dkim else None,
                      compauth=results.get("compauth", [None])[0])
