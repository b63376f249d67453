"""Outgoing mail kept where the hot file has it, not in memory (issue 12).

The hot file's outbox holds a day of sent mail (the sending caps count it), each
entry's mail as base64 text at the end of its line. A busy day is tens of megabytes
of text that no tick and no `status` reads: so an entry read from the file, or
written into a new snapshot, holds only where its text is (`Kept`: the file, an
offset, a length), and reads it from there when something asks
(mailbot/records.py `KeptMail`).

The file is held open (`KeptFile`) for as long as any entry points into it, so
the text is there even after a newer snapshot has replaced the file's name: the
store never changes a file in place, it writes a new one and renames it. After
each new snapshot the entries point into it instead (`Placement`), so a long run
never holds an old snapshot's disk space. Every read checks the text is framed
as the store wrote it (`"data":"..."` at the end of an entry), and says the store
is damaged when it is not.

Where a file cannot be replaced while it is open, or read at an offset without
moving a position two threads share (Windows: `keeps_in_file()` is False), the
mail is held as the base64 text it was read as, as before.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path

from mailbot.adapters.store.portable import WINDOWS, pread
from mailbot.errors import StoreCorrupt
from mailbot.records import OutboxEntry, keep_in_file

_KEY = b'"data":"'   # the last field of an entry's JSON (record_json.outbox_to_json)


def keeps_in_file() -> bool:
    """Whether an entry's mail can be left in the file (a positioned read, and a file
    another may be renamed over while it is open: POSIX)."""
    return hasattr(os, "pread") and not WINDOWS


class KeptFile:
    """A snapshot held open for the entries that point into it; closed with the last."""

    __slots__ = ("__weakref__", "fd", "path")

    def __init__(self, fd: int, path: Path) -> None:
        self.fd, self.path = fd, path
        weakref.finalize(self, os.close, fd)

    @classmethod
    def open(cls, path: Path) -> KeptFile:
        return cls(os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)), path)


class Kept:
    """An entry's base64 text: `size` bytes at `at` in `file`."""

    __slots__ = ("at", "file", "size")

    def __init__(self, file: KeptFile, at: int, size: int) -> None:
        self.file, self.at, self.size = file, at, size

    def text(self) -> str:
        want = self.size + len(_KEY) + 1
        try:
            got = pread(self.file.fd, want, self.at - len(_KEY))
        except OSError as error:
            raise StoreCorrupt(f"{self.file.path}: outgoing mail cannot be read "
                               f"({error.strerror})") from error
        if len(got) != want or not got.startswith(_KEY) or got[-1:] != b'"':
            raise StoreCorrupt(f"{self.file.path}: an outgoing mail is not where the store "
                               "wrote it (damaged): restore the folder from a backup")
        try:
            return got[len(_KEY):-1].decode("ascii")
        except UnicodeDecodeError as error:
            raise StoreCorrupt(f"{self.file.path}: an outgoing mail is damaged in the "
                               "store: restore the folder from a backup") from error


def data_span(doc: bytes) -> tuple[int, int]:
    """(start, length) of the base64 text in an entry's JSON, or ValueError."""
    start = doc.rfind(_KEY)
    if start < 0 or doc[-2:] != b'"}':
        raise ValueError("an outbox entry without its mail last")
    start += len(_KEY)
    return start, len(doc) - 2 - start


def without_mail(doc: bytes, start: int) -> bytes:
    """The entry's JSON with its mail left out (`"data":""`): the fields, to parse."""
    return doc[:start] + b'"}'


class Placement:
    """Where each outbox entry's text lands in a snapshot as it is written: `counted`
    passes the pieces on, counting; `entry` is told of each entry's piece before it
    goes; `keep`, once the snapshot is in place, points the entries into it."""

    def __init__(self) -> None:
        self.at = 0
        self.found: list[tuple[OutboxEntry, int, int]] = []

    def counted(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            yield piece
            self.at += len(piece)

    def entry(self, entry: OutboxEntry, piece: bytes) -> None:
        start, size = data_span(piece)
        self.found.append((entry, self.at + start, size))

    def keep(self, path: Path) -> None:
        if not self.found:
            return
        file = KeptFile.open(path)
        for entry, at, size in self.found:
            keep_in_file(entry, Kept(file, at, size))
        self.found.clear()
