"""Monthly append-only logs for finished records: `seen/` and `sent/YYYY-MM.jsonl`.

Records leave the hot file once they are old, so the hot file stays small.
Their keys are found through the log's key index (`keyindex.py`: hashes,
months and offsets in 256 small bucket files), never by reading the logs: a
store opens without touching them, and a lookup reads one bucket and one
line. Appending skips keys the log already has, which makes moving records
out of the hot file idempotent across a crash between the append and the hot
write that drops them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from mailbot.adapters.store.appendlog import (
    append_records,
    committed_length,
    iter_records,
    parse_line,
)
from mailbot.adapters.store.atomic_storage import dumps
from mailbot.adapters.store.keyindex import KeyIndex
from mailbot.errors import StoreCorrupt

_SUFFIX = ".jsonl"
T = TypeVar("T")


class MonthlyLog(Generic[T]):
    def __init__(self, folder: Path, key: str, decode: Callable[[dict[str, Any]], T]) -> None:
        self.folder = folder
        self.key = key
        self._decode = decode
        self.index = KeyIndex(folder / "index")
        self._checked = False      # every log month known to the index (see _catch_up)

    def months(self) -> list[str]:
        return sorted(p.name.removesuffix(_SUFFIX) for p in self.folder.glob(f"*{_SUFFIX}"))

    def _path(self, month: str) -> Path:
        return self.folder / f"{month}{_SUFFIX}"

    def _catch_up(self) -> None:
        """Index any log month the index does not know (a store from before the
        index, or a log put there by hand), reading and so checking each of its
        lines once. Asked once per open, at the first lookup or append."""
        if self._checked:
            return
        known = self.index.indexed_months()
        for month in self.months():
            if month in known:
                continue
            path = self._path(month)
            entries = []
            for offset, record in iter_records(path):
                key = record.get(self.key)
                if not isinstance(key, str):
                    raise StoreCorrupt(f"{path}: the line at byte {offset} has no {self.key}")
                entries.append((key, month, offset))
            self.index.add(entries)
            self.index.mark_months([month])
        self._checked = True

    def _record(self, key: str) -> tuple[Path, dict[str, Any]] | None:
        self._catch_up()
        for month, offset in self.index.places(key):
            path = self._path(month)
            line = _line_at(path, offset)
            if line is None:
                continue    # indexed, but the crash came before the line was written
            record = parse_line(path, line, f"at byte {offset}")
            if record.get(self.key) == key:
                return path, record
        return None

    def __contains__(self, key: str) -> bool:
        return self._record(key) is not None

    def __len__(self) -> int:
        self._catch_up()
        return self.index.count()

    def get(self, key: str) -> T | None:
        found = self._record(key)
        return None if found is None else self._read(*found)

    def append(self, records: Sequence[tuple[str, dict[str, Any]]], *,
               durable: bool = True) -> None:
        """Append (month, record) pairs whose key is not logged yet: each is indexed
        first, at the offset it is about to take, then written."""
        if not records:
            return
        self._catch_up()
        by_month: dict[str, list[dict[str, Any]]] = {}
        fresh: set[str] = set()
        for month, record in records:
            key = str(record[self.key])
            if key not in fresh and key not in self:
                fresh.add(key)
                by_month.setdefault(month, []).append(record)
        if not by_month:
            return
        known = self.index.indexed_months()
        self.index.mark_months([m for m in sorted(by_month) if m not in known], durable=durable)
        for month, batch in sorted(by_month.items()):
            path = self._path(month)
            offset = committed_length(path)
            entries = []
            for record in batch:
                entries.append((str(record[self.key]), month, offset))
                offset += len(dumps(record)) + 1
            self.index.add(entries, durable=durable)
            offsets = append_records(path, batch, durable=durable)
            if offsets != [o for _, _, o in entries]:
                raise StoreCorrupt(f"{path}: changed while being appended to")

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


def _line_at(path: Path, offset: int) -> bytes | None:
    """The committed line starting at `offset`, or None past the committed end."""
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            line = stream.readline()
    except FileNotFoundError:
        return None
    return line if line.endswith(b"\n") else None
