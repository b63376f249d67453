"""`mailbot rebuild`: a new store from the mailboxes, which are the record (issue 14 §7).

What the bot did is kept twice outside its store: every message it handled is
filed in a mailbox folder (Processed, Needs-Attention, Rejected), and every
message it sent has a sent copy (the file outbox, or the SMTP sender's sent-copy
folders). Replaying the filed messages in the order the mailbox took them,
through the same service and pure core, on a clock set to each message's time,
with the clock's due moments ticked in between, reaches the state the bot had:
the same alerts, steps, deadlines and tokens.

Nothing is sent and nothing is moved: the replay's mailboxes acknowledge nothing
and its sender refuses to send. Mail the replay decides to send is matched to the
sent copies by Message-ID and recorded as sent at the copy's time; mail without a
copy is left pending (the next `run` sends it, as after a crash) and listed, as are
copies the replay did not decide to send. Reply tokens come from the sent copies'
Message-IDs (`Ctx.known_tokens`): the new store has a new secret, but people hold
the old tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from mailbot.core import on_message, on_tick
from mailbot.core.config import Config
from mailbot.core.intake.mail.read import read_message
from mailbot.errors import ConfigError, StoreError
from mailbot.ports import ArchivedMessage, FiledMail, InboxMessage, RenderedMail, SentCopies, Store, uid_order
from mailbot.records import OutboxChange, OutboxEntry
from mailbot.service.bootstrap import bootstrap, new_store, open_store
from mailbot.service.config_file import DEFAULT_CONFIG, read_config
from mailbot.service.record import Copy, installation_of, known_tokens, open_sources, sent_copies
from mailbot.service.service import Service
from mailbot.service.store_compare import compare, open_tokens

REPORT_NAME = "rebuild-report.txt"
HOT_FILE = "db.json"        # the store's snapshot: a folder without it holds no store
FOLDER_KEYS = {"processed": "Processed", "needs_attention": "Needs-Attention",
               "rejected": "Rejected"}
_STUCK = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class ReplayClock:
    t: datetime

    def now(self) -> datetime:
        return self.t


class _Filed:
    """A replayed mailbox: its messages come from the filed folders, one at a time;
    acknowledging moves nothing (they are filed already)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fetch(self) -> Iterator[InboxMessage]:
        return iter(())

    def acknowledge(self, message: InboxMessage, folder: str) -> None:
        """Filed already: nothing to move."""

    def acknowledge_many(self, handled: Any) -> None:
        """Filed already: nothing to move."""

    def wait(self, timeout: float) -> None:
        """Never waited on."""

    def close(self) -> None:
        """Holds nothing."""


class _NoSender:
    """The replay's sender: answers from the sent copies, and never sends."""

    def __init__(self, copies: Mapping[str, Copy]) -> None:
        self._copies = copies

    def send(self, mail: RenderedMail) -> None:
        raise RuntimeError(f"mailbot rebuild sends nothing (asked to send {mail.message_id})")

    def already_sent(self, message_id: str) -> bool:
        return message_id in self._copies

    def close(self) -> None:
        """Holds nothing."""


@dataclass
class RebuildReport:
    """What was replayed and rebuilt, and every place the replay and the record differ."""

    state_dir: Path
    until: datetime | None = None
    replayed: dict[str, int] = field(default_factory=dict)      # "mailbox/folder" -> count
    ticks: int = 0
    matched: int = 0                                             # decided and found sent
    unsent: list[OutboxEntry] = field(default_factory=list)     # decided, no sent copy
    unexplained: list[Copy] = field(default_factory=list)       # sent copies not decided
    refiled: list[str] = field(default_factory=list)            # filed elsewhere than decided
    summary: list[str] = field(default_factory=list)
    differences: list[str] | None = None                        # vs an old store, if given

    def text(self) -> str:
        lines = [f"mailbot rebuild into {self.state_dir}",
                 f"replayed up to {self.until.isoformat() if self.until else '(no mail)'}: "
                 + (", ".join(f"{k} {v}" for k, v in sorted(self.replayed.items())) or "nothing"),
                 f"clock ticks replayed: {self.ticks}",
                 f"mail decided and found among the sent copies (recorded as sent): "
                 f"{self.matched}", "", *self.summary, ""]
        lines.append(f"Mail decided with no sent copy: {len(self.unsent)}"
                     + (" (left pending: the next run sends it)" if self.unsent and
                        self.unsent[0].status == "pending" else ""))
        lines += [f"  {e.created_at.isoformat()}  {e.ref or '-'}  {e.purpose}  {e.message_id}"
                  for e in self.unsent]
        lines.append(f"Sent copies the replay did not decide to send: {len(self.unexplained)}")
        lines += [f"  {c.at.isoformat()}  {c.message_id}" for c in self.unexplained]
        lines.append(f"Messages filed in another folder than the replay chose: "
                     f"{len(self.refiled)}")
        lines += [f"  {line}" for line in self.refiled]
        if self.differences is not None:
            lines.append(f"Differences from the old store: {len(self.differences)}")
            lines += [f"  {d}" for d in self.differences]
        return "\n".join(lines) + "\n"


def run_rebuild(config_path: Path | str | None, state_dir: Path, mail_root: Path, *,
                since: str | None = None, until: str | None = None,
                compare_with: Path | None = None, assume_sent: bool = False
                ) -> tuple[RebuildReport, str]:
    """`mailbot rebuild`: read the record, replay it into `state_dir`, write the report
    there (rebuild-report.txt, 0600), compare with `compare_with` when given."""
    config = read_config(config_path or DEFAULT_CONFIG)
    when = {name: _when(name, value) for name, value in (("--from-date", since),
                                                         ("--until", until))}
    mailboxes, sender = open_sources(config, mail_root)
    try:
        report = rebuild(config, state_dir, mailboxes, sender, since=when["--from-date"],
                         until=when["--until"], assume_sent=assume_sent)
    finally:
        for box in mailboxes.values():
            getattr(box, "close", lambda: None)()
        getattr(sender, "close", lambda: None)()
    if compare_with is not None:
        if not (compare_with / HOT_FILE).is_file():
            raise StoreError(f"{compare_with}: no mailbot store here to compare with "
                             f"({HOT_FILE} is missing)")
        old, new = open_store(compare_with), open_store(state_dir)
        try:
            report.differences = compare(old, new)
        finally:
            old.close()
            new.close()
    text = report.text()
    path = state_dir / REPORT_NAME
    path.write_text(text)
    path.chmod(0o600)
    return report, text


def _when(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(option, [f"{value!r} is not an ISO date or time "
                                   "(e.g. 2026-01-05 or 2026-01-05T08:00+00:00)"]) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# -- the replay ------------------------------------------------------------------------


def rebuild(config: Config, state_dir: Path, mailboxes: Mapping[str, FiledMail],
            sender: SentCopies, *, since: datetime | None = None,
            until: datetime | None = None, assume_sent: bool = False) -> RebuildReport:
    """Replay the filed mail into a new store at `state_dir` (which must hold none),
    ticking from `since` (the bot's first start; default: the first message or copy)
    to `until` (default: the last)."""
    state_dir = Path(state_dir)
    if state_dir.exists() and any(state_dir.iterdir()):
        raise StoreError(f"{state_dir}: mailbot rebuild writes a new store into an empty "
                         "folder; this one is not empty (give a new folder with --state)")
    filed = arrival_order(m for box in mailboxes.values() for m in box.filed())
    copies = sent_copies(sender.copies())
    times = [*(m.at for m in filed), *(c.at for c in copies.values())]
    report = RebuildReport(state_dir)
    if not times:
        raise StoreError("mailbot rebuild found no filed mail and no sent copies: there is "
                         "nothing to rebuild from (check --config and --mail-root)")
    # the bot's clock ran from its first start, which left no trace of its own unless it
    # sent something: what fell due before the first trace is replayed from `since`
    first, last = min([*times, *([since] if since else [])]), max(times)
    report.until = until = until or last
    clock = ReplayClock(first)
    # the old store's installation id, which every Message-ID it made carries: the
    # rebuilt store makes the same ids, so what was sent is known as sent (core/ids.py)
    store = new_store(state_dir, installation_of(copies))
    service = bootstrap(config, state_dir, clock=clock, store=store,
                        mailboxes={name: _Filed(name) for name in config.mailboxes},
                        sender=_NoSender(copies))
    service.known_tokens = known_tokens(copies)
    replay = _Replay(service, clock, copies, report)
    try:
        for message, following in _answer_order(filed, replay, until):
            if message.at > until:
                break
            replay.tick_until(message.at)
            following = following or until
            clock.t = max(clock.t, replay.handled_at(message, min(following, until)))
            chosen = service.handle(InboxMessage(mailbox=message.mailbox, uid=message.uid,
                                                 raw=message.raw))
            replay.settle()
            where = FOLDER_KEYS.get(chosen, chosen)
            wanted = str(config.mailboxes.get(message.mailbox, {}).get(chosen, where))
            if message.folder != wanted:
                report.refiled.append(f"{message.mailbox}/{message.folder} {message.uid}: "
                                      f"the replay would file it in {wanted}")
            key = f"{message.mailbox}/{message.folder}"
            report.replayed[key] = report.replayed.get(key, 0) + 1
        replay.tick_until(until)
        clock.t = max(clock.t, until)
        decided = replay.decided
        report.unexplained = sorted((c for mid, c in copies.items() if mid not in decided),
                                    key=lambda c: c.at)
        if assume_sent and report.unsent:
            service.store.mark_many({e.message_id: {
                "status": "sent", "sent_at": clock.t,
                "last_error": "rebuild: no sent copy found; recorded as sent (--assume-sent)"}
                for e in report.unsent}, clock.t)
            report.unsent = [replace(e, status="sent") for e in report.unsent]
        report.summary = summary(service.store, copies)
    finally:
        service.store.close()
    return report


def arrival_order(filed: Iterable[ArchivedMessage]) -> list[ArchivedMessage]:
    """The filed mail in the order it arrived: by the time the mailbox keeps, then, of
    one mailbox's messages in the same moment, by the ids it gave them, read as numbers
    (the bot read them in that order: mailbot.adapters.maildir, IMAP UIDs)."""
    return sorted(filed, key=lambda m: (m.at, m.mailbox, m.folder, uid_order(m.uid)))


def _answer_order(filed: list[ArchivedMessage], replay: _Replay, until: datetime
                  ) -> Iterator[tuple[ArchivedMessage, datetime | None]]:
    """The filed mail in time order, each with the next one's time; of messages with the
    same time (IMAP keeps whole seconds; two mailboxes do not say which came first), an
    answer to mail the bot sent goes after the message whose handling sent that mail."""
    start = 0
    while start < len(filed):
        end = start
        while end < len(filed) and filed[end].at == filed[start].at:
            end += 1
        group = filed[start:end]
        if group[0].at <= until:   # what fell due before them first: it may be what they answer
            replay.tick_until(group[0].at)
        while group:
            pick = next((m for m in group if not _waits_on(m, replay)), group[0])
            group.remove(pick)
            yield pick, group[0].at if group else filed[end].at if end < len(filed) else None
        start = end


def _waits_on(message: ArchivedMessage, replay: _Replay) -> bool:
    """Whether `message` answers a sent copy the replay has not yet decided to send."""
    head = _HEADERS.parsebytes(message.raw)
    named = " ".join(str(head.get(h, "")) for h in ("In-Reply-To", "References"))
    return any(mid in replay.copies and mid not in replay.decided
               for mid in re.findall(r"<([^<>\s]+)>", named))


_HEADERS = BytesHeaderParser()


class _Replay:
    def __init__(self, service: Service, clock: ReplayClock, copies: Mapping[str, Copy],
                 report: RebuildReport) -> None:
        self.service, self.clock, self.copies, self.report = service, clock, copies, report
        self.decided: set[str] = set()

    def tick_until(self, when: datetime) -> None:
        """Every due moment up to `when`, in turn, as the running bot ticked them."""
        last, stuck = None, 0
        while True:
            nxt = self.service.next_due()
            if nxt is None or nxt > when:
                return
            stuck = stuck + 1 if nxt == last else 0
            if stuck > _STUCK:
                raise StoreError(f"mailbot rebuild: the clock is stuck at {nxt.isoformat()} "
                                 "(it stays due after every tick); please report this")
            last = nxt
            self.clock.t = max(self.clock.t, self._ticked_at(nxt, when))
            self.service.tick()
            self.report.ticks += 1
            self.settle()

    def handled_at(self, message: ArchivedMessage, before: datetime) -> datetime:
        """When the running bot read `message`: the mailbox keeps when it arrived, and the
        bot read it at its next pass (at once with IDLE, up to a cron interval with
        `once`). The mail it sent in answer carries that moment in its Date: asked of the
        pure core without committing, the earliest such copy after the arrival (and not
        after `before`, the next message's arrival), else the arrival."""
        self.clock.t = max(self.clock.t, message.at)
        try:
            incoming = read_message(message.raw, self.service.config)
            decision = on_message.handle(self.service.store.load(), incoming,
                                         self.service.config, self.service.ctx())
        except Exception:   # the replay itself handles it as the bot did; this is a guess
            return message.at
        later = [c.at for out in decision.outgoing
                 if (c := self.copies.get(out.message_id)) is not None
                 and message.at < c.at <= before]
        return min(later, default=message.at)

    def _ticked_at(self, due: datetime, before: datetime) -> datetime:
        """When the running bot ticked for what fell due at `due`: `run` ticks once a
        minute, so up to a minute later, and the mail it sent then carries that moment
        in its Date. Asked of the pure core without committing: the tick's mail, and
        the earliest of its sent copies dated after `due` (and not after `before`)."""
        self.clock.t = max(self.clock.t, due)
        decision = on_tick.due(self.service.store.load(), self.service.config,
                               self.service.ctx())
        later = [c.at for out in decision.outgoing
                 if (c := self.copies.get(out.message_id)) is not None and due < c.at <= before]
        return min(later, default=due)

    def settle(self) -> None:
        """What was just decided: sent, where a copy shows it was; else left pending."""
        changes: dict[str, OutboxChange] = {}
        for entry in self.service.store.pending_outbox():
            if entry.message_id in self.decided:
                continue
            self.decided.add(entry.message_id)
            copy = self.copies.get(entry.message_id)
            if copy is None:
                self.report.unsent.append(entry)
                continue
            changes[entry.message_id] = {"status": "sent", "sent_at": copy.at, "last_error": ""}
            self.report.matched += 1
        if changes:
            self.service.store.mark_many(changes, self.clock.t)


def summary(store: Store, copies: Mapping[str, Copy]) -> list[str]:
    """The rebuilt store in figures and one line an open alert (references only)."""
    state = store.load()
    issued = set(known_tokens(copies).values())
    still = open_tokens(store)
    lines = [f"Open alerts: {len(state.alerts)}; closed (archived): "
             f"{len(store.closed_alerts(_EPOCH))}; references issued: "
             + (", ".join(f"{y}: {n}" for y, n in sorted(state.counters.items())) or "none"),
             f"Reply tokens: {len(still)} open, {len(issued - still)} spent (of "
             f"{len(issued)} sent); register entries: {len(store.register.entries())}, "
             f"MIU tasks open: {len(store.register.tasks())}"]
    for ref, alert in sorted(state.alerts.items()):
        steps = ", ".join(f"{w.id} due {w.due_at.isoformat()}" for w in alert.waits) or "no step"
        clocks = ", ".join(f"{t.rule} {t.due_at.isoformat()}" for t in alert.clocks
                           if not t.done) or "no clock"
        lines.append(f"  {ref} {alert.category} {alert.status}: {steps}; {clocks}")
    return lines
