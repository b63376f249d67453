"""One bot process per state folder.

Two processes rewriting the same hot file would each overwrite the other's
commits. An exclusive, non-blocking `flock` on `<folder>/lock` stops the
second one at open; the kernel drops the lock when the holder exits or dies,
so a crash never leaves a stale lock to clean up by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from mailbot.errors import StoreError, StoreLocked

LOCK_NAME = "lock"


class FolderLock:
    def __init__(self, folder: Path, fd: int) -> None:
        self.folder = folder
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, folder: Path) -> FolderLock:
        path = folder / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise StoreLocked(
                f"{folder} is in use by another mailbot process ({holder}); "
                "stop it first, or point this one at another state folder"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # the PID is for the message above only: the lock itself is the flock
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(folder, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read_pid(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f"PID {int(text)}"
    return "PID unknown"


GATE_NAME = "commit.lock"


class CommitGate:
    """Held by the bot through each commit (and compaction), and by a backup while it
    copies: so a backup sees the folder between two commits, never inside one.

    The bot holds the folder's lock for as long as it runs; this second lock on
    `<folder>/commit.lock` is held only for a write's few milliseconds, so a backup
    waits at most one commit, and the bot at most one backup's copy."""

    def __init__(self, folder: Path) -> None:
        self._fd: int | None = os.open(folder / GATE_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        self._depth = 0

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if self._fd is None:
            raise StoreError("the store is closed")
        if self._depth == 0:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


@contextlib.contextmanager
def between_commits(folder: Path, *, wait: float = 120.0) -> Iterator[None]:
    """Hold `folder`'s commit gate: no commit starts or is half done while inside."""
    fd = os.open(folder / GATE_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreLocked(f"{folder}: the bot kept committing for {wait:.0f} s "
                                      "without a pause; try the backup again") from None
                time.sleep(0.005)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
