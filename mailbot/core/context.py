"""What one core decision works with: the context the shell hands over (`Ctx`) and
the scratchpad (`Work`) that collects one alert's effects in order.

A `Work` lives only inside one pure call and is turned into a `Decision` by
`finish`. Nothing here touches the world."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.core import ids
from mailbot.core.clocks import entries
from mailbot.core.clocks.business_time import add_working_time
from mailbot.core.config import Config, QaPolicy, Stage
from mailbot.core.durations import Duration
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.base import Disposition
from mailbot.core.values.mail import Outgoing, Recipient
from mailbot.core.values.state import Decision, State, with_alerts


@dataclass(frozen=True)
class Ctx:
    """What the shell hands every core call besides state and config."""

    now: datetime
    secret: bytes
    holidays: frozenset[date] = frozenset()
    # how late a deadline may be acted on before it counts as "late" (one tick)
    tolerance: timedelta = timedelta(minutes=15)
    # (ref, wait id, attempt) -> the token its request already carried: a store rebuilt
    # from the mailboxes has a new secret, but the people hold the old tokens
    known_tokens: Mapping[tuple[str, str, int], str] = field(default_factory=dict)

    def token(self, ref: str, wait_id: str, attempt: int) -> str:
        """A step's reply token: the one already sent, when known, else the HMAC."""
        return self.known_tokens.get((ref, wait_id, attempt)) or \
            ids.token(self.secret, ref, wait_id, attempt)


@dataclass
class Work:
    config: Config
    ctx: Ctx
    alert: Alert
    cause: str | None = None          # Message-ID of the message that caused this
    outgoing: list[Outgoing] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # the authority rule that let the message act (policy.record): on its first event
    authorised: str = ""

    @property
    def domain(self) -> str:
        return self.config.organisation.bot_address.rsplit("@", 1)[1]

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The stages of this alert's route (routing.yaml)."""
        return self.config.route_of(self.alert.category).stages

    def update(self, **changes: Any) -> None:
        self.alert = self.alert.model_copy(update=changes)

    def event(self, rule: str, what: str, **detail: Any) -> None:
        if self.authorised:
            detail = {**detail, "authority": self.authorised}
            self.authorised = ""
        seq = self.alert.event_seq + 1
        self.update(event_seq=seq, updated_at=self.ctx.now)
        self.events.append(Event(ref=self.alert.ref, seq=seq, at=self.ctx.now, rule=rule,
                                 what=what, message_id=self.cause, detail=detail))

    def next_attempt(self, key: str) -> int:
        attempt = self.alert.attempts.get(key, 0) + 1
        self.update(attempts={**self.alert.attempts, key: attempt})
        return attempt

    def send(self, purpose: str, to: list[Recipient], subject: str, context: dict[str, Any], *,
             rule: str, sensitive: bool, message_id: str | None = None,
             cc: list[Recipient] | None = None, bcc: list[Recipient] | None = None,
             reply_token: str | None = None, late: bool = False,
             attach_ics: datetime | None = None, calendar: str | None = None) -> None:
        """`calendar`: the deadline `attach_ics` is, so its calendar entry keeps one UID
        (clocks/entries.py); a request or reminder for a waiting step carries that
        step's deadline without being told."""
        if not to:
            return
        if calendar is None and reply_token and purpose in entries.STEP_MAIL:
            wait = next((w for w in self.alert.waits if w.token == reply_token), None)
            if wait is not None:
                calendar, attach_ics = entries.wait_key(wait), wait.due_at
        if message_id is None:
            n = self.next_attempt("_out")
            message_id = ids.message_id(self.alert.ref, purpose, str(n), self.domain,
                                        installation=self.config.installation)
        entry = None
        if attach_ics is not None:   # a deadline nobody named is this message's own
            self.alert, entry = entries.stamp(self.alert, self.config,
                                              calendar or f"message:{message_id}", attach_ics,
                                              [*to, *(cc or [])], self.domain)
        if sensitive:
            # who holds the alert inside the council (updates and de-alerts go to them);
            # the national custodian list never receives internal updates
            recipients = [r.email for r in to + (cc or []) if self.config.is_internal(r.email)]
            self.update(told=tuple(dict.fromkeys([*self.alert.told, *recipients])))
        self.outgoing.append(Outgoing(
            message_id=message_id, purpose=purpose, to=tuple(to), cc=tuple(cc or ()),
            bcc=tuple(bcc or ()),
            ref=self.alert.ref, subject=subject, context=context, reply_token=reply_token,
            sensitive=sensitive, late=late, attach_ics=attach_ics, calendar=entry, rule=rule,
            in_reply_to=self.cause if purpose in ("submitter_receipt",) else None,
            urgent=self.urgent))

    @property
    def urgent(self) -> bool:
        """A Priority One alert (C1): its mail is never held by the sending caps (issue 10)."""
        category = self.config.categories.get(self.alert.category)
        return category is not None and category.priority_one

    def is_late(self, due_at: datetime) -> bool:
        return self.ctx.now - due_at > self.ctx.tolerance

    # -- time arithmetic that knows about working hours -------------------------

    def after(self, start: datetime, duration: Duration, *, business: bool) -> datetime:
        if not business or duration.months:
            return duration.after(start)
        return add_working_time(start, duration.fixed, self.config.timers.business_hours,
                                self.ctx.holidays, ZoneInfo(self.config.organisation.timezone))

    def qa_policy(self, kind: str = "approval") -> QaPolicy:
        return self.config.qa_policy(self.alert.category, kind)


def finish(state: State, work: Work, disposition: Disposition, note: str) -> Decision:
    alerts = with_alerts(state.alerts, {work.alert.ref: work.alert})
    closed = (work.alert.ref,) if work.alert.status == "closed" else ()
    return Decision(state=state.model_copy(update={"alerts": alerts}), outgoing=tuple(work.outgoing),
                    events=tuple(work.events), disposition=disposition, closed=closed, note=note)
