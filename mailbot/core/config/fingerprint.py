"""What the marks an alert's store keeps were made under (core/values/lazy.py `Mark`):
the config and the bank holidays. A mark kept under another fingerprint is not used,
so a changed routing.yaml or a new holiday never reads an answer the old one gave:
the alert is read and asked again. (The core's own code is the third thing a mark
depends on: the store keeps a hash of it beside the marks and drops them when it
differs, adapters/store/hotfile.py `core_code`, since reading code is I/O.)"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from mailbot.core.values.lazy import Marking

_last: tuple[Any, frozenset[date], Marking] | None = None


def marking(config: Any, holidays: frozenset[date] = frozenset()) -> Marking:
    """The Marking for this config and these holidays (the last one asked is kept:
    a process asks with the same two objects every time)."""
    global _last
    if _last is not None and _last[0] is config and _last[1] == holidays:
        return _last[2]
    digest = hashlib.sha256()
    digest.update(config.model_dump_json().encode("utf-8"))
    base = digest.hexdigest()[:24]
    digest.update(",".join(sorted(d.isoformat() for d in holidays)).encode("ascii"))
    found = Marking(config, holidays, digest.hexdigest()[:24], base)
    _last = (config, holidays, found)
    return found

