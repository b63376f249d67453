"""The operating system's refusals, in the words of what the store was doing.

A full disk, a permission denied (or an immutable file: `lsattr`), a read-only
file system or a lock path that is a folder all reach the store as an OSError;
here each becomes a `StoreFault` that names the folder, says what failed and
what to do, and keeps the errno for whoever needs it. Nothing is half-written:
every file the store writes is written whole or not at all (atomic_storage.py),
so after the fault is put right the next run carries on where this one stopped.
"""

from __future__ import annotations

import errno as codes
from pathlib import Path

from mailbot.errors import StoreFault

_NOTHING_LOST = "nothing was lost: what was being recorded is done again at the next run"


def refused(error: BaseException) -> bool:
    """An OSError the operating system raised (it has an errno), not a simulated one."""
    return isinstance(error, OSError) and error.errno is not None


def store_fault(error: OSError, folder: Path, doing: str) -> StoreFault:
    """`error`, met while `doing` in the state folder `folder`, as a StoreFault."""
    # a rename names both files: the one it would replace is the one to look at
    where = error.filename2 or error.filename or folder
    number = error.errno
    if number in (codes.ENOSPC, codes.EDQUOT):
        text = (f"{folder}: the disk is full (while {doing}); {_NOTHING_LOST}. "
                f"Free some space on the disk holding {folder}, then run mailbot again")
    elif number in (codes.EACCES, codes.EPERM):
        text = (f"{where}: permission denied (while {doing}); {_NOTHING_LOST}. mailbot must "
                f"be able to write every file in {folder}: check their owner and mode, and "
                "that none is marked immutable (lsattr)")
    elif number == codes.EROFS:
        text = (f"{folder}: the file system is read-only (while {doing}); {_NOTHING_LOST}. "
                "Mount it read-write, or point --state at a writable folder")
    elif number == codes.EISDIR:
        text = (f"{where} is a folder, where mailbot keeps a file (while {doing}); "
                "move that folder out of the state folder, then run mailbot again")
    elif number == codes.ENOTDIR:
        text = (f"{where}: a file stands where the store keeps a folder (while {doing}); "
                "move it out of the state folder, then run mailbot again")
    else:
        text = f"{where}: {error.strerror or error} (while {doing}); {_NOTHING_LOST}"
    return StoreFault(text, errno=number, path=str(where))
