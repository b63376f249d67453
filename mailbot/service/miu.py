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

Exactly once: the register is written before the service commits, so after a
crash the same message is handled again; its original is then known, and the
questions it raised are asked again under the same Message-IDs, which the
outbox sends once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from mailbot.adapters.attachments_text import attachment_texts
from mailbot.adapters.register_store import RegisterStore
from mailbot.core import miu, people, register, replies
from mailbot.core.config import Config
from mailbot.core.miu import DeskTask
from mailbot.core.model import Decision, Incoming, MessageKind, Outgoing, State
from mailbot.core.ola import OlaReading, read_notification
from mailbot.core.reading import read_message
from mailbot.core.work import Ctx
from mailbot.ports import InboxMessage

log = logging.getLogger("mailbot")

MAILBOX = "miu"
FORMS = (MessageKind.NEW_FORM, MessageKind.UPDATE, MessageKind.DEALERT)
# the full sweep runs at least this often even when nothing is due (originals
# whose question was settled without an entry are purged by it)
SWEEP_EVERY = timedelta(days=1)


class MiuDesk:
    def __init__(self, config: Config, state_dir: Path,
                 register_store: RegisterStore | None = None) -> None:
        self.config = config
        self.register = register_store or RegisterStore(Path(state_dir))
        # this process alone writes the register (the state folder's lock), so what
        # falls due next is worked out once per change, not on every tick
        self._next: tuple[datetime | None] | None = None
        self._swept_at: datetime | None = None

    # -- a message arrived (Service.miu) -------------------------------------------

    def __call__(self, state: State, inc: Incoming, ctx: Ctx,
                 message: InboxMessage) -> Decision | None:
        kind, internal = inc.kind, self.config.is_internal(inc.sender)
        if kind in (MessageKind.OWN, MessageKind.AUTO_REPLY, MessageKind.BOUNCE):
            return None          # never new work, never answered: the workflow files them
        if internal and kind in (MessageKind.REPLY, MessageKind.NOT_FORM):
            task = miu.find(self.open_tasks(), inc.plus_token, inc.in_reply_to)
            if task is not None:
                return self._answer(state, inc, ctx, task)
        if kind is MessageKind.OLA_NOTIFICATION:
            return self._notification(state, ctx, message.raw, self._read(message.raw, inc))
        if message.mailbox != MAILBOX:
            return None
        if not internal:
            reading = self._read(message.raw, inc)
            if reading.kind != "unknown" and reading.children:
                return self._notification(state, ctx, message.raw, reading)
            return Decision(state=state, disposition="needs_attention",
                            note="outside message in the MIU inbox that is not a national "
                                 "alert: kept for a person, not answered")
        if kind in FORMS:
            bot = self.config.organisation.bot_address
            if bot in {a.lower() for a in (*inc.to, *inc.cc)}:
                return Decision(state=state, note="a copy of mail to the unit inbox: "
                                                  "handled there, not here")
            return Decision(state=state, disposition="needs_attention",
                            note="an alert form sent to the MIU inbox only: alerts go to the "
                                 "unit inbox; kept for a person")
        return None

    def _notification(self, state: State, ctx: Ctx, raw: bytes, reading: OlaReading) -> Decision:
        """R-OLA: keep the original, apply it to the register, ask what it cannot settle."""
        original_id = self.register.save_original(raw, ctx.now)
        tasks = self.open_tasks()
        entries = self.register.entries()
        if any(original_id in e.originals for e in entries) or \
                any(t.original_id == original_id for t in tasks):
            again = tuple(miu.request(t, self.config) for t in tasks if t.original_id == original_id)
            return Decision(state=state, outgoing=again,
                            note=f"register: notification {original_id[:12]} already recorded")
        change = register.apply(entries, reading, original_id, ctx.now)
        asked, outgoing = miu.ask(change.tasks, tasks, self.config, ctx)
        self.register.record(change, ctx.now, tasks=_dump([*tasks, *asked]))
        self._next = None
        return Decision(state=state, outgoing=outgoing,
                        note=change.note + (f"; {len(asked)} question(s) for the MIU" if asked
                                            else ""))

    def _answer(self, state: State, inc: Incoming, ctx: Ctx, task: DeskTask) -> Decision:
        """R-MIU: the unit answers a question about the register."""
        cfg = self.config
        owner = cfg.holder(miu.ROLE, None) or ""
        above = cfg.holder(cfg.escalation.get(miu.ROLE, ""), None)
        copied = (above,) if above and task.chasers > cfg.timers.qa.chasers_before_escalation \
            else ()
        if not owner or not people.may_answer(cfg, owner, copied, inc.sender):
            return replies.refuse(state, inc, cfg, ctx, "only the Management Information Unit "
                                  "(or its deputy) can answer a question about the register")
        answer = miu.parse_answer(inc.new_text or inc.body_text)
        if answer is None:
            allowed = ", ".join(miu.HELP[a].split(" - ")[0] for a in task.answers)
            return replies.refuse(state, inc, cfg, ctx,
                                  f"the first line of the reply must be one of: {allowed}")
        reading = self._original_reading(task.original_id) if answer.word in ("entry", "new") \
            else None
        entries = self.register.entries()
        settled = miu.settle(task, answer, entries, reading, ctx.now)
        if isinstance(settled, str):
            return replies.refuse(state, inc, cfg, ctx, settled)
        rest = [t for t in self.open_tasks() if t.id != task.id]
        asked, outgoing = miu.ask(settled.tasks, rest, cfg, ctx)
        self.register.record(settled, ctx.now, tasks=_dump([*rest, *asked]))
        self._next = None
        return Decision(state=state, outgoing=outgoing,
                        note=f"register: question {task.kind} answered {answer.word.upper()}: "
                             f"{settled.note}")

    # -- the clock (Service.clock_hooks) ---------------------------------------------

    def tick(self, ctx: Ctx) -> tuple[Outgoing, ...]:
        """The purge at 12 months (R-OLA) and the chasers (T-QA). A chaser is counted
        before the service commits it: a crash between loses one, never sends two."""
        nxt = self.next_due(ctx.now)
        if self._swept_at is not None and ctx.now - self._swept_at < SWEEP_EVERY and \
                (nxt is None or nxt > ctx.now):
            return ()
        self._swept_at, self._next = ctx.now, None
        purged = self.register.purge(ctx.now, self.config.timers.ola_expiry)
        if purged.purged:
            log.info("register: purged %s (no notification for %s)",
                     ", ".join(e.id for e in purged.purged), self.config.timers.ola_expiry.text)
        tasks = self.open_tasks()
        chased, outgoing = miu.chase(tasks, self.config, ctx)
        if outgoing:
            self.register.save_tasks(_dump(chased))
        return outgoing

    def next_due(self, now: datetime) -> datetime | None:
        if self._next is None:
            expiry = self.config.timers.ola_expiry
            times = [expiry.after(e.last_notified) for e in self.register.entries()]
            nudge = miu.next_due(self.open_tasks())
            self._next = (min([*times, *([nudge] if nudge else [])], default=None),)
        return self._next[0]

    # -- what status and the digest show ------------------------------------------------

    def open_tasks(self) -> tuple[DeskTask, ...]:
        return tuple(DeskTask.model_validate(t) for t in self.register.tasks())

    def counts(self, since: datetime) -> dict[str, int]:
        return self.register.counts(since)

    def open_entries(self) -> int:
        return len(self.register.list("open"))

    # -- reading -----------------------------------------------------------------------

    def _read(self, raw: bytes, inc: Incoming) -> OlaReading:
        texts = [a.text for a in attachment_texts(raw) if a.text]
        return read_notification(inc.subject, inc.body_text, inc.sender, inc.date, texts)

    def _original_reading(self, original_id: str) -> OlaReading | None:
        try:
            raw = self.register.original(original_id)
        except FileNotFoundError:
            return None
        return self._read(raw, read_message(raw, self.config))


def _dump(tasks: Sequence[DeskTask]) -> list[dict[str, object]]:
    return [t.model_dump(mode="json") for t in tasks]
