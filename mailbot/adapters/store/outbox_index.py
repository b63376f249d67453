"""What the sending path asks of the hot outbox, at the cost of what changed (issue 12).

The hot outbox holds a day of sent mail (the sending caps count it): on a heavy day,
3,000 entries. Every pass asked two things of all of them: which entries wait to be
sent (`Store.pending_outbox`, three times a form), and how many mails each address
had in the last hour and day (`Store.sent_counts`). Both were a pass over the day.

`OutboxIndex` keeps the answers and brings them up to date from the outbox itself
when asked: the store never changes an outbox mapping in place (a write makes a new
one, and a changed entry is a new object), so what differs from the mapping the index
last saw is found by identity (`core/values/state.changes`, a pass in C), and only
those entries are learned again. Nothing else has to tell the index of a change, so
no write path can forget to.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping
from datetime import datetime

from mailbot.core.values.state import Derived, changes
from mailbot.records import OutboxEntry

WAITING = ("pending", "sending")


class Outbox(Derived):
    """The hot outbox as a write leaves it: a `Derived` mapping, never changed in place
    but derived from the one before (`derived`), so what changed between two of them
    costs what changed (`core/values/state.changes`), as for the open alerts, not a
    pass over the day's 3,000 entries at every write and every pass."""

    __slots__ = ()


def derived(outbox: Mapping[str, OutboxEntry], put: Mapping[str, OutboxEntry] | None = None,
            drop: Iterable[str] = ()) -> Outbox:
    """`outbox` with `put` put (new or replaced) and `drop` dropped, as a new Outbox that
    remembers it (a plain dict given is taken as the start of a lineage)."""
    base = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
    new: Outbox = base.derive(put, drop)
    return new


class OutboxIndex:
    """The waiting entries, and each address's sending times (hot, sent mail only)."""

    def __init__(self) -> None:
        self._of: Mapping[str, OutboxEntry] | None = None   # the outbox it answers for
        self._waiting: dict[str, OutboxEntry] = {}
        # each entry's place in the outbox (first seen), which breaks a tie of
        # created_at as the outbox's order did: the mails of one decision, in order
        self._place: dict[str, int] = {}
        self._next_place = 0
        # address -> sorted (sent_at, message_id), once for each time the address is
        # on an entry's envelope (as the caps count it)
        self._sent: dict[str, list[tuple[datetime, str]]] = {}

    def waiting(self, outbox: Mapping[str, OutboxEntry]) -> list[OutboxEntry]:
        """Entries "pending" or "sending", oldest first."""
        self.follow(outbox)
        place = self._place
        return sorted(self._waiting.values(), key=lambda e: (e.created_at, place[e.message_id]))

    def sent_counts(self, outbox: Mapping[str, OutboxEntry], addresses: Iterable[str],
                    hour_since: datetime, day_since: datetime) -> dict[str, tuple[int, int]]:
        """For each of `addresses`: (mail sent to it from `hour_since` on, from
        `day_since` on), of the sent entries in `outbox`."""
        self.follow(outbox)
        counts: dict[str, tuple[int, int]] = {}
        for address in addresses:
            times = self._sent.get(address, ())
            counts[address] = (len(times) - bisect_left(times, (hour_since,)),
                               len(times) - bisect_left(times, (day_since,)))
        return counts

    def follow(self, outbox: Mapping[str, OutboxEntry]) -> None:
        """Brought up to date with `outbox`, and holding it (not the one before: its
        entries no longer in the outbox, and the snapshot their mail is kept in, are
        let go)."""
        before = self._of
        if outbox is before:
            return
        if before is not None:
            put, gone = changes(before, outbox)
            forgotten = [self._forget(before[key]) for key in gone] + [
                self._forget(before[key]) for key in put if key in before]
            if all(forgotten):
                for key in gone:
                    del self._place[key]
                for key in put:
                    self._learn(outbox[key])
                self._of = outbox
                return
        self._waiting.clear()   # first asked, or out of step (never expected): made again
        self._sent.clear()
        self._place.clear()
        for entry in outbox.values():
            self._learn(entry)
        self._of = outbox

    def _learn(self, entry: OutboxEntry) -> None:
        if entry.message_id not in self._place:
            self._place[entry.message_id] = self._next_place
            self._next_place += 1
        if entry.status in WAITING:
            self._waiting[entry.message_id] = entry
        elif entry.status == "sent" and entry.sent_at is not None:
            for address in entry.envelope_to:
                insort(self._sent.setdefault(address, []), (entry.sent_at, entry.message_id))

    def _forget(self, entry: OutboxEntry) -> bool:
        """`entry` (as learned) taken out; False if it was not there as learned."""
        self._waiting.pop(entry.message_id, None)
        if entry.status != "sent" or entry.sent_at is None:
            return True
        for address in entry.envelope_to:
            times = self._sent.get(address, [])
            at = bisect_left(times, (entry.sent_at, entry.message_id))
            if at == len(times) or times[at] != (entry.sent_at, entry.message_id):
                return False
            del times[at]
            if not times:
                del self._sent[address]
        return True
