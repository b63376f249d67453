"""Who looked at the records (issue 15 §5): one `records_access` event per look.

Each look is written to the access log of every alert it touched (`<REF>.access`,
which `mailbot explain REF` shows beside the alert's own log) and always to the
one log of every look (`RECORDS-ACCESS`), so a search that found nothing is on
record too. The detail says who (the operating-system user), what was done
("export", "find", "export_bundle"; the erasure command writes "erase" and
"restrict" the same way), what was asked (a reference, or "find by Liberi ID"
with a keyed hash of the question: never the number or the name), and what came
back (counts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from mailbot.core.values.alert import Event

WHAT = "records_access"
RULE = "R-RECORDS"
ACCESS_LOG = ".access"
ALL_ACCESS = "RECORDS-ACCESS"   # the log of every look, whatever it found
ACTIONS = {"export": "record exported", "export_bundle": "records bundled for subject access",
           "find": "records searched for a child", "erase": "record erased",
           "restrict": "record restricted"}


def access_ref(ref: str) -> str:
    return f"{ref}{ACCESS_LOG}"


def access_events(refs: Sequence[str], last_seq: Mapping[str, int], at: datetime, *,
                  user: str, action: str, asked: str, found: Mapping[str, int],
                  **extra: Any) -> list[Event]:
    """One event on each touched alert's access log and one on ALL_ACCESS; `last_seq`:
    each log's last sequence number (by log ref), so each event follows its log."""
    detail: dict[str, Any] = {"user": user, "action": action, "asked": asked,
                              "found": dict(found), **extra}
    logs = [ALL_ACCESS, *dict.fromkeys(access_ref(r) for r in refs)]
    return [Event(ref=log, seq=last_seq.get(log, 0) + 1, at=at, rule=RULE, what=WHAT,
                  detail=detail) for log in logs]


def words(detail: Mapping[str, Any]) -> str:
    """The event as `explain` says it: "record exported by jsmith (asked: KA-2026-0001;
    returned 1 alert, 25 events, 14 mails)"."""
    action = str(detail.get("action", ""))
    head = f"{ACTIONS.get(action, action.replace('_', ' ') or 'records looked at')} " \
           f"by {detail.get('user') or 'an unknown user'}"
    found = detail.get("found") or {}
    counts = ", ".join(f"{n} {_plural(str(k), int(n))}" for k, n in dict(found).items())
    asked = str(detail.get("asked", ""))
    extra = f"; question {detail['query']}" if detail.get("query") else ""
    if action in ("erase", "restrict"):
        why = f": {detail['reason']}" if detail.get("reason") else ""
        return f"{head} ({asked}{why})"
    return f"{head} (asked: {asked}{extra}; returned {counts or 'nothing'})"


def _plural(kind: str, n: int) -> str:
    singular = {"alerts": "alert", "events": "event", "mails": "mail",
                "register_entries": "register entry", "files": "file"}.get(kind, kind)
    if n == 1:
        return singular
    return "register entries" if kind == "register_entries" else kind.replace("_", " ")
