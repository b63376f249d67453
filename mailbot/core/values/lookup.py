"""Which open alerts have a given key, kept up to date by what changed (`KeyedLookup`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from mailbot.core.values.alert import Alert
from mailbot.core.values.lazy import Mark, Marking
from mailbot.core.values.state import Alerts, changes, marked


class KeyedLookup:
    """Which open alerts have a given key (a child's Liberi ID and category, say),
    derived from a state's alerts and kept up to date by what changed since the
    last question (`changes`: read from an `Alerts`' lineage, else a pass in C),
    not rebuilt by a Python pass over every alert.

    It keeps the `Alerts` it last answered for (never changed in place), or its own
    copy of a plain dict, so a dict changed in place after a question is still
    compared value by value. The answer is the same as scanning every alert (a
    memo; the core stays a pure function).

    A key function gives one key (or None); with `many=True`, a tuple of keys (one
    alert under each: a step token, say). Given a Mark (whose value is the key, or
    the keys, as JSON lists), an alert the store has not read is looked up by what the
    store kept of it, not read."""

    def __init__(self, key: Callable[[Alert], Any] | None, *, many: bool = False,
                 mark: Mark | None = None) -> None:
        self._key, self._many, self._mark = key, many, mark
        self._last: Mapping[str, Alert] = {}
        self._fingerprint: str | None = None
        self._key_of: dict[str, tuple[Hashable, ...]] = {}
        self._refs: dict[Hashable, set[str]] = {}

    def refs(self, alerts: Mapping[str, Alert], key: Hashable,
             marking: Marking | None = None) -> frozenset[str]:
        self._sync(alerts, marking)
        return frozenset(self._refs.get(key, ()))

    def _keys(self, alerts: Mapping[str, Alert], ref: str,
              marking: Marking | None) -> tuple[Hashable, ...]:
        if self._mark is not None and marking is not None:
            found = marked(alerts, ref, self._mark, marking)
        elif self._key is not None:
            found = self._key(alerts[ref])
        else:
            raise TypeError(f"{self._mark!r}: a lookup by a mark alone is asked with a Marking")
        if found is None:
            return ()
        return tuple(found) if self._many else (found,)

    def _sync(self, alerts: Mapping[str, Alert], marking: Marking | None = None) -> None:
        fingerprint = None if marking is None or self._mark is None else \
            self._mark.fingerprint(marking)
        if fingerprint != self._fingerprint:   # made under another config: start again
            self._last, self._key_of, self._refs = {}, {}, {}
            self._fingerprint = fingerprint
        changed, dropped = changes(self._last, alerts)
        for ref in dropped:
            self._forget(ref)
        for ref in changed:
            self._forget(ref)
            keys = self._keys(alerts, ref, marking)
            if keys:
                self._key_of[ref] = keys
                for key in keys:
                    self._refs.setdefault(key, set()).add(ref)
        if changed or dropped or alerts is not self._last:
            # an Alerts is never changed in place: kept as it is; a dict, copied
            self._last = alerts if isinstance(alerts, Alerts) else dict(alerts)

    def _forget(self, ref: str) -> None:
        for key in self._key_of.pop(ref, ()):
            refs = self._refs[key]
            refs.discard(ref)
            if not refs:
                del self._refs[key]
