"""The hot state the core takes, and the Decision it returns."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import partial
from itertools import compress
from operator import is_not
from typing import Any, NoReturn

from pydantic import Field, field_serializer

from mailbot.core.values.alert import Alert, Event
from mailbot.core.values.base import Disposition, Value
from mailbot.core.values.form import Contact, Form
from mailbot.core.values.lazy import Lazy, Mark, Marking, answers_of, mark_of
from mailbot.core.values.mail import Outgoing


class HeldForm(Value):
    """A new form for the same child and category as an open alert, held while its
    sender is asked whether it updates that alert or is a new one (issue 10)."""

    ref: str                     # the open alert it looks like
    seq: int                     # its number on that alert's duplicates log (and its token's)
    form: Form
    sender: Contact              # who sent it: the one person who may answer
    message_id: str              # the held form's own Message-ID
    subject: str = ""
    held_at: datetime
    answers: int = 0             # answers that said neither UPDATE nor NEW


class State(Value):
    """The hot state: open alerts and the counters that must never go back."""

    alerts: dict[str, Alert] = Field(default_factory=dict)
    counters: dict[str, int] = Field(default_factory=dict)   # year -> last number issued
    digest_sent: tuple[str, ...] = ()   # ISO week keys of digests already sent
    # ISO week keys of the weekly reviews of each area's open alerts already sent
    review_sent: tuple[str, ...] = ()
    # sender -> ISO date of the last "we could not accept that reply" answer
    refused_notice: dict[str, str] = Field(default_factory=dict)
    # ref -> last seq of its refusals log (`<REF>.refused`): messages that named the
    # alert and were refused, kept apart so the alert itself is untouched (issue 10)
    refusal_seq: dict[str, int] = Field(default_factory=dict)
    # token -> a form held as a possible duplicate of an open alert (alerts/duplicate.py)
    held_forms: dict[str, HeldForm] = Field(default_factory=dict)
    # ref -> last seq of its duplicates log (`<REF>.duplicates`): forms held, answered, expired
    duplicate_seq: dict[str, int] = Field(default_factory=dict)
    # address -> ISO date of the last daily "waiting on you" mail (clocks/waiting.py)
    waiting_sent: dict[str, str] = Field(default_factory=dict)

    @field_serializer("alerts", mode="wrap")
    def _read_alerts(self, alerts: dict[str, Alert], handler: Any) -> Any:
        """Dumped as alerts, every one read (an `Alerts` may hold some not yet read)."""
        return handler(alerts.plain() if isinstance(alerts, Alerts) else alerts)


class Decision(Value):
    """What the core decided: the new state and the effects to apply, in order."""

    state: State
    outgoing: tuple[Outgoing, ...] = ()
    events: tuple[Event, ...] = ()
    disposition: Disposition = "processed"
    closed: tuple[str, ...] = ()       # refs to move out of the hot state
    note: str = ""                     # one line for the log (references, never names)
    digest_week: str | None = None     # T-WEEKLY: this week's digest is owed (ISO week key)


class Derived(dict[str, Any]):
    """A mapping never changed in place, that remembers what it was derived from (by a
    weak reference) and what the derivation put and dropped. So "what changed between
    these two?" costs what changed, not the size of the mapping (`changes`); a plain
    dict still works everywhere, at the cost of a pass. The open alerts (`Alerts`) and
    the store's hot outbox (adapters/store/outbox_index.py) are kept this way."""

    __slots__ = ("__weakref__", "_dropped", "_parent", "_put")
    _parent: weakref.ref[Derived] | None
    _put: frozenset[str]
    _dropped: frozenset[str]

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /) -> None:
        super().__init__(items)
        self._parent, self._put, self._dropped = None, frozenset(), frozenset()

    def derive(self, put: Mapping[str, Any] | None = None, drop: Iterable[str] = ()) -> Any:
        """This mapping with `put` put (new or replaced) and `drop` dropped, a new one
        of the same kind that remembers this one."""
        put = put or {}
        dropped = frozenset(key for key in drop if key in self and key not in put)
        new = type(self)(self)    # a copy of what is held (a Lazy stays unread)
        dict.update(new, put)
        for key in dropped:
            dict.__delitem__(new, key)
        new._parent, new._put, new._dropped = weakref.ref(self), frozenset(put), dropped
        return new

    def since(self, before: Mapping[str, Any]) -> tuple[set[str], set[str]] | None:
        """(keys put, keys dropped) since `before`, when this was derived from it
        (None when not, or too far back to say cheaply)."""
        put: set[str] = set()
        dropped: set[str] = set()
        node: Derived | None = self
        for _ in range(_LINEAGE):
            if node is before:
                return put, dropped
            if node is None or node._parent is None:
                return None
            put |= node._put
            dropped |= node._dropped
            node = node._parent()
        return None

    def _in_place(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(f"a {type(self).__name__} is not changed in place: derive() a new one")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _in_place
    __ior__ = _in_place

    def __reduce__(self) -> tuple[type[Derived], tuple[dict[str, Any]]]:
        return type(self), (dict(self),)

    def __copy__(self) -> Derived:
        return self


class Alerts(Derived):
    """A State's open alerts, a `Derived` mapping.

    A value may be `Lazy` (an alert the store has not read yet): reading it through
    this mapping makes it an Alert, and a Mark's question is answered without reading
    it when the store kept the answer (`marked`)."""

    __slots__ = ()

    def __init__(self, items: Mapping[str, Alert | Lazy] | Iterable[tuple[str, Alert | Lazy]]
                 = (), /) -> None:
        held: Any = items   # a Lazy is held as it is, and read through this mapping
        super().__init__(held)

    def __getitem__(self, ref: str) -> Alert:
        value: Any = dict.__getitem__(self, ref)
        return value.get() if type(value) is Lazy else value

    def get(self, ref: str, default: Any = None) -> Any:
        value: Any = dict.get(self, ref, _MISSING)
        if value is _MISSING:
            return default
        return value.get() if type(value) is Lazy else value

    def values(self) -> list[Alert]:   # type: ignore[override]
        return [v.get() if type(v) is Lazy else v for v in self._held()]

    def items(self) -> list[tuple[str, Alert]]:   # type: ignore[override]
        held: Iterable[tuple[str, Any]] = dict.items(self)
        return [(k, v.get() if type(v) is Lazy else v) for k, v in held]

    def unread(self) -> int:
        """How many alerts have not been read from the store's bytes (for tests and figures)."""
        return sum(1 for v in self._held() if type(v) is Lazy and not v.loaded)

    def _held(self) -> Iterable[Any]:
        """The values as held, Lazy or not."""
        return dict.values(self)

    def plain(self) -> dict[str, Alert]:
        """A plain dict of every alert, read (for comparisons and dumps)."""
        return dict(self.items())

    def derive(self, put: Mapping[str, Alert] | None = None, drop: Iterable[str] = ()) -> Alerts:
        """These alerts with `put` put (new or replaced) and `drop` dropped; these same
        ones when that changes nothing (a Lazy, once read, is its alert)."""
        put, drop = put or {}, tuple(drop)
        if not any(ref in self and ref not in put for ref in drop) and \
                all(_is(dict.get(self, ref), alert) for ref, alert in put.items()):
            return self
        new: Alerts = super().derive(put, drop)
        return new

    def __reduce__(self) -> tuple[type[Alerts], tuple[dict[str, Alert]]]:
        return Alerts, (self.plain(),)


_LINEAGE = 64
_MISSING = object()


def _is(held: Any, alert: Alert) -> bool:
    """Whether a held value is that very alert (a Lazy, once read, is its alert)."""
    return held is alert or (type(held) is Lazy and held.is_read_as(alert))


def marked(alerts: Mapping[str, Alert], ref: str, mark: Mark, marking: Marking) -> Any:
    """`mark`'s answer for `alerts[ref]`, an `Alerts` or a plain dict."""
    held = dict.__getitem__(alerts, ref) if isinstance(alerts, dict) else alerts[ref]
    return mark_of(held, mark, marking)


def marked_all(alerts: Mapping[str, Alert], ref: str, marks: tuple[Mark, ...],
               marking: Marking) -> list[Any]:
    """Each of `marks`' answers for `alerts[ref]`, what the store kept read once."""
    held = dict.__getitem__(alerts, ref) if isinstance(alerts, dict) else alerts[ref]
    return answers_of(held, marks, marking)


def with_alerts(alerts: Mapping[str, Alert], put: Mapping[str, Alert] | None = None,
                drop: Iterable[str] = ()) -> Alerts:
    """`alerts` with `put` put and `drop` dropped, as a new Alerts."""
    base = alerts if isinstance(alerts, Alerts) else Alerts(alerts)
    return base.derive(put, drop)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(keys of `after` whose value is not the very object `before` holds, keys of
    `before` that `after` lacks). Values are immutable and a decision replaces only
    what it changes, so this is what changed: read from the lineage of a `Derived`
    mapping when it reaches `before`, else a pass in C (a fraction of a millisecond for
    10,000 open alerts), and a set difference only when something went."""
    if isinstance(after, Derived) and (found := after.since(before)) is not None:
        put, dropped = found
        get = partial(dict.get, before) if isinstance(before, dict) else before.get
        return (sorted(k for k in put if k in after and dict.get(after, k) is not get(k)),
                sorted(k for k in dropped if k in before and k not in after))
    keys = after.keys()
    held = dict.values(after) if isinstance(after, dict) else after.values()
    get = partial(dict.get, before) if isinstance(before, dict) else before.get
    changed = list(compress(keys, map(is_not, held, map(get, keys))))
    gone = sorted(before.keys() - keys) if len(before) + len(changed) > len(after) else []
    return changed, gone


def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The keys of `after` whose value is not the very object `before` holds (new keys
    included): `changes` without what went."""
    return changes(before, after)[0]
