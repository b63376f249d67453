"""The MIU inbox's own work, in the shell: the register of other councils' alerts.

`Service.miu` calls a `MiuDesk` for every message before the workflow does;
it answers for what is the register's business and returns None for the rest
(replies to alert tasks such as R-MIU's DONE, automatic mail, the bot's own
mail seen again), which the workflow handles as in the unit inbox.

* Another council's national alert, re-issue or "found" (R-OLA), in either
  inbox, or an outside message in the `miu` inbox that reads as one: the
  original is kept, attachments read as text, the notification applied to
  the register, and each question the register cannot settle alone is asked
  of the MIU as a task (`mailbot.core.miu`). The council that wrote is never
  answered.
* The MIU's answer to such a task (CONFIRM, ENTRY OLA-..., NEW, DONE): applied
  to the register; the task closes.
* An alert form in the `miu` inbox is not new work: a copy of mail to the unit
  inbox is filed, anything else is kept for a person.
* On the clock (`tick`): entries with no notification for `timers.ola_expiry`
  (12 months) are purged with their originals; unanswered tasks are chased.

Exactly once: the desk writes nothing. It returns the register's change
(`RegisterWrite`) with its Decision, and the service commits both, with the
outbox and the seen-record, in the store's one commit (`Store.commit`): after
a crash either all of it happened or none did, and the same message handled
again asks the same questions under the same Message-IDs. Only the original is
saved ahead of the commit, under an id made from its bytes.

The register (`mailbot.ports.Register`) and the attachment reader
(`mailbot.ports.AttachmentReader`) come from the composition root.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from mailbot.core import miu, register
from mailbot.core.authority import policy, refusal
from mailbot.core.config import Config
from mailbot.core.context import Ctx
from mailbot.core.intake.mail.classify import is_bot_message_id
from mailbot.core.intake.mail.read import read_message
from mailbot.core.miu import DeskTask
from mailbot.core.miu.purge import purge_plan
from mailbot.core.register import OlaReading, read_notification
from mailbot.core.values.mail import Incoming, MessageKind
from mailbot.core.values.state import Decision, State
from mailbot.ports import AttachmentReader, InboxMessage, Register
from mailbot.records import RegisterWrite
from mailbot.service.service import Decided, HookWork

log = logging.getLogger("mailbot")

MAILBOX = "miu"
FORMS = (MessageKind.NEW_FORM, MessageKind.UPDATE, MessageKind.DEALERT)
# the full sweep runs at least this often even when nothing is due (originals
# whose question was settled without an entry are purged by it)
SWEEP_EVERY = timedelta(days=1)


class MiuDesk:
    def __init__(self, config: Config, register: Register,
                 attachments: AttachmentReader) -> None:
        self.config = config
        self.register = register
        self.attachments = attachments
        # this process alone writes the register (the state folder's lock), so what
        # falls due next is worked out once per change, not on every tick
        self._next: tuple[datetime | None] | None = None
        self._swept_at: datetime | None = None

    # -- a message arrived (Service.miu) -------------------------------------------

    def __call__(self, state: State, inc: Incoming, ctx: Ctx,
                 message: InboxMessage) -> Decided | None:
        kind, internal = inc.kind, self.config.is_internal(inc.sender)
        if kind in (MessageKind.OWN, MessageKind.AUTO_REPLY, MessageKind.BOUNCE):
            return None          # never new work, never answered: the workflow files them
        if internal and kind in (MessageKind.REPLY, MessageKind.NOT_FORM):
            task = miu.find(self.open_tasks(), inc.plus_token, inc.in_reply_to)
            if task is not None:
                return self._answer(state, inc, ctx, task)
        if not internal and (miu.find(self.open_tasks(), inc.plus_token, inc.in_reply_to)
                             is not None or
                             any(is_bot_message_id(i, self.config) for i in inc.in_reply_to)):
            # the bot's own mail goes outside only to the national custodians; an outside
            # answer to it (a forwarded question, a custodian's reply) is for a person,
            # never new register work, never an answer that settles anything (issue 10)
            return Decided(Decision(
                state=state, disposition="needs_attention",
                note="an outside reply to the bot's own mail: kept for a person, not acted on"))
        if kind is MessageKind.OLA_NOTIFICATION:
            return self._notification(state, ctx, message.raw, self._read(message.raw, inc))
        if message.mailbox != MAILBOX:
            return None
        if not internal:
            reading = self._read(message.raw, inc)
            if reading.kind != "unknown" and reading.children:
                return self._notification(state, ctx, message.raw, reading)
            return Decided(Decision(
                state=state, disposition="needs_attention",
                note="outside message in the MIU inbox that is not a national alert: kept "
                     "for a person, not answered"))
        if kind in FORMS:
            bot = self.config.organisation.bot_address
            if bot in {a.lower() for a in (*inc.to, *inc.cc)}:
                return Decided(Decision(state=state, note="a copy of mail to the unit inbox: "
                                                          "handled there, not here"))
            return Decided(Decision(
                state=state, disposition="needs_attention",
                note="an alert form sent to the MIU inbox only: alerts go to the unit inbox; "
                     "kept for a person"))
        return None

    def _notification(self, state: State, ctx: Ctx, raw: bytes, reading: OlaReading) -> Decided:
        """R-OLA: keep the original, apply it to the register, ask what it cannot settle."""
        original_id = self.register.save_original(raw)
        tasks = self.open_tasks()
        entries = self.register.entries()
        if any(original_id in e.originals for e in entries) or \
                any(t.original_id == original_id for t in tasks):
            again = tuple(miu.request(t, self.config) for t in tasks if t.original_id == original_id)
            return Decided(Decision(
                state=state, outgoing=again,
                note=f"register: notification {original_id[:12]} already recorded"))
        change = register.apply(entries, reading, original_id, ctx.now)
        asked, outgoing = miu.ask(change.tasks, tasks, self.config, ctx)
        self._next = None
        return Decided(
            Decision(state=state, outgoing=outgoing,
                     note=change.note + (f"; {len(asked)} question(s) for the MIU" if asked
                                         else "")),
            RegisterWrite(at=ctx.now, entries=change.entries, tasks=(*tasks, *asked),
                          kept=(original_id,), counts=change.counts))

    def _answer(self, state: State, inc: Incoming, ctx: Ctx, task: DeskTask) -> Decided:
        """R-MIU: the unit answers a question about the register."""
        cfg = self.config
        owner = cfg.holder(miu.ROLE, None) or ""
        above = cfg.holder(cfg.escalation.get(miu.ROLE, ""), None)
        copied = (above,) if above and task.chasers > cfg.timers.qa.chasers_before_escalation \
            else ()
        verdict = policy.judge("register_answer", inc, cfg, asked=tuple(k for k in (owner, *copied) if k))
        if not owner or not verdict.allowed:
            return Decided(refusal.refuse(
                state, inc, cfg, ctx, "only the Management Information Unit (or its deputy) "
                                      "can answer a question about the register", rule=verdict.rule))
        answer = miu.parse_answer(inc.new_text or inc.body_text)
        if answer is None:
            allowed = ", ".join(miu.HELP[a].split(" - ")[0] for a in task.answers)
            return Decided(refusal.refuse(
                state, inc, cfg, ctx, f"the first line of the reply must be one of: {allowed}",
                always=True))
        reading = self._original_reading(task.original_id) if answer.word in ("entry", "new") \
            else None
        entries = self.register.entries()
        settled = miu.settle(task, answer, entries, reading, ctx.now)
        if isinstance(settled, str):
            return Decided(refusal.refuse(state, inc, cfg, ctx, settled))
        rest = [t for t in self.open_tasks() if t.id != task.id]
        asked, outgoing = miu.ask(settled.tasks, rest, cfg, ctx)
        self._next = None
        return Decided(
            Decision(state=state, outgoing=outgoing,
                     note=f"register: question {task.kind} answered {answer.word.upper()}: "
                          f"{settled.note}"),
            RegisterWrite(at=ctx.now, entries=settled.entries, tasks=(*rest, *asked),
                          counts=settled.counts))

    # -- the clock (Service.clock_hooks) ---------------------------------------------

    def tick(self, ctx: Ctx) -> HookWork:
        """The purge at 12 months (R-OLA) and the chasers (T-QA), as one change the
        service commits with the chasers' mail: a crash loses neither, sends none twice."""
        nxt = self.next_due(ctx.now)
        if self._swept_at is not None and ctx.now - self._swept_at < SWEEP_EVERY and \
                (nxt is None or nxt > ctx.now):
            return HookWork()
        self._swept_at, self._next = ctx.now, None
        expiry = self.config.timers.ola_expiry
        purged, doomed, tasks = purge_plan(self.register.entries(), self.register.originals(),
                                           self.open_tasks(), ctx.now, expiry)
        if purged.purged:
            log.info("register: purged %s (no notification for %s)",
                     ", ".join(e.id for e in purged.purged), expiry.text)
        chased, outgoing = miu.chase(tasks, self.config, ctx)
        if not purged.purged and not doomed and not outgoing:
            return HookWork()
        return HookWork(outgoing, RegisterWrite(
            at=ctx.now, entries=purged.kept if purged.purged else None, tasks=chased,
            dropped=doomed, counts={"purged": len(purged.purged)}))

    def next_due(self, now: datetime) -> datetime | None:
        if self._next is None:
            expiry = self.config.timers.ola_expiry
            times = [expiry.after(e.last_notified) for e in self.register.entries()]
            nudge = miu.next_due(self.open_tasks())
            self._next = (min([*times, *([nudge] if nudge else [])], default=None),)
        return self._next[0]

    # -- what status and the digest show ------------------------------------------------

    def open_tasks(self) -> tuple[DeskTask, ...]:
        return self.register.tasks()

    def counts(self, since: datetime) -> dict[str, int]:
        return self.register.counts(since)

    def open_entries(self) -> int:
        return len(self.register.list("open"))

    # -- reading -----------------------------------------------------------------------

    def _read(self, raw: bytes, inc: Incoming) -> OlaReading:
        return read_notification(inc.subject, inc.body_text, inc.sender, inc.date,
                                 self.attachments(raw))

    def _original_reading(self, original_id: str) -> OlaReading | None:
        try:
            raw = self.register.original(original_id)
        except FileNotFoundError:
            return None
        return self._read(raw, read_message(raw, self.config))


