"""What `mailbot check-mailbox` says about Authentication-Results: does the council's
own border server (`organisation.trusted_authserv_id`) stamp the mail this mailbox
receives, so that refusing a DMARC, SPF or DKIM failure protects anything?

The mailbox adapters hand over the headers of the newest few messages in the inbox
and in Processed, read without marking or moving anything; this module reads them
the way `read_message` does (the same header parser, topmost first) and says what
it found. Pure: header bytes in, `key: value` lines out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from mailbot.core.authority.policy import EXCHANGE_ONLINE
from mailbot.core.intake.mail import mime
from mailbot.core.intake.mail.authres import parse_auth_results

SAMPLE = 5            # newest messages looked at in each folder
NO_ID = "(no authserv-id)"
# where each backend's guide says how to find the right name
GUIDES = {"maildir": "docs/imap-smtp.md", "imap": "docs/imap-smtp.md",
          "ews": "docs/exchange.md", "graph": "docs/microsoft-365.md"}
SECTION = "\"Which server's word counts (trusted_authserv_id)\""
# The name in the ARC-Authentication-Results that every Microsoft 365 tenant adds:
# it names no one council's server, and mailbot does not read ARC headers.
MICROSOFT_ARC_ID = "mx.microsoft.com"


@dataclass(frozen=True)
class Stamps:
    """The Authentication-Results on one message, as mailbot's policy would read them."""

    folder: str
    ids: tuple[str, ...]          # authserv-id of each header, topmost first ("" if none)
    exchange_online: bool         # one of them is Exchange Online's (no id, with compauth)
    topmost_exchange_online: bool = False   # the topmost is: what `exchange-online` trusts


def stamps(folder: str, head: bytes) -> Stamps:
    values = mime.raw_headers(mime.parse(head), "Authentication-Results")
    ids = tuple(parse_auth_results(v).authserv_id for v in values)
    microsoft = [i == "" and "compauth=" in v.lower() for i, v in zip(ids, values, strict=True)]
    return Stamps(folder, ids, any(microsoft), bool(microsoft) and microsoft[0])


def report(samples: Iterable[tuple[str, bytes]], trusted: str | None,
           backend: str = "maildir") -> list[tuple[str, str]]:
    """(key, value) lines: what was looked at, which servers stamped it, and a warning
    when the check protects nothing, pointing at the backend's guide."""
    guide = f"See {SECTION} in {GUIDES.get(backend, GUIDES['maildir'])}."
    seen = [stamps(folder, head) for folder, head in samples]
    wanted = (trusted or "").strip().lower()
    lines = [("trusted_authserv_id", wanted or "(not set)")]
    ids = Counter(i or NO_ID for s in seen for i in dict.fromkeys(s.ids))
    lines.append(("authserv_ids_seen", ", ".join(f"{i} ({n})" for i, n in ids.most_common())
                  or "none"))
    empty = ("send one test message from outside the council and one from inside, then "
             "run check-mailbox again")
    if not wanted:
        lines.append(("warning", "organisation.trusted_authserv_id is not set, so mailbot "
                      "ignores Authentication-Results and a DMARC, SPF or DKIM failure stops "
                      "nothing. " + (_what_to_do(ids, seen) if seen else
                                     f"No messages to look at yet: {empty} to see which name "
                                     "the border server stamps. ") + guide))
        return lines
    if not seen:
        lines.append(("warning", "no messages in the inbox or Processed to look at, so "
                      "nothing shows whether the council's border server stamps this "
                      f"mailbox's mail; {empty}"))
        return lines
    if wanted == EXCHANGE_ONLINE:
        carrying = [s for s in seen if s.topmost_exchange_online]
    else:
        carrying = [s for s in seen if wanted in s.ids]
    folders = dict.fromkeys(s.folder for s in seen)
    by_folder = ", ".join(
        f"{f} {sum(1 for s in carrying if s.folder == f)} of {sum(1 for s in seen if s.folder == f)}"
        for f in folders)
    lines.append(("authentication_results", f"from {wanted} on {len(carrying)} of the "
                  f"{len(seen)} newest messages ({by_folder})"))
    if not carrying:
        lines.append(("warning", f"no message looked at carries Authentication-Results from "
                      f"{wanted}: the DMARC/SPF/DKIM check is not protecting anything. "
                      + _what_to_do(ids, seen, wanted) + guide))
    elif len(carrying) < len(seen):
        lines.append(("note", f"without one from {wanted}: {len(seen) - len(carrying)} of the "
                      f"{len(seen)}. Mail that did not pass through that server (often mail "
                      "sent inside the council) is not checked; make sure mail from outside "
                      "always is"))
    return lines


def _what_to_do(ids: Counter[str], seen: list[Stamps], wanted: str = "") -> str:
    named = [i for i in ids if i != NO_ID]
    advice = []
    if wanted == MICROSOFT_ARC_ID:
        advice.append(f"{MICROSOFT_ARC_ID} is the name in Microsoft's ARC-Authentication-"
                      "Results, which any Microsoft 365 tenant adds and mailbot does not read.")
    if any(s.exchange_online for s in seen) and wanted != EXCHANGE_ONLINE:
        advice.append("Exchange Online's Authentication-Results (seen here) names no "
                      "authserv-id, so no name can match it: set trusted_authserv_id: "
                      f"{EXCHANGE_ONLINE} to trust Exchange Online's topmost header "
                      "(docs/microsoft-365.md).")
    if named:
        advice.append(f"Authentication-Results here were stamped by: {', '.join(named)}. If one "
                      "of these is the council's own border mail server, set "
                      "organisation.trusted_authserv_id to it in routing.yaml; if not, ask the "
                      "mail administrator which name the border server stamps.")
    elif not any(s.exchange_online for s in seen):
        advice.append("None of these messages carries Authentication-Results at all: ask the "
                      "mail administrator to have the border server check DMARC, SPF and DKIM "
                      "and stamp the result, removing forged headers that carry its name.")
    return " ".join(advice) + " "
