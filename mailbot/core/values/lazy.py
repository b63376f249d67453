"""What the store keeps of an open alert it has not read (`Lazy`), and the questions a
pass over every open alert asks of each (`Mark`), answered from what the store kept
when it can (docs/decisions.md, "Open alerts read when needed")."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mailbot.core.values.alert import Alert


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True, eq=False)
class Marking:
    """What marks are made under: the config, the bank holidays, and their
    fingerprint, with and without the holidays (config/fingerprint.py makes it;
    marks kept under another are not used)."""

    config: Any
    holidays: frozenset[Any]
    fingerprint: str    # the config and the holidays
    base: str           # the config alone


class Lazy:
    """An open alert as the store read it and not yet made into an `Alert`: its bytes,
    how to make it, and what the store kept of it when it wrote them (its marks, as
    bytes with how to read them, made under the fingerprints given: `Mark`). Made
    into an Alert once, on first use, and the same object every time after, so
    identity memos hold; the marks are read on first use too. A mark it does not keep
    (made under other fingerprints: an upgrade, a changed routing.yaml) is made from
    an Alert read for the purpose and not kept (`peek`), and remembered here: after
    an upgrade a tick would otherwise read every open alert and hold them all."""

    __slots__ = ("_alert", "_load", "_made", "_marks", "_read_marks", "base", "data",
                 "fingerprint", "marks_data", "rows_data")
    _alert: Alert | None
    _marks: Mapping[str, Any] | None
    _made: dict[tuple[str, str], Any] | None

    def __init__(self, data: bytes, load: Callable[[bytes], Alert], marks_data: bytes = b"",
                 read_marks: Callable[[bytes], Mapping[str, Any]] | None = None,
                 fingerprint: str = "", base: str = "", rows_data: bytes = b"") -> None:
        self.data, self._load, self._alert = data, load, None
        self.marks_data, self._read_marks, self._marks = marks_data, read_marks, None
        self.rows_data = rows_data   # the marks asked once in a while (a status row), apart
        self.fingerprint, self.base = fingerprint, base
        self._made = None

    @property
    def loaded(self) -> bool:
        return self._alert is not None

    @property
    def marks(self) -> Mapping[str, Any]:
        """The kept marks a pass asks again and again, read once and remembered (not
        those made with `remember=False`: a status row, asked once, is most of them)."""
        marks = self._marks
        if marks is None:
            marks = self._marks = {name: value for name, value in self.all_marks().items()
                                   if name not in _ASKED_ONCE}
        return marks

    def all_marks(self) -> Mapping[str, Any]:
        """Every kept mark, read now (not remembered)."""
        return {**self._read(self.marks_data), **self._read(self.rows_data)}

    def rows(self) -> Mapping[str, Any]:
        """The kept marks asked once in a while, read now (with all the others from a
        store that kept them together)."""
        return self._read(self.rows_data) if self.rows_data else self.all_marks()

    def _read(self, data: bytes) -> Mapping[str, Any]:
        return self._read_marks(data) if data and self._read_marks else {}

    def get(self) -> Alert:
        alert = self._alert
        if alert is None:
            alert = self._alert = self._load(self.data)
        return alert

    def keep(self, marks_data: bytes, rows_data: bytes, fingerprint: str, base: str) -> None:
        """Keep these marks, made under these fingerprints, from now on (the store made
        them again for its snapshot: the same answers, so nothing asked changes)."""
        self.marks_data, self.rows_data = marks_data, rows_data
        self.fingerprint, self.base = fingerprint, base
        self._marks = self._made = None

    def peek(self) -> Alert:
        """The alert, read from the bytes and not kept when it had not been read."""
        return self._alert if self._alert is not None else self._load(self.data)

    def made(self, mark: Mark, marking: Marking, alert: Alert | None = None) -> Any:
        """`mark`'s answer made from this alert's bytes (or `alert`, read from them),
        remembered unless the mark is not (`remember=False`)."""
        key = (mark.name, mark.fingerprint(marking))
        if self._made is not None and key in self._made:
            return self._made[key]
        value = mark.compute(alert or self.peek(), marking.config, marking.holidays)
        if mark.remember:
            if self._made is None:
                self._made = {}
            self._made[key] = value
        return value

    def is_read_as(self, alert: Alert) -> bool:
        """Whether this was read, as that very alert."""
        return self._alert is alert

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, Lazy):
            return self.data == other.data or self.get() == other.get()
        return self.get() == other

    __hash__ = None  # type: ignore[assignment]


class Mark:
    """A fact of one alert that a pass over every open alert asks of each (when is
    anything next due, which child, which step tokens, its status row), a pure
    function of the alert, the config and the bank holidays. Asked through
    `Alerts.mark`, it is read from what the store kept with an alert it has not had
    to read (`Lazy.marks`, made under the same fingerprint: config/fingerprint.py),
    and otherwise computed, and remembered while that alert object lives. The answer
    is always the function's own (a memo; the core stays a pure function).

    `encode`/`decode` turn a value into the JSON the store keeps and back;
    `holidays=False` for a mark the bank holidays never change (it is then kept under
    the fingerprint without them, and read by callers that have none to give);
    `remember=False` for a mark asked once in a while (a status row): read from what
    the store kept each time it is asked, not held for every open alert meanwhile."""

    def __init__(self, name: str, compute: Callable[[Alert, Any, frozenset[Any]], Any],
                 encode: Callable[[Any], Any] = _same, decode: Callable[[Any], Any] = _same,
                 *, holidays: bool = True, remember: bool = True) -> None:
        self.name, self.compute, self.encode, self.decode = name, compute, encode, decode
        self.holidays, self.remember = holidays, remember
        if not remember:
            _ASKED_ONCE.add(name)
        self._memo: dict[str, tuple[weakref.ref[Alert], str, Any]] = {}

    def fingerprint(self, marking: Marking) -> str:
        return marking.fingerprint if self.holidays else marking.base

    def of(self, alert: Alert, marking: Marking) -> Any:
        made_under = self.fingerprint(marking)
        hit = self._memo.get(alert.ref)
        if hit is not None and hit[0]() is alert and hit[1] == made_under:
            return hit[2]
        value = self.compute(alert, marking.config, marking.holidays)
        if len(self._memo) >= _MEMO_MAX:
            self._memo.clear()
        self._memo[alert.ref] = (weakref.ref(alert), made_under, value)
        return value

    def __repr__(self) -> str:
        return f"Mark({self.name!r})"


_MEMO_MAX = 200_000
# the names of marks made with remember=False
_ASKED_ONCE: set[str] = set()


def mark_of(held: Alert | Lazy, mark: Mark, marking: Marking,
            kept: Mapping[str, Any] | None = None) -> Any:
    """`mark`'s answer for a held value: kept by the store, or computed (and remembered).
    `kept`: the held value's kept marks, read already (`answers_of`)."""
    if isinstance(held, Lazy):
        kept_under = held.fingerprint if mark.holidays else held.base
        if kept_under and kept_under == mark.fingerprint(marking):
            if kept is None:
                kept = held.marks if mark.remember else held.rows()
            if mark.name in kept:
                return mark.decode(kept[mark.name])
        if not held.loaded:
            return held.made(mark, marking)
        held = held.get()
    return mark.of(held, marking)


def answers_of(held: Alert | Lazy, marks: tuple[Mark, ...], marking: Marking) -> list[Any]:
    """Several marks' answers for one held value, the rows the store kept read once (a
    status asks an alert's row and its tasks, neither of them remembered)."""
    kept = held.rows() if isinstance(held, Lazy) and not any(m.remember for m in marks) \
        else None
    return [mark_of(held, mark, marking, kept) for mark in marks]


def split_marks(marks: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An alert's marks as the store keeps them, on two lines: those a pass asks again
    and again, and those asked once in a while (`remember=False`: a status reads only
    these, a tick only the others)."""
    kept = {name: value for name, value in marks.items() if name not in _ASKED_ONCE}
    return kept, {name: value for name, value in marks.items() if name in _ASKED_ONCE}
