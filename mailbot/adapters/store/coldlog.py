"""Monthly append-only logs for finished records: `seen/` and `sent/YYYY-MM.jsonl`.

Records leave the hot file once they are old, so the hot file stays small;
the key of every record is indexed in memory at open (key -> month and byte
offset), so a lookup never reads a whole log. Appending skips keys the log
already has, which makes moving records out of the hot file idempotent
across a crash between the append and the hot write that drops them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from mailbot.adapters.store.appendlog import append_records, iter_records, read_at
from mailbot.errors import StoreCorrupt

_SUFFIX = ".jsonl"
T = TypeVar("T")


class MonthlyLog(Generic[T]):
    def __init__(self, folder: Path, key: str, decode: Callable[[dict[str, Any]], T]) -> None:
        self.folder = folder
        self.key = key
        self._decode = decode
        self._index: dict[str, tuple[str, int]] = {}    # key -> (month, offset)

    def load_index(self) -> None:
        """Read every committed line once. Each must be a JSON object with its
        key; the rest of a record is checked when it is read (decoding every
        sent mail's body at each open would cost more than it proves)."""
        self._index.clear()
        for month in self.months():
            path = self._path(month)
            for offset, record in iter_records(path):
                key = record.get(self.key)
                if not isinstance(key, str):
                    raise StoreCorrupt(f"{path}: the line at byte {offset} has no {self.key}")
                self._index[key] = (month, offset)

    def months(self) -> list[str]:
        return sorted(p.name.removesuffix(_SUFFIX) for p in self.folder.glob(f"*{_SUFFIX}"))

    def _path(self, month: str) -> Path:
        return self.folder / f"{month}{_SUFFIX}"

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: str) -> T | None:
        place = self._index.get(key)
        if place is None:
            return None
        path = self._path(place[0])
        return self._read(path, read_at(path, place[1]))

    def append(self, records: Sequence[tuple[str, dict[str, Any]]], *,
               durable: bool = True) -> None:
        """Append (month, record) pairs whose key is not logged yet."""
        by_month: dict[str, list[dict[str, Any]]] = {}
        for month, record in records:
            if str(record[self.key]) not in self._index:
                by_month.setdefault(month, []).append(record)
        for month, batch in sorted(by_month.items()):
            offsets = append_records(self._path(month), batch, durable=durable)
            for offset, record in zip(offsets, batch, strict=True):
                self._index[str(record[self.key])] = (month, offset)

    def since(self, month: str) -> Iterator[T]:
        """Every record in the months from `month` on, oldest month first."""
        for each in self.months():
            if each >= month:
                path = self._path(each)
                for _, record in iter_records(path):
                    yield self._read(path, record)

    def _read(self, path: Path, record: dict[str, Any]) -> T:
        try:
            return self._decode(record)
        except (KeyError, TypeError, ValueError) as error:
            raise StoreCorrupt(f"{path}: a {self.key} record cannot be read ({error!r})") from error
