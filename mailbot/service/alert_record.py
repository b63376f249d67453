"""One alert's full record (issue 15 §2), gathered from the store for `mailbot export`.

The form as it stands, each field under the label the form itself used; every
line of its logs (the alert's own, what was refused on it, its duplicates, who
looked at it) in the procedure's words with who allowed it and the rule; every
mail sent about it with its recipients; and every clock with whether it was met.
Open and closed alerts alike. Rendering is the HTML adapter's (record_html.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from mailbot.core import plain, wording
from mailbot.core.alerts import duplicate
from mailbot.core.authority.refusal import refusals_ref
from mailbot.core.config import Config
from mailbot.core.records.access import access_ref
from mailbot.core.records.deadlines import deadlines
from mailbot.core.values.alert import Alert, Event
from mailbot.core.wording import LABELS
from mailbot.errors import MailbotError
from mailbot.ports import RecordScan, Store
from mailbot.records import OutboxEntry

LOGS = (("alert", ""), ("refused", "refused"), ("duplicates", "duplicates"), ("access", "access"))


@dataclass(frozen=True)
class EventLine:
    at: str
    what: str
    allowed: str
    rule: str
    log: str                 # alert / refused / duplicates / access
    message_id: str


@dataclass(frozen=True)
class MailLine:
    message_id: str
    purpose: str
    subject: str
    to: str
    cc: str
    envelope: str
    created: str
    sent: str
    status: str
    data: bytes


@dataclass(frozen=True)
class DeadlineLine:
    kind: str
    what: str
    rule: str
    who: str
    set_at: str
    due: str
    ended: str
    outcome: str
    chasers: int


@dataclass(frozen=True)
class AlertRecord:
    ref: str
    alert: Alert
    state: str                          # open / closed
    heading: str                        # "C8 Child in Care missing, Thanet"
    fields: list[tuple[str, str]]       # (label as the form wrote it, value)
    submitter: str
    raised: str
    closed: str
    incoming: list[tuple[str, str]]     # (when first seen, Message-ID) of each message that acted
    events: list[EventLine]
    mails: list[MailLine]
    deadlines: list[DeadlineLine]


def form_fields(alert: Alert, config: Config) -> list[tuple[str, str]]:
    form = alert.form
    rows: list[tuple[str, str]] = []
    for name, label in LABELS.items():
        value = getattr(form, name)
        if value is None:
            continue
        if name == "alert_type":
            shown = wording.ALERT_TYPES[form.alert_type]
        elif name == "category" and config.categories.get(str(value)):
            shown = f"{value} {config.categories[str(value)].name}"
        else:
            shown = wording.show(value, config)
        rows.append((form.labels.get(name) or label, shown))
    return rows


def find_alert(store: Store, ref: str) -> Alert:
    alert = store.load().alerts.get(ref) or store.archived_alert(ref)
    if alert is None:
        raise MailbotError(f"no alert {ref} in the store (open or archived); check the "
                           "reference with `mailbot status` or the digest")
    return alert


def all_events(store: Store, ref: str) -> list[tuple[str, Event]]:
    logs = {"alert": ref, "refused": refusals_ref(ref), "duplicates": duplicate.log_ref(ref),
            "access": access_ref(ref)}
    found = [(kind, e) for kind, log in logs.items() for e in store.events(log)]
    return sorted(found, key=lambda item: (item[1].at, item[1].ref, item[1].seq))


def mails_for(store: Store, scan: RecordScan, alerts: list[Alert], now: datetime
              ) -> dict[str, list[OutboxEntry]]:
    """Every mail sent (or waiting) about each alert, by its reference: the sent log
    from the month the earliest was raised, and the outbox still hot."""
    refs = {a.ref for a in alerts}
    if not refs:
        return {}
    first = min(a.created_at for a in alerts).strftime("%Y-%m")
    entries = {e.message_id: e for e in scan.sent(refs=refs, months=(first, "9999-12"))}
    for e in [*store.pending_outbox(), *store.sent_log(now - timedelta(days=2))]:
        if e.ref in refs:
            entries.setdefault(e.message_id, e)
    by_ref: dict[str, list[OutboxEntry]] = {r: [] for r in refs}
    for e in sorted(entries.values(), key=lambda e: (e.created_at, e.message_id)):
        if e.ref in by_ref:
            by_ref[e.ref].append(e)
    return by_ref


def headers(data: bytes) -> Message:
    return BytesHeaderParser(policy=default_policy).parsebytes(data)


def mail_text(data: bytes) -> str:
    """A rendered message's subject and text parts, decoded (for finding a name)."""
    message = message_from_bytes(data, policy=default_policy)
    parts = [str(message.get("Subject", ""))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, ValueError):
                payload = part.get_payload(decode=True)
                parts.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes)
                             else "")
    return "\n".join(parts)


def mail_line(e: OutboxEntry, config: Config) -> MailLine:
    h = headers(e.data)

    def when(t: datetime | None) -> str:
        return wording.local(t, config) if t else "-"

    return MailLine(message_id=e.message_id, purpose=plain.purpose(e.purpose),
                    subject=str(h.get("Subject", "")), to=str(h.get("To", "")),
                    cc=str(h.get("Cc", "") or ""), envelope=", ".join(e.envelope_to),
                    created=when(e.created_at), sent=when(e.sent_at),
                    status=e.status + (f" ({e.last_error})" if e.last_error else ""),
                    data=e.data)


def event_words(config: Config, e: Event, when: Callable[[datetime], str]) -> str:
    """`explain`'s words, and who sent a message that was refused or held (the record
    says who made each decision, including the ones the bot would not take)."""
    text = plain.event(config, e.what, e.detail, when)
    sender = e.detail.get("from")
    return f"{text}, from {sender}" if sender and str(sender) not in text else text


def deadline_words(config: Config, kind: str, name: str) -> str:
    if kind == "step":
        return plain.stage(config, name)
    if kind == "task":
        return plain.task(name)
    if kind == "clock":
        return plain.clock_title(name)
    return name.replace("_", " ")


def gather(store: Store, scan: RecordScan, config: Config, ref: str, now: datetime, *,
           mails: list[OutboxEntry] | None = None) -> AlertRecord:
    alert = find_alert(store, ref)

    def when(t: datetime) -> str:
        return wording.local(t, config)

    logged = all_events(store, ref)
    events = [EventLine(when(e.at), event_words(config, e, when),
                        plain.words(str(e.detail.get("authority", "")), config), e.rule, kind,
                        e.message_id or "") for kind, e in logged]
    incoming: dict[str, datetime] = {}
    for _, e in logged:
        if e.message_id and e.message_id not in incoming:
            incoming[e.message_id] = e.at
    if alert.source_message and alert.source_message not in incoming:
        incoming[alert.source_message] = alert.created_at
    if mails is None:
        mails = mails_for(store, scan, [alert], now).get(ref, [])
    closed = alert.status == "closed"
    rows = []
    for d in deadlines(alert, [e for kind, e in logged if kind == "alert"]):
        what = deadline_words(config, d.kind, d.name)
        person = config.people.get(d.who)
        rows.append(DeadlineLine(d.kind, what, d.rule,
                                 person.name if person else d.who.removeprefix("email:"),
                                 when(d.set_at), when(d.due_at) if d.due_at else "-",
                                 f"{d.done} {when(d.done_at)}" if d.done_at else "-",
                                 d.outcome(now, closed), d.chasers))
    cat = config.categories.get(alert.category)
    return AlertRecord(
        ref=ref, alert=alert, state="closed" if closed else "open",
        heading=f"{alert.category} {cat.name if cat else ''}, {alert.district}".replace(" ,", ","),
        fields=form_fields(alert, config), submitter=str(alert.submitter),
        raised=when(alert.created_at), closed=when(alert.closed_at) if alert.closed_at else "",
        incoming=[(when(at), mid) for mid, at in incoming.items()],
        events=events, mails=[mail_line(e, config) for e in mails], deadlines=rows)
