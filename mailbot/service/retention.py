"""Retention, erasure and restriction of alerts' records (issue 15), in the shell.

`plan` lists which closed alerts are past their category's period (`retention:`
in routing.yaml) and when each became so; `apply` removes their personal data
from the store (every file: mailbot.adapters.store.scrub), from the Maildir
folders and the file outbox when those are in use, logs one event on each
alert's log, one line in `retention/runs.jsonl` (counted by the weekly digest)
and one INFO log line with the references. `RetentionHook` runs it on the
clock, once a day at the first tick of the day.

`erase` does the same for one alert now, for a reason given, and records who
ran it (`records_access` events, shown by `mailbot explain`); `restrict` marks
an alert restricted (stored, no further mail about it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast

from mailbot.core.retention import RETAIN_RULE, Due, past_retention, stripped_alert
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.state import Decision, with_alerts
from mailbot.core.wording import local
from mailbot.errors import MailbotError
from mailbot.ports import RecordsStore
from mailbot.service import access_log
from mailbot.service.service import HookWork, Service

if TYPE_CHECKING:
    from mailbot.core.context import Ctx

log = logging.getLogger(__name__)


class RecordsRefused(MailbotError):
    """An erasure or restriction the bot will not do as asked (the message says why)."""


@dataclass(frozen=True)
class Outcome:
    refs: tuple[str, ...]
    files: int = 0
    mail_removed: int = 0


def records(service: Service) -> RecordsStore:
    """The service's store as one that keeps records to a schedule (the real one)."""
    store = service.store
    if not hasattr(store, "remove_personal"):
        raise RecordsRefused("this store keeps no records to a retention schedule")
    return cast("RecordsStore", store)


def candidates(service: Service, now: datetime) -> Iterable[Alert]:
    """Closed alerts that might be past retention: archived in a month old enough for
    the shortest period, and those not archived yet."""
    month = _shortest(service, now).before(now).astimezone(UTC).strftime("%Y-%m")
    yield from records(service).closing_alerts()
    yield from records(service).archived_before(month)


def _shortest(service: Service, now: datetime) -> Any:
    retention = service.config.retention
    return min([retention.default, *retention.categories.values()], key=lambda d: d.after(now))


@dataclass(frozen=True)
class Unclaimed:
    """What retention removes that belongs to no alert: mail rejected or set aside for a
    person (in the bot's own Maildir) older than the default period, and the copies
    taken before upgrades older than the shortest period."""

    mail: int = 0
    backups: int = 0


def unclaimed(service: Service, now: datetime, *, dry_run: bool = False) -> Unclaimed:
    mail = 0
    before = service.config.retention.default.before(now)
    for mailbox in service.mailboxes.values():
        forget = getattr(mailbox, "forget_filed_before", None)
        if forget is not None:
            mail += forget(("rejected", "needs_attention"), before, dry_run=dry_run)
    prune = getattr(service.store, "prune_backups", None)
    backups = prune(_shortest(service, now).before(now), dry_run=dry_run) if prune else 0
    found = Unclaimed(mail, backups)
    if not dry_run and (mail or backups):
        records(service).log_retention({"at": now.astimezone(UTC).isoformat(),
                                        "action": "unclaimed", "mail": mail,
                                        "backups": backups})
        log.info("retention: %d message(s) rejected or set aside and %d upgrade copy(ies) "
                 "past their period removed", mail, backups)
    return found


def plan(service: Service, now: datetime) -> list[Due]:
    return past_retention(candidates(service, now), service.config, now)


def apply(service: Service, now: datetime, dues: Sequence[Due] | None = None) -> Outcome:
    """Remove the personal data of every closed alert past retention."""
    dues = plan(service, now) if dues is None else dues
    if not dues:
        return Outcome(())
    store = records(service)
    stripped: dict[str, Alert] = {}
    events: list[Event] = []
    for due in dues:
        alert = store.archived_alert(due.ref)
        if alert is None:
            continue
        alert = stripped_alert(alert, store.secret, now)
        seq = alert.event_seq + 1
        stripped[due.ref] = alert.model_copy(update={"event_seq": seq})
        events.append(Event(ref=due.ref, seq=seq, at=now, rule=RETAIN_RULE,
                            what="personal_data_removed",
                            detail={"action": "retention",
                                    "period": service.config.retention.period(due.category).text}))
    outcome = _remove(service, stripped, events, now)
    store.log_retention({"at": now.astimezone(UTC).isoformat(), "action": "retention",
                         "refs": list(outcome.refs)})
    log.info("retention: personal data removed from %d closed alert(s) past their period: %s",
             len(outcome.refs), ", ".join(outcome.refs))
    return outcome


def _remove(service: Service, stripped: dict[str, Alert], events: list[Event],
            now: datetime) -> Outcome:
    mail = 0

    def forget_mail(removed: Any) -> None:
        """The Maildir folders and the file outbox, when the bot keeps mail in them: a
        server's mailbox (IMAP, Exchange) keeps its copies to the council's own policy."""
        nonlocal mail
        for mailbox in service.mailboxes.values():
            forget = getattr(mailbox, "forget", None)
            if forget is not None:
                mail += forget(removed.incoming)
        forget = getattr(service.sender, "forget", None)
        if forget is not None:
            mail += forget(removed.outgoing)

    removed = records(service).remove_personal(stripped, events, now, forget_mail)
    return Outcome(tuple(sorted(stripped)), removed.files, mail)


def erase(service: Service, ref: str, reason: str, *, force: bool = False,
          user: str | None = None) -> Outcome:
    """UK GDPR art. 17: remove one alert's personal data now, as retention would."""
    if not reason.strip():
        raise RecordsRefused("give the reason for the erasure (--reason TEXT): it is recorded")
    now = service.clock.now()
    store = records(service)
    state = store.load()
    alert = state.alerts.get(ref) or store.archived_alert(ref)
    if alert is None:
        raise RecordsRefused(f"{ref}: no such alert (open or archived) in {store.folder}")
    if alert.status != "closed" and not force:
        raise RecordsRefused(
            f"{ref} is still open ({alert.status}): the procedure is still running on it, and "
            "its next steps need the child's details. Close it (de-alert) first, or add --force "
            "to erase now; the steps still to come will then go without the details")
    who = user or access_log.who()
    # on the alert's access log and the log of every look, in the removal's own commit
    events = _access(store, ref, now, who, "erase", reason=reason.strip()[:500],
                     open=alert.status != "closed")
    stripped = stripped_alert(alert, store.secret, now)
    outcome = _remove(service, {ref: stripped}, events, now)
    store.log_retention({"at": now.astimezone(UTC).isoformat(), "action": "erase",
                         "refs": [ref], "user": who})
    log.info("erasure: personal data removed from %s by %s", ref, who)
    return outcome


def restrict(service: Service, ref: str, reason: str = "", *, user: str | None = None) -> None:
    """UK GDPR art. 18: keep the record, but no further mail about it."""
    now = service.clock.now()
    store = records(service)
    state = store.load()
    alert = state.alerts.get(ref)
    if alert is None:
        if store.archived_alert(ref) is not None:
            raise RecordsRefused(f"{ref} is closed: the bot does nothing more with it already; "
                                 "nothing to restrict (erase it if the law asks)")
        raise RecordsRefused(f"{ref}: no such alert in {store.folder}")
    who = user or access_log.who()
    events = _access(store, ref, now, who, "restrict", reason=reason.strip()[:500])
    changed = alert.model_copy(update={"restricted": True, "updated_at": now})
    new = state.model_copy(update={"alerts": with_alerts(state.alerts, put={ref: changed})})
    store.commit(Decision(state=new, events=tuple(events), note=f"{ref} restricted"))
    log.info("restriction: %s restricted by %s", ref, who)


def _access(store: RecordsStore, ref: str, at: datetime, who: str, action: str,
            **extra: Any) -> list[Event]:
    """The access log's events for an erasure or restriction (service/access_log.py)."""
    return access_log.access_log_events(store, at, action=action, refs=[ref], asked=ref,
                                        found={"alerts": 1}, user=who, **extra)


def refs_of_child(service: Service, liberi: str) -> list[str]:
    """Every alert (open or archived) whose form names this Liberi ID."""
    wanted = "".join(liberi.split()).casefold()
    store = records(service)
    alerts = [*store.load().alerts.values(), *store.closing_alerts(),
              *store.archived_before("9999-12")]
    return sorted({a.ref for a in alerts
                   if "".join((a.form.case_id or "").split()).casefold() == wanted})


def describe(dues: Sequence[Due], service: Service) -> str:
    """What `mailbot retention --dry-run` prints: references, never names."""
    if not dues:
        return "nothing is past its retention period"
    lines = [f"{len(dues)} closed alert(s) past retention (their personal data would be removed):"]
    for due in dues:
        lines.append(f"  {due.ref}  {due.category}  closed {local(due.closed_at, service.config)}"
                     f"  kept until {local(due.until, service.config)}")
    return "\n".join(lines)


class RetentionHook:
    """Retention on the clock: at the first tick of each day (a tick comes every minute
    in `mailbot run`; the simulated clock ticks at every deadline). Asks for no tick
    of its own."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._day: date | None = None

    def tick(self, ctx: Ctx) -> HookWork:
        today = ctx.now.date()
        if self._day != today:
            self._day = today
            apply(self.service, ctx.now)
            unclaimed(self.service, ctx.now)
        return HookWork()

    def next_due(self, now: datetime) -> datetime | None:
        return None


def removed_count(service: Any, since: datetime, until: datetime) -> int:
    """Records past retention removed between `since` and `until` (the digest's line)."""
    count = 0
    for run in records(service).retention_runs(since):
        refs = run.get("refs")
        if run.get("action") == "retention" and isinstance(refs, list) and \
                datetime.fromisoformat(str(run["at"])) < until:
            count += len(refs)
    return count
