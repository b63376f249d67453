"""The state folder is private: folders 0700, files 0600 (issue 14, section 8).

The store, its journal, the outbox's .eml files (which hold a child's name), the
heartbeat and the backups are created private by the code that writes them (each
`os.open` and `mkdir` passes the mode). At start `tighten` walks the state folder
once more and takes group and world access off anything that has it, saying
which: a file copied in by hand, restored by a tool that kept its own modes, or
written by an older mailbot. Tightening, not refusing, is what an administrator
expects: the fix is certain and harmless, and refusing would stop the alerts
until a person came (docs/operations.md, "File permissions").

On Windows, modes mean only "read-only or not": privacy there is the folder's
access list, set once at install (docs/operations.md, "Windows"), so nothing
here is checked.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
ENFORCED = os.name != "nt"
# how many loosened paths a warning names before "and N more"
NAMED = 5


@dataclass
class Tightened:
    """What `tighten` changed: (path, the mode it had), and what it could not change."""

    fixed: list[tuple[Path, int]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fixed or self.failed)

    def describe(self) -> str:
        """Plain words for the log: which paths were open to others, and what was done."""
        lines = []
        if self.fixed:
            named = ", ".join(f"{path} ({stat.filemode(mode)})" for path, mode in self.fixed[:NAMED])
            more = len(self.fixed) - NAMED
            lines.append(f"{len(self.fixed)} path(s) in the state folder could be read by other "
                         f"users and were made private (folders 0700, files 0600): {named}"
                         + (f" and {more} more" if more > 0 else ""))
        if self.failed:
            named = "; ".join(f"{path}: {why}" for path, why in self.failed[:NAMED])
            lines.append(f"{len(self.failed)} path(s) in the state folder are open to other users "
                         f"and could not be made private ({named}): run mailbot as their owner, "
                         "or fix them with chmod")
        return "; ".join(lines)


def make_private_folder(path: Path) -> None:
    """`path` with any missing parents, each one it makes private (`Path.mkdir`'s
    `parents=True` would make the parents as the umask allows); folders that
    already exist are left as they are."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)


def open_private(path: Path, flags: int) -> int:
    """`os.open` of a new file readable by its owner only, whatever the umask."""
    return os.open(path, flags | os.O_CREAT, PRIVATE_FILE)


def tighten(folder: Path, *, deep: bool = True) -> Tightened:
    """Take group and world access off every folder and file under `folder` (and
    `folder` itself). Symbolic links are neither followed nor changed.

    `deep=False` checks `folder` and what is directly in it only: what the store
    opens each time (a walk of a store with 100,000 archived alerts takes over a
    second). It is enough for privacy: nobody else can reach a file, whatever its
    own mode, inside a folder that is 0700; `run` walks the whole folder at start."""
    done = Tightened()
    if not ENFORCED:
        return done
    _fix(str(folder), os.lstat(folder).st_mode, done)
    pending = [str(folder)]
    if not deep:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    _fix(entry.path, entry.stat(follow_symlinks=False).st_mode, done)
                except FileNotFoundError:
                    continue
        return done
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    try:
                        mode = entry.stat(follow_symlinks=False).st_mode
                    except FileNotFoundError:
                        continue          # a message moved while we walked
                    if mode & 0o077:
                        _fix(entry.path, mode, done)
                    if stat.S_ISDIR(mode):
                        pending.append(entry.path)
        except (FileNotFoundError, NotADirectoryError):
            continue                      # gone while we walked
    return done


def _fix(path: str, mode: int, done: Tightened) -> None:
    if stat.S_ISLNK(mode) or not mode & 0o077:
        return
    wanted = PRIVATE_FOLDER if stat.S_ISDIR(mode) else PRIVATE_FILE
    try:
        os.chmod(path, wanted)
    except FileNotFoundError:
        return
    except OSError as error:
        done.failed.append((Path(path), error.strerror or str(error)))
        return
    done.fixed.append((Path(path), mode))


def write_private(path: Path, data: bytes) -> None:
    """`data` in a file only its owner may read (an export, a bundle: a child's record
    leaves the state folder as private as it was in it); missing folders made 0700."""
    make_private_folder(path.parent)
    fd = open_private(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    if ENFORCED:
        os.chmod(path, PRIVATE_FILE)   # an existing file keeps its mode through O_CREAT
