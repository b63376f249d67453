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
    segments = _segments(" ".join(value.split()))
    head = segments[0]
    first = _TOKEN.match(head)
    if first is None or "=" in head.split()[0]:     # "spf=pass ..." with no authserv-id
        return AuthResult(authserv_id="", dmarc=None)
    results: dict[str, list[str]] = {}
    for segment in segments[1:]:
        m = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:/[^=\s]*)?\s*=\s*([A-Za-z0-9_.-]+)", segment)
        if m:
            results.setdefault(m.group(1).lower(), []).append(m.group(2).lower())
    dkim = results.get("dkim", [])
    return AuthResult(authserv_id=first.group().lower(),
                      dmarc=results.get("dmarc", [None])[0],
                      spf=results.get("spf", [None])[0],
                      dkim=("pass" if "pass" in dkim else dkim[0]) if dkim else None)
