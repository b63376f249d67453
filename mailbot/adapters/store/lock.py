"""One bot process per state folder.

Two processes rewriting the same hot file would each overwrite the other's
commits. An exclusive, non-blocking lock on `<folder>/lock` stops the second
one at open. The lock is the `filelock` library's (docs/decisions.md): `flock`
on Linux and macOS, `LockFileEx` on Windows. Either way the system drops it
when the holder exits or dies, so a crash never leaves a stale lock to clean
up by hand. Every command that opens the store takes it, the read-only ones
(`status`, `explain`) too: they are refused while `run` holds the folder.

The holder's PID is written beside the lock, in `lock.pid`, for the refusal's
message only: Windows forbids reading a locked file's locked byte.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import filelock

from mailbot.adapters.private_files import PRIVATE_FILE
from mailbot.adapters.store.atomic_storage import atomic_write_bytes
from mailbot.errors import StoreLocked

LOCK_NAME = "lock"
PID_NAME = "lock.pid"


class FolderLock:
    def __init__(self, folder: Path, lock: filelock.BaseFileLock) -> None:
        self.folder = folder
        self._lock: filelock.BaseFileLock | None = lock

    @classmethod
    def acquire(cls, folder: Path) -> FolderLock:
        path = folder / LOCK_NAME
        # thread_local=False: `run` may close the store from another thread than opened it
        # an OSError (the path a folder, no permission) is the store's to put in words
        # (faults.store_fault), as for every other file of the store
        lock = filelock.FileLock(path, timeout=0, mode=PRIVATE_FILE, thread_local=False)
        try:
            lock.acquire(blocking=False)
        except filelock.Timeout:
            raise StoreLocked(
                f"{folder} is in use by another mailbot process ({_holder(folder)}); "
                "stop it first, or point this one at another state folder"
            ) from None
        # the PID is for the message above only: the lock itself is the system's
        with contextlib.suppress(OSError):
            atomic_write_bytes(folder / PID_NAME, f"{os.getpid()}\n".encode(), durable=False)
        return cls(folder, lock)

    @property
    def held(self) -> bool:
        return self._lock is not None

    def release(self) -> None:
        if self._lock is None:
            return
        lock, self._lock = self._lock, None
        with contextlib.suppress(OSError):
            lock.release()


def _holder(folder: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = (folder / PID_NAME).read_text("ascii").strip()
        if text.isdigit():
            return f"PID {int(text)}"
    return "PID unknown"
