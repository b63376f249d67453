"""Where a monthly cold log holds a key, without reading the log: `<log>/index/XX.keys`.

Each record a log gains is first indexed in one of 256 bucket files, chosen by
the first byte of its key's hash: 20 bytes of (8 bytes of BLAKE2b of the key,
the log's month as YYYYMM, the record's byte offset in that month's log). So
"is this message seen?" or "was this mail sent?" reads one bucket (about 8 KB
at 100,000 archived alerts) and, for a matching hash, the one line it points
to, whose key is compared in full: no answer rests on the hash alone, and
opening a store reads none of this.

The entry is written (and fsynced) before the log line it points to, so the
index always covers the log: a crash between the two leaves an entry pointing
at the log's end, which later holds another record or nothing, and the key
comparison rejects it. A bucket's torn last entry (a crash mid-append) is
never read, and cut off before the next append.

`months.jsonl` lists the months whose logs are indexed. A log month missing
from it (a store written before the index existed, or a log put there by
hand) is indexed from the log the first time the index is asked, reading and
so checking every line of it once.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

from mailbot.adapters.private_files import PRIVATE_FOLDER
from mailbot.adapters.store.appendlog import append_records, iter_records
from mailbot.adapters.store.atomic_storage import fsync_dir
from mailbot.adapters.store.portable import pwrite

_ENTRY = struct.Struct("<8sIQ")      # hash, month (YYYYMM), offset
SIZE = _ENTRY.size


def key_hash(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def _month_number(month: str) -> int:
    year, _, number = month.partition("-")
    return int(year) * 100 + int(number)


def _month_text(number: int) -> str:
    return f"{number // 100:04d}-{number % 100:02d}"


class KeyIndex:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # buckets read so far, as bytes: this process is the only writer (the lock)
        self._buckets: dict[Path, bytes] = {}

    def _bucket(self, digest: bytes) -> Path:
        return self.folder / f"{digest[0]:02x}.keys"

    def places(self, key: str) -> list[tuple[str, int]]:
        """(month, offset) of every entry with this key's hash, oldest first."""
        digest = key_hash(key)
        data = self._read(self._bucket(digest))
        found = []
        position = data.find(digest)
        whole = len(data) - len(data) % SIZE
        while 0 <= position < whole:
            if position % SIZE == 0:
                _, month, offset = _ENTRY.unpack_from(data, position)
                found.append((_month_text(month), offset))
            position = data.find(digest, position + 1)
        return found

    def _read(self, path: Path) -> bytes:
        data = self._buckets.get(path)
        if data is None:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                data = b""
            self._buckets[path] = data
        return data

    def add(self, entries: Iterable[tuple[str, str, int]], *, durable: bool = True) -> None:
        """Index (key, month, offset) entries, durably unless told not to."""
        by_bucket: dict[Path, list[bytes]] = {}
        for key, month, offset in entries:
            digest = key_hash(key)
            by_bucket.setdefault(self._bucket(digest), []).append(
                _ENTRY.pack(digest, _month_number(month), offset))
        if not by_bucket:
            return
        created = False
        self.folder.mkdir(exist_ok=True, mode=PRIVATE_FOLDER)
        for path, packed in sorted(by_bucket.items()):
            created |= not path.exists()
            self._buckets.pop(path, None)    # read afresh (a torn tail may have been cut)
            _append(path, b"".join(packed), durable=durable)
        if created and durable:
            fsync_dir(self.folder)

    def count(self) -> int:
        """Entries indexed (a key indexed twice after a crash counts twice)."""
        try:
            with os.scandir(self.folder) as found:
                return sum(e.stat().st_size // SIZE for e in found if e.name.endswith(".keys"))
        except FileNotFoundError:
            return 0

    # -- which months' logs are indexed -------------------------------------------------

    @property
    def _months_path(self) -> Path:
        return self.folder / "months.jsonl"

    def indexed_months(self) -> set[str]:
        return {str(r.get("month")) for _, r in iter_records(self._months_path)}

    def mark_months(self, months: Sequence[str], *, durable: bool = True) -> None:
        if months:
            self.folder.mkdir(exist_ok=True, mode=PRIVATE_FOLDER)
            append_records(self._months_path, [{"month": m} for m in months], durable=durable)


def _append(path: Path, data: bytes, *, durable: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        whole = size - size % SIZE
        if whole != size:
            os.ftruncate(fd, whole)     # the torn last entry of an earlier crash
        view, position = memoryview(data), whole
        while view:
            written = pwrite(fd, view, position)
            view, position = view[written:], position + written
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
