"""Subject access (issue 15 §3): everything the bot holds that mentions one child.

`find` goes through the store's own files, not only the index of open alerts: the
open alerts, the archive of closed ones, every event log (the alerts' own, and
what was refused or held as a duplicate), every mail sent or waiting, and the
register of other councils' alerts with the mail they came in. Each file is read
once; the store's scan picks the candidates that hold a word of the question and
this module keeps those that really mention the child (`core.records.subject`).
Before the search, one empty commit settles the hot state into the cold files
(its events and closed alerts), so nothing the bot did a moment ago is missed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailbot.core.records.access import ACCESS_LOG
from mailbot.core.records.subject import Query, alert_matches, entry_matches, text_mentions
from mailbot.core.register import RegisterEntry
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.state import Decision
from mailbot.ports import RecordScan, Store
from mailbot.records import OutboxEntry
from mailbot.service.alert_record import mail_text

SUFFIXES = (".refused", ".duplicates", ACCESS_LOG)


@dataclass
class Found:
    query: Query
    alerts: list[Alert] = field(default_factory=list)           # open and archived, by ref
    register: list[RegisterEntry] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)            # in other alerts' logs
    mails: dict[str, list[OutboxEntry]] = field(default_factory=dict)   # by alert ref
    other_mails: list[OutboxEntry] = field(default_factory=list)  # mentioning, not the alerts'
    originals: dict[str, bytes] = field(default_factory=dict)     # register originals, by id

    @property
    def refs(self) -> list[str]:
        return [a.ref for a in self.alerts]

    def counts(self, events_of_alerts: int = 0) -> dict[str, int]:
        return {"alerts": len(self.alerts), "register_entries": len(self.register),
                "events": events_of_alerts + len(self.events),
                "mails": sum(map(len, self.mails.values())) + len(self.other_mails)}


def base_ref(log: str) -> str:
    for suffix in SUFFIXES:
        if log.endswith(suffix):
            return log.removesuffix(suffix)
    return log


def settle(store: Store) -> None:
    """Move the hot state's events and closed alerts out to the cold files, where the
    scan reads them: an empty commit does exactly that and changes nothing else."""
    store.commit(Decision(state=store.load(), note="records search: history settled"))


def find(store: Store, scan: RecordScan, query: Query, now: datetime) -> Found:
    settle(store)
    needles = query.needles()
    found = Found(query)
    alerts = {a.ref: a for a in store.load().alerts.values() if alert_matches(a, query)}
    alerts.update((a.ref, a) for a in scan.archived(needles) if alert_matches(a, query))
    found.alerts = [alerts[r] for r in sorted(alerts)]
    for event in scan.events(needles):
        if base_ref(event.ref) in alerts or event.ref.endswith(ACCESS_LOG):
            continue   # the found alerts' own logs go whole into their records
        if text_mentions(json.dumps([event.message_id, event.detail], ensure_ascii=False),
                         query):
            found.events.append(event)
    # one pass over the sent log: the found alerts' mail, and any other that mentions
    refs = set(alerts)
    candidates = {e.message_id: e for e in scan.sent(needles=needles, refs=refs)}
    for e in [*store.pending_outbox(), *store.sent_log(now - timedelta(days=2))]:
        candidates.setdefault(e.message_id, e)
    found.mails = {ref: [] for ref in sorted(refs)}
    for e in sorted(candidates.values(), key=lambda e: (e.created_at, e.message_id)):
        if e.ref in refs:
            found.mails[e.ref].append(e)
        elif text_mentions(mail_text(e.data), query):
            found.other_mails.append(e)
    register = store.register
    mentioning = {oid for oid in register.originals()
                  if text_mentions(mail_text(register.original(oid)), query)}
    for entry in register.entries():
        if entry_matches(entry, query) or mentioning.intersection(entry.originals):
            found.register.append(entry)
            for oid in entry.originals:
                if oid in register.originals():
                    found.originals[oid] = register.original(oid)
    return found
