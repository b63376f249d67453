"""Append-only JSON-lines files: one record per line, committed by its newline.

A crash mid-append can leave a last line without its newline (or a tail of
zeros on some filesystems). Such a tail was never committed: readers ignore
it and the next append cuts it off first. Any *committed* line that does not
parse is damage we cannot explain, so it is StoreCorrupt, never skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mailbot.adapters.private_files import make_private_folder
from mailbot.adapters.store.atomic_storage import dumps, fsync_dir
from mailbot.adapters.store.portable import pread, pwrite
from mailbot.errors import StoreCorrupt

_CHUNK = 1 << 16


def iter_records(path: Path, *, start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(byte offset, record) for each committed line from `start`; none if no file."""
    try:
        with path.open("rb") as stream:
            stream.seek(start)
            offset = start
            for number, line in enumerate(stream, start=1):
                if not line.endswith(b"\n"):
                    return      # torn tail: never committed
                yield offset, parse_line(path, line, number)
                offset += len(line)
    except FileNotFoundError:
        return


def parse_line(path: Path, line: bytes, number: int | str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoreCorrupt(f"{path}: line {number} is not valid JSON ({error})") from error
    if not isinstance(record, dict):
        raise StoreCorrupt(f"{path}: line {number} is not a JSON object")
    return record


def read_at(path: Path, offset: int) -> dict[str, Any]:
    with path.open("rb") as stream:
        stream.seek(offset)
        line = stream.readline()
    if not line.endswith(b"\n"):
        raise StoreCorrupt(f"{path}: no committed line at byte {offset}")
    return parse_line(path, line, f"at byte {offset}")


def committed_length(path: Path) -> int:
    """Bytes up to and including the last newline (0 for a missing file)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return 0
    try:
        end = os.fstat(fd).st_size
        while end > 0:
            start = max(0, end - _CHUNK)
            chunk = pread(fd, end - start, start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            end = start
        return 0
    finally:
        os.close(fd)


def last_record(path: Path) -> dict[str, Any] | None:
    """The last committed record, reading only the file's tail."""
    length = committed_length(path)
    if length == 0:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        end = length - 1        # the newline ending the last line
        start = end
        while start > 0:
            begin = max(0, start - _CHUNK)
            chunk = pread(fd, start - begin, begin)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                start = begin + newline + 1
                break
            start = begin
        line = pread(fd, length - start, start)
    finally:
        os.close(fd)
    return parse_line(path, line, "last")


def append_records(
    path: Path, records: Sequence[dict[str, Any]], *, durable: bool = True
) -> list[int]:
    """Append `records` as lines in one write; returns their byte offsets.

    Durable when it returns (file fsynced, and the folder too when the file is new).
    """
    if not records:
        return []
    lines = [dumps(record) + b"\n" for record in records]
    is_new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        offset = committed_length(path) if not is_new else 0
        if os.fstat(fd).st_size != offset:
            os.ftruncate(fd, offset)    # the torn tail of an earlier crash
        offsets = []
        for line in lines:
            offsets.append(offset)
            offset += len(line)
        view = memoryview(b"".join(lines))
        position = offsets[0]
        while view:
            written = pwrite(fd, view, position)
            view, position = view[written:], position + written
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    if is_new and durable:
        fsync_dir(path.parent)
    return offsets


def ensure_folder(folder: Path) -> None:
    """Create `folder` (one level) durably."""
    if not folder.is_dir():
        make_private_folder(folder)
        fsync_dir(folder.parent)
