"""Writing the access log (issue 15 §5): every look at the records, committed to the
store's event log before the command says it is done. The events themselves are
the core's (`mailbot.core.records.access`); this is the one place that writes them,
for export and find here and for erasure and restriction alike."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from mailbot.core.records.access import ALL_ACCESS, access_events, access_ref
from mailbot.core.values.alert import Event
from mailbot.core.values.state import Decision
from mailbot.ports import Store


def who() -> str:
    """The operating-system user running the command (the person at the keyboard)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):   # no name for the uid (a bare container): the number
        getuid = getattr(os, "getuid", None)   # POSIX only; Windows always has a name
        return f"uid {getuid()}" if getuid else "an unknown user"


def log_access(store: Store, at: datetime, *, action: str, refs: Sequence[str], asked: str,
               found: Mapping[str, int], user: str | None = None, **extra: Any) -> Event:
    """Commit one records_access event to each touched alert's access log and to
    ALL_ACCESS; return the ALL_ACCESS one (its seq names the look)."""
    events = access_log_events(store, at, action=action, refs=refs, asked=asked, found=found,
                               user=user, **extra)
    store.commit(Decision(state=store.load(), events=tuple(events),
                          note=f"records access: {action} ({len(refs)} alert(s))"))
    return events[0]


def access_log_events(store: Store, at: datetime, *, action: str, refs: Sequence[str],
                      asked: str, found: Mapping[str, int], user: str | None = None,
                      **extra: Any) -> list[Event]:
    """The events of one look, each following its log (the caller commits them: erasure
    with the removal itself)."""
    logs = [ALL_ACCESS, *(access_ref(r) for r in refs)]
    last = {log: max((e.seq for e in store.events(log)), default=0) for log in logs}
    return access_events(refs, last, at, user=user or who(), action=action, asked=asked,
                         found=found, **extra)
