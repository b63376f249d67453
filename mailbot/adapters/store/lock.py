"""One bot process per state folder.

Two processes rewriting the same hot file would each overwrite the other's
commits. An exclusive, non-blocking lock on `<folder>/lock` stops the second
one at open. The lock is the `filelock` library's (docs/decisions.md): `flock`
on Linux and macOS, `LockFileEx` on Windows. Either way the system drops it
when the holder exits or dies, so a crash never leaves a stale lock to clean
up by hand. Every command that opens the store takes it, `explain` and `report`
too: they are refused while `run` holds the folder. `status` does not open the
store: it reads what was last committed (`Store.read_view`), so it answers while
`run` runs.

The holder's PID is written beside the lock, in `lock.pid`, for the refusal's
message only: Windows forbids reading a locked file's locked byte.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import filelock

from mailbot.adapters.private_files import PRIVATE_FILE
from mailbot.adapters.store.atomic_storage import atomic_write_bytes
from mailbot.errors import StoreError, StoreLocked

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


GATE_NAME = "commit.lock"


class CommitGate:
    """Held by the bot through each commit (and compaction), and by a backup while it
    copies: so a backup sees the folder between two commits, never inside one.

    The bot holds the folder's lock for as long as it runs; this second lock on
    `<folder>/commit.lock` is held only for a write's few milliseconds, so a backup
    waits at most one commit, and the bot at most one backup's copy. filelock's, as
    the folder's lock is (flock on Linux, LockFileEx on Windows)."""

    def __init__(self, folder: Path) -> None:
        self._lock: filelock.BaseFileLock | None = filelock.FileLock(
            folder / GATE_NAME, mode=PRIVATE_FILE, thread_local=False)
        self._depth = 0

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if self._lock is None:
            raise StoreError("the store is closed")
        if self._depth == 0:
            self._lock.acquire()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._lock.release()

    def close(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release(force=True)


@contextlib.contextmanager
def between_commits(folder: Path, *, wait: float = 120.0) -> Iterator[None]:
    """Hold `folder`'s commit gate: no commit starts or is half done while inside."""
    gate = filelock.FileLock(folder / GATE_NAME, mode=PRIVATE_FILE, thread_local=False)
    try:
        gate.acquire(timeout=wait, poll_interval=0.005)
    except filelock.Timeout:
        raise StoreLocked(f"{folder}: the bot kept committing for {wait:.0f} s "
                          "without a pause; try the backup again") from None
    try:
        yield
    finally:
        gate.release()
