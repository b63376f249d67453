"""Closed alerts, out of the hot file: `archive/YYYY-MM/<REF>.json`, by closing month.

One small file per alert, written atomically (temp, fsync, rename), rather
than a monthly TinyDB file or a monthly JSON-lines log:
- archiving costs the same whatever the archive holds (a monthly TinyDB file
  is rewritten whole on every insert);
- writing is idempotent by reference (a re-flush after a crash overwrites
  the same file with the same alert), where an appended log would need an
  index of every reference ever closed, built by reading the whole archive
  at each open, to avoid duplicates;
- a lookup by reference is a stat per month folder, and the digest's
  "closed since" reads only the month folders from `since` on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from mailbot.adapters.private_files import PRIVATE_FOLDER
from mailbot.adapters.store.appendlog import ensure_folder
from mailbot.adapters.store.atomic_storage import (
    atomic_write_bytes,
    dumps,
    read_json_file,
    remove_stale_temps,
)
from mailbot.adapters.store.events import file_name
from mailbot.adapters.store.record_json import utc
from mailbot.core.values.alert import Alert
from mailbot.errors import StoreCorrupt


def closed_month(alert: Alert) -> str:
    return utc(alert.closed_at or alert.updated_at).strftime("%Y-%m")


class Archive:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count: int | None = None

    def months(self) -> list[str]:
        """Month folders, newest first."""
        return sorted((p.name for p in self.folder.iterdir() if p.is_dir()), reverse=True)

    def put(self, alerts: Iterable[Alert], *, durable: bool = True) -> None:
        for alert in alerts:
            month = self.folder / closed_month(alert)
            if durable:
                ensure_folder(month)
            else:
                month.mkdir(exist_ok=True, mode=PRIVATE_FOLDER)
            path = month / f"{file_name(alert.ref)}.json"
            if self._count is not None and not path.exists():
                self._count += 1
            atomic_write_bytes(path, dumps(alert.model_dump(mode="json")), durable=durable)

    def get(self, ref: str) -> Alert | None:
        name = f"{file_name(ref)}.json"
        for month in self.months():
            path = self.folder / month / name
            if path.exists():
                return _alert(path)
        return None

    def closed_since(self, since: datetime) -> Iterator[Alert]:
        since = utc(since)
        first = since.strftime("%Y-%m")
        for month in self.months():
            if month < first:
                break
            for path in sorted((self.folder / month).glob("*.json")):
                alert = _alert(path)
                if utc(alert.closed_at or alert.updated_at) >= since:
                    yield alert

    def count(self) -> int:
        if self._count is None:
            self._count = sum(
                1 for month in self.months() for _ in (self.folder / month).glob("*.json")
            )
        return self._count

    def tidy(self) -> None:
        """Drop temp files a crash left before their rename. They are never
        read (hidden, not `*.json`); only recent months are written, so only
        those are looked at."""
        for month in self.months()[:2]:
            remove_stale_temps(self.folder / month)


def _alert(path: Path) -> Alert:
    try:
        return Alert.model_validate(read_json_file(path))
    except ValidationError as error:
        raise StoreCorrupt(f"{path}: not an archived alert ({error.errors()[0]['msg']})") from error
