"""Whole-file writes that a crash cannot tear, and the TinyDB storage built on them.

TinyDB's own JSONStorage truncates the file and writes it in place, so a
crash mid-write leaves half a database. Here every write goes to a temporary
file in the same folder, is flushed and fsynced, then `os.replace`d over the
old file, and the folder is fsynced so the rename itself survives power loss.
At every instant the path names either the old complete file or the new one.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from mailbot.adapters.store.portable import fsync_folder, replace
from mailbot.errors import StoreCorrupt

TEMP_SUFFIX = ".tmp"


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in `folder` durable (portable.fsync_folder)."""
    fsync_folder(folder)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` all at once. `durable=False` skips the fsyncs:
    only for bulk loads that sync once at the end."""
    atomic_write_chunks(path, (data,), durable=durable)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], *, durable: bool = True) -> int:
    """`atomic_write_bytes` of the pieces joined, never holding them all in memory
    (a large snapshot); returns the bytes written."""
    temp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    total = 0
    try:
        try:
            for block in _blocks(chunks):
                view = memoryview(block)
                total += len(view)
                while view:
                    view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    if durable:
        fsync_dir(path.parent)
    return total


def _blocks(chunks: Iterable[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """The pieces joined into writes of about `size` bytes (one write for one piece)."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending) if len(pending) > 1 else pending[0]
            pending, held = [], 0
    if pending:
        yield b"".join(pending) if len(pending) > 1 else pending[0]


def remove_stale_temps(folder: Path) -> None:
    """Temporary files left by a crash before their rename: never the real data."""
    for stale in folder.glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()


def read_json_file(path: Path) -> Any:
    """The parsed file, or StoreCorrupt naming it; the file is never touched."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StoreCorrupt(f"{path}: cannot be read ({error.strerror})") from error
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoreCorrupt(
            f"{path}: not valid JSON ({error}); the file was left as it is, "
            "restore it from a backup or move it aside"
        ) from error


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose every write is atomic and durable when it returns.

    Reading a missing file gives None (TinyDB's "empty"); whether a missing
    file may be created is the Store's decision, not the storage's.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        if not self.path.exists():
            return None
        data = read_json_file(self.path)
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise StoreCorrupt(f"{self.path}: not a TinyDB database (expected tables of documents)")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_encoded(dumps(data))

    def write_encoded(self, data: bytes) -> None:
        """Write a document already encoded as JSON (the store builds it from
        cached pieces, see hotfile.encode)."""
        atomic_write_bytes(self.path, data)
