"""The thin shell: one function per trigger (a message arrived; the clock ticked).

This is the only place that orders side effects, so it is the place to read
for exactly-once:

* a message: seen before? acknowledge it again and stop. Otherwise read it,
  decide (pure core, or the MIU desk), render what to send, then ONE atomic
  commit of the new state + events + outbox + the seen-record + the register's
  change; only then acknowledge (move) it on the server; then flush the outbox.
  A poll pass group-commits: a batch of messages (`ack_batch`) is decided one
  after another, each commit staged, then the batch's commits go to disk in one
  journal segment (`Store.sync`), and only then is its mail sent and the batch
  moved. A crash before that write loses the batch's decisions and nothing else:
  its messages are still in the inbox, unseen, and none of its mail has gone.
* the outbox: mark "sending" (durable), send, mark "sent". An entry found in
  "sending" after a crash is sent again only if the sender can show it did not
  leave (`already_sent` False, after a grace period for the mail system).
  Within a poll pass a batch's mail is sent by a worker thread while the next
  batch is read and decided; the store is written only here, on the main thread,
  and the worker's outcome is recorded before the next batch's mail is marked.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from mailbot.core import on_message, on_tick
from mailbot.core.config import Config
from mailbot.core.context import Ctx
from mailbot.core.dates import aware_instant
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import Incoming, MessageKind, Outgoing
from mailbot.core.values.state import Decision, State
from mailbot.errors import ServerBusy, StoreError, TransportError
from mailbot.ports import (
    Clock,
    Folder,
    InboxMessage,
    Mailbox,
    RenderedMail,
    Renderer,
    Sender,
    Store,
)
from mailbot.records import OutboxChange, OutboxEntry, RegisterWrite, SeenRecord
from mailbot.service.clockwork import Clockwork

log = logging.getLogger("mailbot")

Observer = Callable[[datetime, Decision, Incoming | None], None]

# within a poll pass (seconds; Python's default is 5 ms): how long the sending thread,
# its server's reply in, may wait for the thread reading mail to let it run
SWITCH_INTERVAL = 0.0005


@dataclass
class _Sending:
    """A batch of mail marked "sending", and what its outcome is weighed against."""

    batch: list[OutboxEntry]
    backing_off: list[OutboxEntry]     # paused after a failed send or by a cap
    counts: dict[str, tuple[int, int]]
    now: datetime
    released: bool = False


@dataclass(frozen=True)
class Decided:
    """A desk's decision on a message, and the register's change that goes with it
    into the same commit."""

    decision: Decision
    register: RegisterWrite | None = None


@dataclass(frozen=True)
class HookWork:
    """What a clock hook did on a tick: mail to send and the register's change,
    committed with the tick's decision."""

    outgoing: tuple[Outgoing, ...] = ()
    register: RegisterWrite | None = None


class Desk(Protocol):
    """The MIU inbox's own work (mailbot.service.miu), asked before the workflow:
    None when the message is the workflow's."""

    def __call__(self, state: State, inc: Incoming, ctx: Ctx,
                 message: InboxMessage) -> Decided | None: ...


class Watch(Protocol):
    """What the heartbeat (mailbot.service.heartbeat) is told: each mailbox read or not,
    each tick, and the end of each pass (when it writes the heartbeat file and tells
    the unit of an outage; True when it queued mail to send)."""

    def read(self, mailbox: str, now: datetime) -> None: ...
    def failed(self, mailbox: str, now: datetime, error: str) -> None: ...
    def ticked(self, now: datetime) -> None: ...
    def pass_done(self, service: Service) -> bool: ...


class ClockHook(Protocol):
    """Work of its own on the clock (the register's purge and questions, R-OLA)."""

    def tick(self, ctx: Ctx) -> HookWork: ...
    def next_due(self, now: datetime) -> datetime | None: ...


@dataclass
class Service:
    config: Config
    store: Store
    mailboxes: dict[str, Mailbox]
    sender: Sender
    renderer: Renderer
    clock: Clock
    holidays: frozenset[date] = frozenset()
    digest: Callable[[str, datetime], tuple[Outgoing, dict[str, bytes]] | None] | None = None
    # the MIU inbox's own work (mailbot.service.miu): asked first, None = the workflow's
    miu: Desk | None = None
    clock_hooks: list[ClockHook] = field(default_factory=list)
    observers: list[Observer] = field(default_factory=list)
    # the heartbeat and the outage notices (issue 14); None in most tests
    watch: Watch | None = None
    resend_grace: timedelta = timedelta(minutes=2)
    retry_backoff: tuple[int, ...] = (60, 300, 900, 3600)
    # handled messages moved on the server in one call (IMAP UID MOVE of the set)
    ack_batch: int = 25
    # reply tokens already sent, for a store rebuilt from the mailboxes (service/rebuild.py)
    known_tokens: Mapping[tuple[str, str, int], str] = field(default_factory=dict)
    # the caps' counts, kept through one poll pass (sends are counted in as they go)
    _counts: dict[str, tuple[int, int]] | None = field(default=None, init=False, repr=False)
    _in_pass: bool = field(default=False, init=False, repr=False)
    _asked: set[str] = field(default_factory=set, init=False, repr=False)
    _unwritten: dict[str, OutboxChange] = field(default_factory=dict, init=False, repr=False)
    # within a poll pass: the thread that sends a batch's mail while the next is decided,
    # and the batch it is sending (collected before anything else is sent or marked)
    _worker: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _in_flight: tuple[_Sending, Future[dict[str, OutboxChange]]] | None = field(
        default=None, init=False, repr=False)
    # mailbox -> until when (Unix time) its server asked for no calls, as of the last pass
    waiting: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    # the last pass's trouble, for the exit code (issue 14 §1): each mailbox that could
    # not be read (name -> why), and why the sender did not take mail ("" if it did)
    unreachable: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    send_failed: str = field(default="", init=False, repr=False)

    # -- triggers ---------------------------------------------------------------

    def ctx(self) -> Ctx:
        return Ctx(now=self.clock.now(), secret=self.store.secret,
                   holidays=self.holidays, known_tokens=self.known_tokens)

    def handle(self, message: InboxMessage) -> str:
        """One message from a watched mailbox, exactly once: committed, then moved."""
        folder = self._take(message)
        self.store.sync()
        self.mailboxes[message.mailbox].acknowledge(message, folder)
        return folder

    def _take(self, message: InboxMessage) -> Folder:
        """Decide on a message and stage its commit; where it is to be filed. Writing
        the commit (`Store.sync`, one for a batch) and then moving it are the caller's."""
        store = self.store
        digest = hashlib.sha256(message.raw).hexdigest()
        seen = store.seen(digest)
        if seen is not None:
            # recorded before, but the move did not happen (crash, or a person put it back)
            return seen.disposition
        ctx = self.ctx()
        incoming: Incoming | None = None
        try:
            incoming = read_message(message.raw, self.config)
            decided = self._decide(incoming, message, ctx)
        except Exception:  # a bug or a message beyond reading: a person must look
            log.exception("message %s could not be handled; kept for a person", digest[:12])
            decided = Decided(Decision(state=store.load(), disposition="needs_attention",
                                       note="could not be handled"))
        decision = decided.decision
        outbox = self._render(decision.outgoing, ctx.now)
        record = SeenRecord(sha256=digest, mailbox=message.mailbox, uid=message.uid,
                            message_id=incoming.message_id if incoming else "", at=ctx.now,
                            disposition=decision.disposition)
        store.commit(decision, seen=record, outbox=outbox, register=decided.register,
                     durable=False)
        self._observe(ctx.now, decision, incoming)
        log.info("%s %s -> %s: %s", message.mailbox, incoming.kind.value if incoming else "?",
                 decision.disposition, decision.note)
        return decision.disposition

    def _decide(self, incoming: Incoming, message: InboxMessage, ctx: Ctx) -> Decided:
        state = self.store.load()
        if incoming.kind is MessageKind.OWN and not self.store.was_recorded(incoming.message_id):
            # From the bot's own address, but not a message the bot sent: a forgery, or
            # mail sent as the shared mailbox by hand. Never filed away unread (issue 10).
            return Decided(Decision(
                state=state, disposition="needs_attention",
                note=f"From is the bot's own address but the bot never sent "
                     f"{incoming.message_id}: kept for a person"))
        if self.miu is not None:
            decided = self.miu(state, incoming, ctx, message)
            if decided is not None:
                return decided
        return Decided(on_message.handle(state, incoming, self.config, ctx))

    def tick(self) -> Decision:
        """Whatever fell due, once."""
        decision = self._tick()
        if self.watch is not None:
            self.watch.ticked(self.clock.now())
        return decision

    def _tick(self) -> Decision:
        ctx = self.ctx()
        loaded = self.store.load()
        decision = on_tick.due(loaded, self.config, ctx)
        images: dict[str, dict[str, bytes]] = {}
        outgoing = list(decision.outgoing)
        register: RegisterWrite | None = None
        for hook in self.clock_hooks:   # before the digest, which counts what they did
            try:
                work = hook.tick(ctx)
            except Exception:   # the register's trouble must not stop the alerts' clocks
                log.exception("clock hook %s failed; a person must look", type(hook).__name__)
                continue
            if work.register is not None:
                if register is not None:
                    raise RuntimeError("two clock hooks changed the register in one tick")
                register = work.register
            outgoing.extend(work.outgoing)
        if decision.digest_week and self.digest is not None:
            made = self.digest(decision.digest_week, ctx.now)
            if made is not None:
                out, inline = made
                outgoing.append(out)
                images[out.message_id] = inline
        # a week's area review with nothing open sends nothing, but is recorded as done
        reviewed = decision.state.review_sent != loaded.review_sent
        if not outgoing and not decision.events and not decision.digest_week and \
                register is None and not reviewed:
            return decision
        decision = decision.model_copy(update={"outgoing": tuple(outgoing)})
        outbox = self._render(decision.outgoing, ctx.now, images)
        self.store.commit(decision, outbox=outbox, register=register)
        self._observe(ctx.now, decision, None)
        if decision.outgoing:
            log.info("tick: %s", decision.note)
        return decision

    def next_due(self) -> datetime | None:
        """The earliest moment anything falls due, the clock hooks' work included."""
        now = self.clock.now()
        times = [on_tick.next_due(self.store.load(), self.config, now, self.holidays),
                 *(hook.next_due(now) for hook in self.clock_hooks)]
        return min((t for t in times if t is not None), default=None)

    def poll(self) -> int:
        """One pass over every watched mailbox; returns how many were handled.

        The messages are taken `ack_batch` at a time (group commit): each decided
        and its commit staged, then the batch's commits written in one durable
        write, then its mail handed to the sending thread (marked "sending" first)
        and the batch moved on the server with one call. The mail goes out while
        the next batch is read and decided, and the outbox stays the size of one
        batch's mail, not the backlog's."""
        handled = 0
        self.unreachable = {}
        self._counts, self._in_pass = None, True
        self._asked.clear()
        # the interpreter's switch interval: the sending thread, woken by the server's
        # reply, waits at most this long for the reading thread to let it run
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
        try:
            for mailbox in self.mailboxes.values():
                done: list[tuple[InboxMessage, Folder]] = []
                try:
                    for message in mailbox.fetch():
                        done.append((message, self._take(message)))
                        handled += 1
                        if len(done) >= self.ack_batch:
                            batch, done = done, []
                            self._settle(mailbox, batch)
                    batch, done = done, []
                    self._settle(mailbox, batch)
                    self.waiting.pop(mailbox.name, None)
                except ServerBusy as exc:
                    # a wait the server asked for: what was committed is moved after it (seen)
                    self.waiting[mailbox.name] = exc.until
                    log.info("mailbox %s is waiting: its server asked for no calls for %.0f s "
                             "more; nothing is lost (%s)", mailbox.name,
                             max(0.0, exc.until - time.time()), exc)
                except TransportError as exc:
                    # what was committed but not moved is moved at the next pass (seen)
                    log.warning("mailbox %s unavailable, will retry: %s", mailbox.name, exc)
                    self.unreachable[mailbox.name] = str(exc)
                    if self.watch is not None:
                        self.watch.failed(mailbox.name, self.clock.now(), str(exc))
                else:
                    if self.watch is not None:
                        self.watch.read(mailbox.name, self.clock.now())
                # a mailbox that failed mid-batch: what it decided written (moved at the
                # next pass, as seen; its mail goes with the pass's last flush)
                self.store.sync()
            self._collect()     # the last batch's sending
        except BaseException:
            # something went wrong mid-batch (not a crash, which runs nothing): what was
            # decided before it is written, unless the store itself failed, and the
            # sending thread is waited for; the first trouble is the one raised
            with contextlib.suppress(StoreError):
                self.store.sync()
            if self._in_flight is not None:
                with contextlib.suppress(Exception):
                    self._collect()
            raise
        finally:
            sys.setswitchinterval(switch)
            if self._worker is not None:
                self._worker.shutdown(wait=True)
                self._worker = None
            self._counts, self._in_pass = None, False
            self._asked.clear()
            self._mark({}, self.clock.now())    # the last "sent" marks of the pass
        return handled

    def _settle(self, mailbox: Mailbox, batch: list[tuple[InboxMessage, Folder]]) -> None:
        """A decided batch: its commits on disk in one write, then its mail handed to
        the sending thread, then the batch moved out of the inbox in one call."""
        self.store.sync()
        self._collect()     # the batch before's sending: its outcome first
        sending = self._begin(self.clock.now())
        if sending is not None:
            if self._worker is None:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="mailbot-send")
            self._in_flight = (sending, self._worker.submit(self._send_all, sending.batch,
                                                                 sending.now))
        if batch:
            mailbox.acknowledge_many(batch)

    def once(self) -> int:
        self.send_failed = ""
        try:
            handled = self.poll()
            self.tick()
            self.flush()
            self._watched()
        finally:
            self.sender.close()   # one session a pass
        return handled

    def run(self, stop: threading.Event, *, tick_every: float = 60.0,
            idle_slice: float = 5.0) -> None:
        """Long-running: watch, tick, flush, until `stop` is set (SIGTERM/SIGINT).

        Each mailbox waits in turn for a short slice (IDLE on IMAP, a poll on
        Maildir): new mail wakes the loop within a slice or two; the periodic full
        rescan in `poll` catches anything a wake-up missed."""
        clockwork = Clockwork(self, tick_every=tick_every)
        while not stop.is_set():
            try:
                handled = self.poll()
                clockwork.run_pending()
                self.flush()
                self._watched()
                if not handled:
                    self.store.fold_when_quiet()   # between messages, never before one
            except TransportError as exc:
                log.warning("transport problem, retrying: %s", exc)
            finally:
                self.sender.close()   # one session a pass: none held while waiting
            if not self.mailboxes:
                stop.wait(tick_every)
            for mailbox in self.mailboxes.values():
                if stop.is_set():
                    break
                try:
                    mailbox.wait(idle_slice)
                except TransportError as exc:
                    log.warning("mailbox %s: %s; reconnecting", mailbox.name, exc)
                    if self.watch is not None:
                        self.watch.failed(mailbox.name, self.clock.now(), str(exc))
                    stop.wait(idle_slice)

    def _watched(self) -> None:
        """The end of a pass: the heartbeat written, an outage told; its mail sent."""
        if self.watch is not None and self.watch.pass_done(self):
            self.flush()

    def notify(self, outgoing: tuple[Outgoing, ...], note: str) -> None:
        """Mail that is no alert's (an outage notice) into the outbox, in one commit."""
        now = self.clock.now()
        outbox = self._render(outgoing, now)
        if outbox:
            self.store.commit(Decision(state=self.store.load(), outgoing=outgoing, note=note),
                              outbox=outbox)

    # -- the outbox -------------------------------------------------------------

    def _render(self, outgoing: tuple[Outgoing, ...], now: datetime,
                images: dict[str, dict[str, bytes]] | None = None) -> list[OutboxEntry]:
        entries: list[OutboxEntry] = []
        alerts = self.store.load().alerts
        for out in outgoing:
            if self.store.was_recorded(out.message_id):
                continue
            if out.ref in alerts and alerts[out.ref].restricted:
                continue    # issue 15: a restricted record is stored, no more mail about it
            mail: RenderedMail = self.renderer.render(
                out, now, inline_images=(images or {}).get(out.message_id))
            entries.append(OutboxEntry(message_id=out.message_id, envelope_to=mail.envelope_to,
                                       data=mail.data, ref=out.ref, purpose=out.purpose,
                                       created_at=now, urgent=out.urgent,
                                       deadline=_deadline(out)))
        return entries

    def flush(self, *, _released: bool = False) -> int:
        """Send what the outbox holds; never twice, never lost.

        The batch is marked "sending" in one durable write before the first
        send and "sent" in one after the last (within a poll pass, with the next
        write instead: see below). The sender keeps one session for all of it
        until the pass ends (`Sender.close`). An entry found "sending" (a crash,
        or a connection lost after the hand-over) is sent again only when the
        sender shows it did not leave, and still not after a grace period for mail
        in transit, counted from the first check that found no sent copy."""
        sent = self._collect()
        sending = self._begin(self.clock.now(), released=_released)
        if sending is None:
            return sent
        return sent + self._end(sending, self._send_all(sending.batch, sending.now))

    def _collect(self) -> int:
        """The batch the sending thread has in hand: waited for, its outcome recorded
        (a failure of the thread itself raised here); how many went."""
        if self._in_flight is None:
            return 0
        sending, future = self._in_flight
        self._in_flight = None
        return self._end(sending, future.result())

    def _begin(self, now: datetime, *, released: bool = False) -> _Sending | None:
        """What goes now, marked "sending" in one durable write; None if nothing does."""
        store = self.store
        confirmed: dict[str, OutboxChange] = {}
        batch: list[OutboxEntry] = []
        deferred: dict[str, OutboxChange] = {}
        waiting = store.pending_outbox()
        if not waiting:
            return None
        counts = self._counts if self._counts is not None else {}
        # each address mail waits for, counted once a pass (then by what the pass sends)
        unknown = {a for entry in waiting for a in entry.envelope_to} - counts.keys()
        if unknown:
            counts.update(self.store.sent_counts(unknown, now - timedelta(hours=1),
                                                 now - timedelta(days=1)))
        if self._in_pass:
            self._counts = counts
        # urgent mail first (a Priority One alert's), then in the order it was decided
        backing_off: list[OutboxEntry] = []   # waiting out a pause (a failed send, a cap)
        for entry in sorted(waiting, key=lambda e: not e.urgent):
            if entry.message_id in self._unwritten:
                continue    # sent this pass; its "sent" rides on the next write
            if entry.retry_at is not None and entry.retry_at > now:
                if entry.status == "pending":
                    backing_off.append(entry)
                continue
            if entry.status == "sending":
                if entry.message_id in self._asked:
                    continue    # asked once this pass already: not again for every message
                if self._in_pass:
                    self._asked.add(entry.message_id)
                known = self.sender.already_sent(entry.message_id)
                if known:
                    confirmed[entry.message_id] = {"status": "sent", "sent_at": now}
                    continue
                if known is None:
                    continue   # cannot tell (server down): ask again later
                # No copy yet. The grace runs from the first time a copy is found missing,
                # not from when sending began: a bot that was down longer than the grace
                # would otherwise resend at once a message whose copy is still in transit
                # (tests/mailstack/test_crash.py). `retry_at` after `sending_at` marks it.
                attempted = entry.sending_at or entry.created_at
                doubted = entry.retry_at is not None and entry.retry_at > attempted
                if not doubted and self.resend_grace > timedelta(0):
                    deferred[entry.message_id] = {"retry_at": now + self.resend_grace}
                    continue
            over = self._over_limit(entry, counts, now)
            if over:
                log.warning("%s held: %s", entry.message_id, over)
                deferred[entry.message_id] = {"retry_at": now + timedelta(hours=1),
                                              "last_error": over}
                continue
            for address in entry.envelope_to:
                hour, day = counts.get(address, (0, 0))
                counts[address] = (hour + 1, day + 1)
            batch.append(entry)
        self._mark({**confirmed, **deferred}, now)
        if not batch:
            return None
        self._mark({e.message_id: {"status": "sending", "sending_at": now} for e in batch}, now)
        return _Sending(batch=batch, backing_off=backing_off, counts=counts, now=now,
                        released=released)

    def _send_all(self, batch: list[OutboxEntry], now: datetime) -> dict[str, OutboxChange]:
        """Hand each entry to the sender, in order, stopping at the first failure; the
        outbox changes to record. Touches nothing but the sender and the clock: within
        a poll pass it runs on the sending thread."""
        changes: dict[str, OutboxChange] = {}
        for i, entry in enumerate(batch):
            try:
                self.sender.send(RenderedMail(message_id=entry.message_id,
                                              envelope_to=entry.envelope_to, data=entry.data))
            except TransportError as exc:
                if not exc.maybe_sent:   # else: stays "sending", checked after the grace
                    step = min(entry.attempts + (3 if exc.permanent else 0),
                               len(self.retry_backoff) - 1)
                    if entry.urgent and not exc.permanent:
                        step = 0    # a Priority One alert's mail is tried again soonest
                    changes[entry.message_id] = {
                        "status": "pending", "attempts": entry.attempts + 1,
                        "retry_at": now + timedelta(seconds=self.retry_backoff[step]),
                        "last_error": str(exc)[:300]}
                for untried in batch[i + 1:]:
                    changes[untried.message_id] = {"status": "pending"}
                log.warning("send of %s failed, will retry: %s", entry.message_id, exc)
                self.send_failed = str(exc)
                break   # the server is unwell: stop this pass, keep the order
            changes[entry.message_id] = {"status": "sent", "sent_at": self.clock.now(),
                                         "last_error": ""}
        return changes

    def _end(self, sending: _Sending, changes: dict[str, OutboxChange]) -> int:
        """A sent batch's outcome recorded; what a failed send paused, released when the
        sender takes mail again; how many went."""
        done = {mid: c for mid, c in changes.items() if c.get("status") == "sent"}
        self._finish(changes, done)
        if len(done) < len(sending.batch) or sending.released:
            return len(done)
        # the sender takes mail again: what waits out the pause after a failed send goes
        # now, not up to an hour later; what a cap holds keeps its hour
        now = sending.now
        released = [e.message_id for e in sending.backing_off
                    if not self._over_limit(e, sending.counts, now)]
        if not released:
            return len(done)
        self._mark({mid: {"retry_at": now} for mid in released}, now)
        return len(done) + self.flush(_released=True)

    def _finish(self, changes: dict[str, OutboxChange], done: dict[str, OutboxChange]) -> None:
        """The batch's marks written ("sent" ones, within a pass, with the next write)."""
        if self._in_pass:
            # Within a pass the "sent" marks ride on the next durable write (the next
            # message's "sending"), one write a message fewer; a crash before it leaves
            # them "sending", which already_sent settles (the sent copy) after a restart.
            self._unwritten.update(done)
            self._mark({mid: c for mid, c in changes.items() if mid not in done},
                       self.clock.now())
        else:
            self._mark(changes, self.clock.now())

    def _mark(self, changes: dict[str, OutboxChange], now: datetime) -> None:
        """Outbox changes in one durable write, with any "sent" marks still unwritten."""
        if changes or not self._in_pass:
            changes = {**self._unwritten, **changes}
            self._unwritten.clear()
        if changes:
            self.store.mark_many(changes, now)

    def _over_limit(self, entry: OutboxEntry, counts: dict[str, tuple[int, int]],
                    now: datetime) -> str:
        """Why a cap holds this entry; "" when it goes. Urgent mail is never held (issue
        10): a Priority One alert's, or any whose deadline falls within the window of
        the cap that would hold it (an hour's cap, the next hour; a day's, the next day)."""
        if entry.urgent:
            return ""
        left = None if entry.deadline is None else entry.deadline - now

        def due_within(window: timedelta) -> bool:
            return left is not None and left <= window

        limits = self.config.limits
        for address in entry.envelope_to:
            hour, day = counts.get(address, (0, 0))
            if hour >= limits.per_address_per_hour and not due_within(timedelta(hours=1)):
                return f"{address} has had {hour} messages this hour (cap)"
            if day >= limits.per_address_per_day and not due_within(timedelta(days=1)):
                return f"{address} has had {day} messages today (cap)"
        return ""

    def _observe(self, now: datetime, decision: Decision, incoming: Incoming | None) -> None:
        for observer in self.observers:
            observer(now, decision, incoming)


def _deadline(out: Outgoing) -> datetime | None:
    """The deadline a message is about: its calendar entry, else a due time in its context."""
    if out.attach_ics is not None:
        return out.attach_ics
    return aware_instant(out.context.get("due_at"))
