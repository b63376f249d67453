"""Monthly append-only logs for finished records: `seen/` and `sent/YYYY-MM.jsonl`.

Records leave the hot file once they are old, so the hot file stays small;
the keys of every record are indexed in memory at open (key -> file and
byte offset), so a lookup never reads a whole log. Appending skips keys the
log already has, which makes moving records out of the hot file idempotent
across a crash between the append and the hot write that drops them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mailbot.adapters.store.appendlog import append_records, iter_records, read_at

_SUFFIX = ".jsonl"


class MonthlyLog:
    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.key = key
        self._index: dict[str, tuple[str, int]] = {}    # key -> (month, offset)

    def load_index(self, check: Callable[[dict[str, Any]], object]) -> None:
        """Read every committed line once: build the index and prove each
        line readable (`check` raises on a bad record)."""
        self._index.clear()
        for month in self.months():
            path = self._path(month)
            for offset, record in iter_records(path):
                check(record)
                self._index[str(record[self.key])] = (month, offset)

    def months(self) -> list[str]:
        return sorted(p.name.removesuffix(_SUFFIX) for p in self.folder.glob(f"*{_SUFFIX}"))

    def _path(self, month: str) -> Path:
        return self.folder / f"{month}{_SUFFIX}"

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: str) -> dict[str, Any] | None:
        place = self._index.get(key)
        return None if place is None else read_at(self._path(place[0]), place[1])

    def append(
        self, records: Sequence[tuple[str, dict[str, Any]]], *, durable: bool = True
    ) -> None:
        """Append (month, record) pairs whose key is not logged yet."""
        by_month: dict[str, list[dict[str, Any]]] = {}
        for month, record in records:
            if str(record[self.key]) not in self._index:
                by_month.setdefault(month, []).append(record)
        for month, batch in sorted(by_month.items()):
            offsets = append_records(self._path(month), batch, durable=durable)
            for offset, record in zip(offsets, batch, strict=True):
                self._index[str(record[self.key])] = (month, offset)

    def since(self, month: str) -> Iterator[dict[str, Any]]:
        """Every record in the months from `month` on, oldest month first."""
        for each in self.months():
            if each >= month:
                for _, record in iter_records(self._path(each)):
                    yield record
