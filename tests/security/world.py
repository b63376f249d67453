"""Where a hostile message is tried: the bot on the real store, and what it did about it.

A `World` is the bot and its county, seen the same way whether mail arrives in
a Maildir (`MaildirWorld`: the simulation's real store, templates and file
sender) or over the real Dovecot + Postfix stack (`tests/security/stack.py`).
A case builds its scene and its message through a World only, so the same case
runs on both.

`judge_case` delivers the message and checks what must hold for every case
(issue 10, "How it is shown"):

(a) the store's alerts (open, and archived/closed) and the register are
    byte-for-byte what they were, unless the case is an allowed action;
(b) at most one answer goes back for that message, and only to its From address;
(c) nothing goes to an address outside the directory or the council's domains,
    except the configured custodian list.

Then the case's own outcome: refused, allowed, asked or ignored.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml

from mailbot.core.config import Config
from mailbot.core.config.base import routing_trick
from mailbot.core.config.load import load_config
from mailbot.core.values.mail import Incoming, MessageKind, Outgoing
from mailbot.core.values.state import Decision
from mailbot.service.service import Service
from mailbot.simulation import Record, Simulation
from tests.workflow.conftest import BASE, MONDAY, form_body

ROOT = Path(__file__).resolve().parents[2]
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
Outcome = Literal["refused", "allowed", "asked", "ignored"]
OUTCOMES: tuple[Outcome, ...] = ("refused", "allowed", "asked", "ignored")
# what an answer to someone not entitled to it must never carry (the case's data)
CASE_DATA = tuple(v for form in BASE.values() for k, v in form.items()
                  if k in ("Child's name", "Liberi ID", "Date of birth"))
_ids = itertools.count(1)

# A change to the shipped routing.yaml for one case: (the parsed file, the world's
# `addr`, so a new person's address is the world's own)
ConfigEdit = Callable[[dict[str, Any], Callable[[str], str]], None]


class World(Protocol):
    """The bot and its county, whatever carries the mail."""

    service: Service
    record: Record
    config: Config

    @property
    def now(self) -> datetime: ...

    def addr(self, local: str) -> str:
        """A council address (`nosy.colleague` -> `nosy.colleague@kent.test`)."""
        ...

    def person(self, key: str) -> str:
        """The directory's address for a person key (`sue.manager`)."""
        ...

    def form_text(self, category: str, **changes: str | None) -> str:
        """The workflow tests' form, its social worker and team manager in this world."""
        ...

    def deliver(self, raw: bytes, *, mailbox: str = "unit", envelope: str | None = None) -> None:
        """Hand the message to the bot and let it handle it (one pass)."""
        ...

    def at(self, when: datetime) -> None:
        """Move the clock on, ticking at every deadline on the way."""
        ...


# -- building messages ------------------------------------------------------------------


def compose(w: World, *, frm: str, subject: str, body: str, to: str | None = None,
            top: Sequence[tuple[str, str]] = (), headers: Sequence[tuple[str, str]] = (),
            message_id: str | None = None) -> bytes:
    """A plain-text message exactly as written: `frm` is the From line verbatim (tricks
    and all), `top` are trace headers above it (Authentication-Results, topmost first, as
    the servers on the way add them), `headers` come after the usual ones."""
    domain = w.person("unit").rsplit("@", 1)[1]
    mid = message_id or f"<sec.{next(_ids)}.{int(w.now.timestamp())}@{domain}>"
    lines = [*(f"{k}: {v}" for k, v in top), f"From: {frm}", f"To: {to or w.person('unit')}",
             f"Subject: {subject}", f"Date: {format_datetime(w.now)}", f"Message-ID: {mid}",
             *(f"{k}: {v}" for k, v in headers),
             "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n")
            + "\r\n").encode()


def message_id_of(raw: bytes) -> str:
    found = re.search(rb"(?mi)^Message-ID:\s*<([^>]+)>", raw)
    assert found is not None, "every hostile message carries a Message-ID"
    return found.group(1).decode()


def plus_address(w: World, token: str) -> str:
    local, _, domain = w.person("unit").partition("@")
    return f"{local}+{token}@{domain}"


def request_to(w: World, who: str, ref: str, purpose: str = "approval_request",
               nth: int = -1) -> Outgoing:
    """The bot's request (or reminder, task, question) to `who` about `ref`."""
    asked = w.record.to(who, purpose, ref)
    assert asked, f"the bot sent {who} no {purpose} about {ref}: the scene did not set up"
    return asked[nth]


# -- what the store holds ---------------------------------------------------------------


def snapshot(service: Service) -> dict[str, str]:
    """The alerts (open, and archived or closed) and the register, as JSON text."""
    store: Any = service.store
    state = store.load()
    shot = {f"alert {ref}": alert.model_dump_json() for ref, alert in sorted(state.alerts.items())}
    shot.update((f"closed {a.ref}", a.model_dump_json()) for a in store.closed_alerts(EPOCH))
    register = getattr(service.miu, "register", None)
    if register is not None:
        shot["register entries"] = json.dumps([_dump(e) for e in register.entries()], sort_keys=True,
                                              default=str)
        shot["register tasks"] = json.dumps([_dump(t) for t in register.tasks()], sort_keys=True,
                                            default=str)
    return shot


def _dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses
        return dataclasses.asdict(value)
    return repr(value)


_LOG_COUNTERS = ("event_seq", "updated_at")


def _without_log_counters(text: str) -> str:
    data = json.loads(text)
    if isinstance(data, dict):
        for name in _LOG_COUNTERS:
            data.pop(name, None)
    return json.dumps(data, sort_keys=True)


def what_changed(before: dict[str, str], after: dict[str, str], *, ignore_log: bool = False,
                 only: Iterable[str] | None = None) -> list[str]:
    """The changes a person would notice, in words: "KA-2026-0001: status in_qa -> closed"."""
    keys = set(before) | set(after) if only is None else set(only)
    said: list[str] = []
    for key in sorted(keys):
        old, new = before.get(key), after.get(key)
        if ignore_log and old is not None and new is not None:
            old, new = _without_log_counters(old), _without_log_counters(new)
        if old == new:
            continue
        if old is None:
            said.append(f"{key} appeared" + (" (a new alert was opened)" if key.startswith("alert")
                                              else ""))
            continue
        if new is None:
            said.append(f"{key} is gone")
            continue
        said.append(f"{key}: " + _field_diff(old, new))
    return said


def _field_diff(old: str, new: str) -> str:
    a, b = json.loads(old), json.loads(new)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return "changed"
    parts = []
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            if name == "waits":
                parts.append("waits " + _waits(a.get(name)) + " -> " + _waits(b.get(name)))
            elif name in ("form", "national", "clocks"):
                parts.append(f"{name} changed")
            else:
                parts.append(f"{name} {_short(a.get(name))} -> {_short(b.get(name))}")
    return ", ".join(parts) or "changed"


def _waits(waits: Any) -> str:
    if not waits:
        return "[]"
    return "[" + ", ".join(f"{w['id']} on {w['owner']}"
                           + (f" (+{', '.join(w['escalated_to'])})" if w.get("escalated_to") else "")
                           for w in waits) + "]"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


# -- checking one message ---------------------------------------------------------------


@dataclass
class Hostile:
    """One hostile message and what the case knows about it."""

    raw: bytes
    mailbox: str = "unit"
    envelope: str | None = None        # SMTP MAIL FROM on the real stack ("" = null sender)
    ref: str | None = None             # the alert it is about: an allowed case changes only it
    check: Callable[[], None] | None = None   # allowed: what must now be true
    says: tuple[str, ...] = ()         # asked: what the answer must name
    answers: int | None = None         # answers owed: None = the case's default


@dataclass
class Seen:
    """What the bot did with one message."""

    decisions: list[tuple[Decision, Incoming]]
    outgoing: list[Outgoing]
    before: dict[str, str]
    after: dict[str, str]
    rendered: dict[str, bytes] = field(default_factory=dict)

    @property
    def incoming(self) -> Incoming | None:
        return self.decisions[0][1] if self.decisions else None


def sender_of(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=default)
    found = getaddresses([str(v) for v in msg.get_all("From", [])])
    return found[0][1].lower() if found else ""


def plainly_internal(config: Config, address: str) -> bool:
    return bool(address) and config.is_internal(address) and routing_trick(address) is None


def allowed_recipient(config: Config, address: str) -> bool:
    address = address.lower()
    if address in {p.email for p in config.people.values()}:
        return True
    if address in {c.lower() for c in config.cascade.custodians}:
        return True
    domain = address.rsplit("@", 1)[-1]
    return domain in config.organisation.domains and routing_trick(address) is None


def outbox(service: Service) -> dict[str, Any]:
    store: Any = service.store
    return {e.message_id: e for e in (*store.sent_log(EPOCH), *store.pending_outbox())}


def text_of(data: bytes) -> str:
    head, _, rest = data.partition(b"\r\n")
    raw = rest if head.startswith(b"X-Mailbot-Envelope-To") else data
    msg = message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(("plain",))
    return (str(msg.get("Subject", "")) + "\n" + body.get_content()) if body is not None else ""


def try_message(w: World, hostile: Hostile) -> Seen:
    before = snapshot(w.service)
    start = len(w.record.decisions)
    w.deliver(hostile.raw, mailbox=hostile.mailbox, envelope=hostile.envelope)
    # Only the decisions about this message: on the real stack the same pass also reads
    # the bot's own mail coming back to its inbox (the weekly digest to the unit).
    mid = message_id_of(hostile.raw)
    decisions = [(d, inc) for _, d, inc in w.record.decisions[start:]
                 if inc is not None and inc.message_id.strip("<>") == mid]
    outgoing = [o for d, _ in decisions for o in d.outgoing]
    entries = outbox(w.service)
    rendered = {o.message_id: entries[o.message_id].data for o in outgoing if o.message_id in entries}
    return Seen(decisions, outgoing, before, snapshot(w.service), rendered)


def judge_case(w: World, outcome: Outcome, hostile: Hostile, *, may_record: bool = False) -> Seen:
    """Deliver `hostile` and assert (a), (b), (c) and its outcome; a failure says what the
    person would have seen go wrong."""
    seen = try_message(w, hostile)
    frm = sender_of(hostile.raw)
    inc = seen.incoming

    # (c) nothing outside the directory / the council (custodians apart), in the whole case
    for entry in outbox(w.service).values():
        outside = [a for a in entry.envelope_to if not allowed_recipient(w.config, a)]
        assert not outside, (f"the bot sent {entry.purpose} {entry.message_id} to {outside}: "
                             "mail left the council for an address nobody configured")

    if len(seen.decisions) > 1:
        raise AssertionError(f"one message was handled {len(seen.decisions)} times: "
                             f"{[(i.message_id, i.kind.value, i.why) for _, i in seen.decisions]}")

    # (a) the store is untouched unless the action was allowed
    if outcome == "allowed":
        if hostile.ref is not None:
            others = [k for k in {*seen.before, *seen.after}
                      if not k.endswith(f" {hostile.ref}") and not k.startswith("register")]
            changed = what_changed(seen.before, seen.after, only=others)
            assert not changed, f"acting on {hostile.ref} also changed other alerts: {changed}"
        if hostile.check is not None:
            hostile.check()
        elif hostile.ref is not None:
            moved = what_changed(seen.before, seen.after,
                                 only=[k for k in seen.after if k.endswith(f" {hostile.ref}")])
            assert moved, (f"the message was to be allowed, but {hostile.ref} did not change: "
                           "the person's action was lost")
    else:
        changed = what_changed(seen.before, seen.after, ignore_log=may_record)
        how = f" (read as {inc.kind.value}: {inc.why})" if inc is not None else ""
        assert not changed, (f"the message should have been {outcome}, but the alert moved"
                             f"{how}: {'; '.join(changed)}")

    # (b) at most one answer, and only to the From address
    to_sender = [o for o in seen.outgoing if any(r.email.lower() == frm for r in (*o.to, *o.cc))]
    assert len(to_sender) <= 1, (f"{frm} got {len(to_sender)} answers to one message: "
                                 f"{[o.purpose for o in to_sender]}")
    if outcome != "allowed":
        strays = [(o.purpose, [r.email for r in (*o.to, *o.cc, *o.bcc)]) for o in seen.outgoing
                  if [r.email.lower() for r in (*o.to, *o.cc, *o.bcc)] != [frm]]
        assert not strays, (f"a message that should be {outcome} made the bot write to others: "
                            f"{strays}")

    owed = hostile.answers
    if owed is None:
        owed = {"asked": 1, "ignored": 0}.get(outcome)
        if outcome == "refused":
            problems = inc.address_problems if inc is not None else ()
            owed = 1 if plainly_internal(w.config, frm) and not problems else 0
    if owed is not None:
        assert len(to_sender) == owed, _owed_message(frm, outcome, owed, to_sender, inc)

    questions = {"reply_question", "duplicate_question"}
    if outcome == "refused":
        asked = [o.purpose for o in to_sender if o.purpose in questions]
        assert not asked, (f"{frm} was asked to answer again ({asked}), but the message must be "
                           "refused: answering again would not help them")
        for o in to_sender:
            text = text_of(seen.rendered.get(o.message_id, b""))
            leaked = [d for d in CASE_DATA if d in text]
            assert not leaked, f"the refusal sent to {frm} carries the case's details: {leaked}"
    if outcome == "asked":
        [answer] = to_sender
        assert answer.purpose in questions, (
            f"{frm} must be asked what they meant, but was told {answer.purpose}: they would "
            "think their answer was refused")
        text = text_of(seen.rendered.get(answer.message_id, b"")) + json.dumps(answer.context,
                                                                                default=str)
        missing = [s for s in hostile.says if s.lower() not in text.lower()]
        assert not missing, (f"{frm} was asked, but the answer does not name {missing}, so they "
                             f"cannot tell what to do: {answer.subject!r}")
    if outcome == "ignored" and inc is not None:
        assert inc.kind is not MessageKind.REPLY or not seen.outgoing, "an automatic reply was answered"
    return seen


def _owed_message(frm: str, outcome: Outcome, owed: int, got: list[Outgoing],
                  inc: Incoming | None) -> str:
    how = f" (it was read as {inc.kind.value}: {inc.why})" if inc is not None else \
        " (the bot did not handle it at all)"
    if owed and not got:
        if outcome == "asked":
            return (f"{frm} was not asked anything: they heard nothing back and the step waits "
                    f"in silence{how}")
        return f"{frm} heard nothing: they would not know their message was refused{how}"
    if not owed and got:
        if outcome == "ignored":
            return f"an automatic message was answered ({got[0].purpose}): a mail loop waiting to happen"
        return (f"{frm} was answered ({got[0].purpose}) although they must never be: a stranger, "
                f"or an address that is not what it looks like{how}")
    return f"{frm} got {len(got)} answers, expected {owed}"


# -- the Maildir world --------------------------------------------------------------------


def county_config(edit: ConfigEdit | None, addr: Callable[[str], str]) -> Config | None:
    if edit is None:
        return None
    data = yaml.safe_load((ROOT / "routing.yaml").read_text())
    edit(data, addr)
    return load_config(data)


class MaildirWorld(Simulation):
    """The simulation: real store, templates, Maildir in, file sender out."""

    def __init__(self, state: Path, *, edit: ConfigEdit | None = None,
                 start: datetime = MONDAY) -> None:
        super().__init__(state, start, config=county_config(edit, self.addr))

    def addr(self, local: str) -> str:
        return f"{local}@kent.test"

    def person(self, key: str) -> str:
        return self.config.people[key].email

    def form_text(self, category: str, **changes: str | None) -> str:
        return form_body(category, **changes)

    def deliver(self, raw: bytes, mailbox: str = "unit", envelope: str | None = None) -> None:
        super().deliver(raw, mailbox)

    def later(self, **delta: float) -> None:
        self.at(self.now + timedelta(**delta))
