"""The few file-system calls that differ between POSIX and Windows, in one place.

The store is written for POSIX semantics (positioned reads and writes, a folder
fsynced after a rename). Windows has no `os.pread`/`os.pwrite`, cannot open a
folder to fsync it (NTFS journals its renames itself), and refuses to replace a
file another process has open for a moment (a reader such as `mailbot
register`): these helpers give each the nearest Windows equivalent, so every
command starts there too (docs/operations.md, "Windows").
"""

from __future__ import annotations

import os
import time
from pathlib import Path

WINDOWS = os.name == "nt"
# Windows: how often and how long to retry a replace refused because a reader has
# the old file open (a read of the store takes milliseconds)
REPLACE_TRIES = 50
REPLACE_PAUSE = 0.02


def pread(fd: int, length: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    os.lseek(fd, offset, os.SEEK_SET)     # the descriptor is the caller's alone
    return os.read(fd, length)


def pwrite(fd: int, data: bytes | memoryview, offset: int) -> int:
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.write(fd, data)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new entry in `folder` durable. Windows cannot open a folder
    to fsync it: NTFS makes its own renames durable, so there is nothing to do."""
    if WINDOWS or not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(source: Path, target: Path) -> None:
    """`os.replace`, retried on Windows while another process has `target` open."""
    for attempt in range(REPLACE_TRIES):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if not WINDOWS or attempt == REPLACE_TRIES - 1:
                raise
            time.sleep(REPLACE_PAUSE)


def sync_all() -> None:
    """Flush every file system's buffers (bulk loads); Windows has no such call."""
    if hasattr(os, "sync"):
        os.sync()
