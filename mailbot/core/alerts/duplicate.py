"""The same alert twice is one alert (issue 10, R-ALL).

A new form for the same child (Liberi ID) and category as an open alert raised
within `authority.duplicate_window` opens no second chain. The form is held in
the state and its sender is asked one plain question: is it news about that
alert (UPDATE) or a separate episode (NEW)? The question carries a token, in its
Reply-To plus address and in a request-style Message-ID, so the answer finds the
held form; `alerts/duplicate_answer.py` reads it. A form nobody answers for is
dropped once the window has passed.

Each step is recorded on the alert's duplicates log (`<REF>.duplicates`), so the
alert itself is untouched until its sender says what the form is. The held
message is filed as needs_attention: until its sender answers no chain carries
it, and a form about a child must not vanish if nobody ever does.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from mailbot.core import ids
from mailbot.core.config import Config, fingerprint
from mailbot.core.context import Ctx
from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.form import Contact, Form
from mailbot.core.values.lazy import Mark
from mailbot.core.values.lookup import KeyedLookup
from mailbot.core.values.mail import Incoming, Outgoing, Recipient
from mailbot.core.values.state import Decision, HeldForm, State

RULE = "R-ALL"
DUPLICATES_LOG = ".duplicates"
STEP = "duplicate"   # the step slot of the question's request-style Message-ID
Choice = Literal["update", "new"]
_SPACE = re.compile(r"\s+")


def log_ref(ref: str) -> str:
    return f"{ref}{DUPLICATES_LOG}"


def _liberi(value: str | None) -> str:
    return _SPACE.sub("", value or "").casefold()


def _child(alert: Alert) -> tuple[str, str] | None:
    key = _liberi(alert.form.case_id)
    return (alert.category, key) if key and alert.status != "closed" else None


def _pair(value: list[str] | None) -> tuple[str, str] | None:
    return None if value is None else (value[0], value[1])


# the child an open alert is about, kept by the store with the alert (a new form
# is checked against 10,000 open alerts without reading them)
CHILD = Mark("child", lambda alert, config, holidays: _child(alert),
             lambda key: None if key is None else list(key), _pair, holidays=False)
_BY_CHILD = KeyedLookup(_child, mark=CHILD)


def same_child(state: State, form: Form, config: Config, now: datetime) -> Alert | None:
    """The open alert this form looks like: the same Liberi ID and category, raised
    within the window (the latest such, when there are several)."""
    key = _liberi(form.case_id)
    if not key or not form.category:
        return None
    window = config.authority.duplicate_window
    alerts = state.alerts
    found = _BY_CHILD.refs(alerts, (form.category, key), fingerprint.marking(config))
    matches = [a for a in map(alerts.__getitem__, found)
               if window.after(a.created_at) > now]
    return max(matches, key=lambda a: (a.created_at, a.ref), default=None)


def until(held: HeldForm, config: Config) -> datetime:
    """When a held form nobody answered for is dropped."""
    return config.authority.duplicate_window.after(held.held_at)


def logged(state: State, ref: str, now: datetime, what: str, message_id: str | None,
           **detail: Any) -> tuple[State, Event]:
    """One line on the alert's duplicates log; the alert itself is untouched."""
    seq = state.duplicate_seq.get(ref, 0) + 1
    event = Event(ref=log_ref(ref), seq=seq, at=now, rule=RULE, what=what,
                  message_id=message_id, detail=detail)
    return state.model_copy(update={"duplicate_seq": {**state.duplicate_seq, ref: seq}}), event


def hold(state: State, inc: Incoming, config: Config, ctx: Ctx, existing: Alert) -> Decision:
    """Hold the form and ask its sender which it is; nothing is routed."""
    assert inc.form is not None
    if inc.message_id == existing.source_message:
        # the very message that raised it, seen again with other bytes (a re-delivery)
        return Decision(state=state, disposition="needs_attention",
                        note=f"the form that raised {existing.ref}, delivered again: not raised "
                             "twice; kept for a person")
    seq = state.duplicate_seq.get(existing.ref, 0) + 1
    token = ctx.token(existing.ref, STEP, seq)
    held = HeldForm(ref=existing.ref, seq=seq, form=inc.form.form,
                    sender=Contact(name=inc.sender_name, email=inc.sender),
                    message_id=inc.message_id, subject=inc.subject, held_at=ctx.now)
    state, event = logged(state, existing.ref, ctx.now, "held", inc.message_id,
                          **{"from": inc.sender, "category": existing.category,
                             "until": until(held, config).isoformat()})
    assert event.seq == seq
    state = state.model_copy(update={"held_forms": {**state.held_forms, token: held}})
    out = question(held, token, existing, config, in_reply_to=inc.message_id)
    return Decision(state=state, outgoing=(out,), events=(event,), disposition="needs_attention",
                    note=f"form held as a possible duplicate of {existing.ref}: sender asked")


def question(held: HeldForm, token: str, existing: Alert | None, config: Config, *,
             in_reply_to: str, unclear: str = "") -> Outgoing:
    """The one plain-words question (again, with `unclear`, after an answer that said
    neither). No case data: the reference and the child's initials only."""
    ref = held.ref
    domain = config.organisation.bot_address.rsplit("@", 1)[1]
    again = f"a{held.answers}" if held.answers else ""
    ask = (f"This looks like alert {ref} for the same child. If it is news about that alert, "
           f"reply UPDATE and it will be added to {ref}; if it is a separate episode, reply NEW "
           "and it will be raised as a new alert.")
    return Outgoing(
        message_id=ids.request_id(ref, STEP, held.seq, token, domain, again,
                                  installation=config.installation),
        purpose="duplicate_question",
        to=(Recipient(name=held.sender.name or held.sender.email, email=held.sender.email),),
        ref=ref, subject=f"[{ref}] Same child as alert {ref}? Reply UPDATE or NEW",
        context={"ref": ref, "initials": existing.initials if existing else "?", "rule": RULE,
                 "reason": "you sent an alert form for a child who already has an open alert.",
                 "question": ask, "unclear": unclear, "original_subject": held.subject,
                 "until": until(held, config).isoformat()},
        reply_token=token, in_reply_to=in_reply_to, auto="auto-replied", rule=RULE,
        urgent=bool(held.form.category and held.form.category in config.categories
                    and config.categories[held.form.category].priority_one))


def find_held(state: State, inc: Incoming) -> tuple[str, HeldForm] | None:
    """The held form a reply answers: by its plus address, else a question's Message-ID."""
    claims = [c for c in (ids.parse_request_id(m) for m in inc.in_reply_to)
              if c is not None and c.wait_id == STEP]
    for token, held in state.held_forms.items():
        if inc.plus_token and ids.tokens_equal(token, inc.plus_token.lower()):
            return token, held
        if any(c.ref == held.ref and c.attempt == held.seq and ids.tokens_equal(token, c.token)
               for c in claims):
            return token, held
    return None


_GREETING = re.compile(r"^(?:hi|hello|dear|morning|afternoon|good \w+)\b.{0,40}$", re.I)
_CHOICE = re.compile(r"^[\W_]*(?P<word>update|new)(?![\w-])(?P<rest>.*)$", re.I)
_DOUBT = re.compile(r"\?|\b(?:not|don'?t)\b", re.I)


def first_line(text: str) -> str:
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    if len(lines) > 1 and _GREETING.match(lines[0]):
        lines = lines[1:]
    return lines[0][:200] if lines else ""


def choice(text: str) -> Choice | None:
    """UPDATE or NEW, when the first line plainly says one of them."""
    m = _CHOICE.match(first_line(text))
    if m is None:
        return None
    word: Choice = "update" if m["word"].lower() == "update" else "new"
    other = "new" if word == "update" else "update"
    if re.search(rf"\b{other}\b", m["rest"], re.I) or _DOUBT.search(m["rest"]):
        return None
    return word


def expire(state: State, config: Config, now: datetime) -> tuple[State, list[Event]]:
    """Drop held forms nobody answered for within the window, each recorded."""
    events: list[Event] = []
    for token, held in sorted(state.held_forms.items(), key=lambda item: item[1].held_at):
        if until(held, config) > now:
            continue
        state, event = logged(state, held.ref, now, "held_form_expired", held.message_id,
                              **{"from": held.sender.email, "held_at": held.held_at.isoformat()})
        state = state.model_copy(update={
            "held_forms": {t: h for t, h in state.held_forms.items() if t != token}})
        events.append(event)
    return state, events


def next_expiry(state: State, config: Config) -> datetime | None:
    return min((until(h, config) for h in state.held_forms.values()), default=None)
