"""R-OLA, R-MIU: what the 12-month purge takes, with the unit's questions about it.

Entries past `timers.ola_expiry` go with their originals; so do originals no
entry took (a question the unit never answered) once as old, and the questions
about those originals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from mailbot.core.durations import Duration
from mailbot.core.miu.tasks import DeskTask
from mailbot.core.register import Purge, RegisterEntry, purge_due


def purge_plan(entries: Sequence[RegisterEntry], originals: Mapping[str, datetime],
               tasks: Sequence[DeskTask], now: datetime, expiry: Duration
               ) -> tuple[Purge, tuple[str, ...], tuple[DeskTask, ...]]:
    """What the purge takes (R-OLA): entries past `expiry` with their originals, and
    originals no entry took (a question the unit never answered) once as old; the
    questions about those originals go with them. (purge, originals to delete,
    questions kept)."""
    result = purge_due(entries, now, expiry)
    kept = {o for e in result.kept for o in e.originals}
    cutoff = expiry.before(now)
    doomed = set(result.originals) | {o for o, saved in originals.items()
                                      if o not in kept and saved <= cutoff}
    return (result, tuple(sorted(doomed)),
            tuple(t for t in tasks if t.original_id not in doomed))
