"""Store schema versions, and the migrations that bring an older store forward.

The version is db.json's `meta.schema_version` (hotfile.SCHEMA_VERSION); it
covers the whole state folder's layout, the journal and the cold files too.

  1   the layout up to issue 14: files and folders as the umask made them
  2   the state folder private: folders 0700, files 0600 (private_files.py)

On open, under the folder's lock and before anything is read, a store of an
older version is first copied whole to `backups/pre-migrate-<version>-<UTC
time>/` (the copy fsynced, then renamed into place), then brought forward one
version at a time by MIGRATIONS, in order. Each step ends by stamping db.json
with its new version, so a crash mid-way leaves a store that the next open
backs up and migrates again from the last version it reached; every step must
therefore be safe to run twice. A store of a newer version than this code
knows is refused untouched: an older mailbot would corrupt what it does not
understand (docs/operations.md, "Upgrade").
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from mailbot.adapters.private_files import PRIVATE_FILE, make_private_folder, tighten
from mailbot.adapters.store import cold, journal
from mailbot.adapters.store.atomic_storage import atomic_write_bytes, dumps, fsync_dir
from mailbot.adapters.store.hotfile import SCHEMA_VERSION
from mailbot.adapters.store.portable import replace
from mailbot.errors import StoreCorrupt, StoreTooNew

log = logging.getLogger(__name__)

HOT_NAME = "db.json"
BACKUPS = "backups"
# the store's own files and folders, as a backup copies them (not the lock, the
# mailboxes under mail/, the file sender's outbox/, nor earlier backups)
STORE_FOLDERS = (*cold.FOLDERS, "register")
PARTIAL = ".partial"
# the writer's own first bytes: read without parsing the whole (large) file
_HEAD = re.compile(rb'^\{"meta":\{"1":\{"schema_version":(\d+)[,}]')


def _to_private(folder: Path) -> None:
    """1 -> 2: every folder 0700, every file 0600 (their contents are unchanged)."""
    done = tighten(folder)
    if done.fixed:
        log.info("upgrade to store schema 2: made %d path(s) in %s private",
                 len(done.fixed), folder)
    if done.failed:
        log.warning("upgrade to store schema 2: %s", done.describe())


# (the version a step starts from, the step): in order, one per version
MIGRATIONS: tuple[tuple[int, Callable[[Path], None]], ...] = (
    (1, _to_private),
)
assert [start for start, _ in MIGRATIONS] == list(range(1, SCHEMA_VERSION)), \
    "one migration for each version before SCHEMA_VERSION"


def stored_version(path: Path) -> int | None:
    """db.json's schema version; None when there is no db.json, or no version can be
    read from it (hotfile.read then says what is wrong)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(64)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StoreCorrupt(f"{path}: cannot be read ({error.strerror})") from error
    found = _HEAD.match(head)
    if found:
        return int(found.group(1))
    meta = _meta_of(path)
    version = None if meta is None else meta.get("schema_version")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def bring_forward(folder: Path) -> int | None:
    """Migrate the store in `folder` to SCHEMA_VERSION, after a backup; the version it
    had, if it was older (None: nothing done). Called with the folder's lock held."""
    path = folder / HOT_NAME
    version = stored_version(path)
    if version is None or version == SCHEMA_VERSION:
        return None
    if version > SCHEMA_VERSION:
        raise StoreTooNew(
            f"{path}: this store was written by a newer mailbot (store schema {version}; this "
            f"mailbot knows up to {SCHEMA_VERSION}). It was left untouched: run the newer "
            "mailbot again, or restore the backup taken before its upgrade "
            f"({folder / BACKUPS}/pre-migrate-*)")
    if version < 1:
        raise StoreCorrupt(f"{path}: store schema {version} was never written by mailbot; "
                           "restore the folder from a backup")
    backup = take_backup(folder, version)
    log.warning("upgrading the store in %s from schema %d to %d; a copy of it as it was is in %s",
                folder, version, SCHEMA_VERSION, backup)
    for start, step in MIGRATIONS:
        if start >= version:
            step(folder)
            stamp(path, start + 1)
    return version


def take_backup(folder: Path, version: int) -> Path:
    """A copy of the store's files, fsynced, at backups/pre-migrate-<version>-<time>/."""
    backups = folder / BACKUPS
    make_private_folder(backups)
    for stale in backups.glob(f".*{PARTIAL}"):     # a backup cut short by a crash
        shutil.rmtree(stale, ignore_errors=True)
    name = f"pre-migrate-{version}-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    partial = backups / f".{name}{PARTIAL}"
    make_private_folder(partial)
    files = [folder / HOT_NAME, *(p for _, p in journal.segments(folder))]
    for source in files:
        _copy(source, partial / source.name)
    for name_ in STORE_FOLDERS:
        if (folder / name_).is_dir():
            _copy_tree(folder / name_, partial / name_)
    fsync_dir(partial)
    final = backups / name
    replace(partial, final)
    fsync_dir(backups)
    return final


def stamp(path: Path, version: int) -> None:
    """Rewrite db.json with `version` as its schema version, all else as it was."""
    data = json.loads(path.read_bytes())
    data["meta"]["1"]["schema_version"] = version
    # meta first, as the writer puts it (stored_version reads only the head)
    ordered = {"meta": data.pop("meta"), **data}
    atomic_write_bytes(path, dumps(ordered))


def _meta_of(path: Path) -> dict[str, object] | None:
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        meta = json.loads(path.read_bytes()).get("meta", {}).get("1")
        if isinstance(meta, dict):
            return meta
    return None


def _copy_tree(source: Path, target: Path) -> None:
    make_private_folder(target)
    for entry in sorted(source.iterdir()):
        if entry.is_symlink():
            continue
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        elif entry.is_file():
            _copy(entry, target / entry.name)
    fsync_dir(target)


def _copy(source: Path, target: Path) -> None:
    """`source`'s bytes into a new private file `target`, fsynced."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with source.open("rb") as stream:
            while block := stream.read(1 << 20):
                view = memoryview(block)
                while view:
                    view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def prune_backups(folder: Path, before: datetime, *, dry_run: bool = False) -> int:
    """Remove the copies taken before upgrades (`backups/pre-migrate-*`) made before
    `before`: they hold the records as they were, so they are kept no longer than the
    shortest retention period (issue 15). How many (would) go."""
    root = folder / BACKUPS
    if not root.is_dir():
        return 0
    old = [path for path in root.glob("pre-migrate-*")
           if path.is_dir() and path.stat().st_mtime < before.timestamp()]
    if not dry_run:
        for path in old:
            shutil.rmtree(path)
    return len(old)
