"""Two stores side by side: where a rebuilt store differs from the one the bot kept
(`mailbot rebuild --compare`, tests/ops/test_rebuild.py), and the tokens a store still
accepts. Differences name alerts by reference and show only where an alert stands
(steps, times, statuses), never what a form says about a child."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from mailbot.ports import Store

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def open_tokens(store: Store) -> set[str]:
    """Every reply token the store still accepts: steps, held forms, the MIU desk's tasks."""
    state = store.load()
    tokens = {w.token for a in state.alerts.values() for w in a.waits}
    tokens |= set(state.held_forms)
    tokens |= {t.token for t in store.register.tasks()}
    return tokens


def compare(old: Store, new: Store, *, limit: int = 200) -> list[str]:
    """Where the rebuilt store differs from an old one (a backup, or the store under
    suspicion): open alerts field by field, closed alerts, each alert's log, the counters
    and weekly marks, the register, the MIU desk, the tokens and the mail sent."""
    found: list[str] = []
    a, b = old.load(), new.load()
    _diff("state", a.model_dump(mode="json"), b.model_dump(mode="json"), found)
    closed_a = {x.ref: x for x in old.closed_alerts(_EPOCH)}
    closed_b = {x.ref: x for x in new.closed_alerts(_EPOCH)}
    _diff("closed", {k: v.model_dump(mode="json") for k, v in closed_a.items()},
          {k: v.model_dump(mode="json") for k, v in closed_b.items()}, found)
    for ref in sorted(set(a.alerts) | set(closed_a)):
        _diff(f"events[{ref}]", [e.model_dump(mode="json") for e in old.events(ref)],
              [e.model_dump(mode="json") for e in new.events(ref)], found)
    _diff("register", [e.model_dump(mode="json") for e in old.register.entries()],
          [e.model_dump(mode="json") for e in new.register.entries()], found)
    _diff("miu_tasks", [t.model_dump(mode="json") for t in old.register.tasks()],
          [t.model_dump(mode="json") for t in new.register.tasks()], found)
    _diff("open_tokens", sorted(open_tokens(old)), sorted(open_tokens(new)), found)
    _diff("sent", _sent(old), _sent(new), found)
    return found[:limit] + ([f"... and {len(found) - limit} more"] if len(found) > limit else [])


def _sent(store: Store) -> dict[str, str]:
    """Message-ID -> status of every outbox entry the store keeps (hot and cold)."""
    entries = {e.message_id: e.status for e in store.sent_log(_EPOCH)}
    entries.update({e.message_id: e.status for e in store.pending_outbox()})
    return dict(sorted(entries.items()))


def _diff(path: str, a: Any, b: Any, found: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a:
                found.append(f"{path}.{key}: only in the rebuilt store")
            elif key not in b:
                found.append(f"{path}.{key}: missing from the rebuilt store")
            else:
                _diff(f"{path}.{key}", a[key], b[key], found)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(f"{path}[{i}]", x, y, found)
    elif a != b:
        found.append(f"{path}: {_short(path, a)} before, {_short(path, b)} rebuilt")


# values shown in a difference: what says where an alert stands, never what the form
# says about a child (the report, like the log, carries references only)
_SHOWN = {"status", "stage", "id", "rule", "kind", "role", "owner", "attempt", "due_at",
          "asked_at", "next_nudge_at", "reminded", "chasers", "chased", "escalation",
          "fired_at", "done", "created_at", "updated_at", "closed_at", "event_seq", "seq",
          "at", "what", "category", "area", "district", "gate_opens_at", "issued_at",
          "reissues", "message_id", "sent"}


def _short(path: str, value: Any) -> str:
    key = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
    if key not in _SHOWN and not isinstance(value, bool | int | float | None):
        return "(a value)"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
