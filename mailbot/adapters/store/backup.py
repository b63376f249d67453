"""`mailbot backup DEST`: the state folder copied whole, while the bot runs, as one
committed state; `restore`: a backup checked against its manifest and put back.

The running bot holds the folder's lock for as long as it runs, and its commit gate
(lock.py: `commit.lock`) through each write, a few milliseconds each. A backup holds
the gate while it copies: no commit starts or is half done meanwhile (the bot waits
for the copy, at most), so the files copied are those of one commit. The copy is
also made in the order the store's writes make safe without the gate (an older bot,
a store opened by hand): the hot state first (`db.json` and the journal segments
after it, contiguous, read again if a compaction came in between), then the
register, the cold logs, and their key indexes last.

The copy is then opened as a store (so it is proven to load) and closed, and a
manifest lists every file with its size and sha256, the schema version, the time
and the installation id. DEST is a new folder, or one `.tar`/`.tar.gz`/`.tgz` file.

`restore` checks the manifest (every file, its size and sha256, the schema), refuses
a state folder that holds anything unless `force` (then the old one is kept aside,
renamed, never deleted), and puts the files in place. Every outbox entry not yet
sent at the backup's moment is then marked "sending": it may have left after the
backup, so it goes only once the sender's sent copies show it did not
(mailbot/service/restore.py catches up with the rest).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailbot.adapters.private_files import write_private
from mailbot.adapters.store import hotfile, journal
from mailbot.adapters.store.atomic_storage import TEMP_SUFFIX, fsync_dir
from mailbot.adapters.store.lock import GATE_NAME, LOCK_NAME, FolderLock, between_commits
from mailbot.adapters.store.migrate import STORE_FOLDERS
from mailbot.adapters.store.store import HOT_NAME, Store, replay_journal
from mailbot.errors import StoreCorrupt, StoreError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = "mailbot-backup/1"
STATE = "state"                 # the state folder's files, inside the backup
ARCHIVES = (".tar", ".tar.gz", ".tgz")
ATTEMPTS = 20
# the order of copying after the hot state: earlier groups are written ahead of later
# ones by every commit (a cold log's index is written before its line: index last)
_LATER = ("register/register.json", "register/", "events/", "archive/", "seen/", "sent/")


@dataclass(frozen=True)
class Manifest:
    created_at: str
    installation: str
    schema_version: int
    files: dict[str, dict[str, Any]]     # relative path -> {"bytes": n, "sha256": hex}
    open_alerts: int
    outbox_waiting: int

    def to_json(self) -> bytes:
        return json.dumps({"format": FORMAT, **self.__dict__}, indent=1, sort_keys=True).encode()


# -- backup -----------------------------------------------------------------------


def backup(state: Path, dest: Path, *, now: datetime | None = None) -> Manifest:
    """Copy the store in `state` (running or not) to `dest`; the manifest written."""
    state, dest = Path(state), Path(dest)
    if not (state / HOT_NAME).is_file():
        raise StoreError(f"{state}: no mailbot store here ({HOT_NAME} is missing); "
                         "give the state folder the bot runs on (--state)")
    archive = dest.name.endswith(ARCHIVES)
    if dest.exists() and (archive or any(dest.iterdir())):
        raise StoreError(f"{dest} already exists: give a new name for the backup "
                         "(a backup never overwrites another)")
    work = dest.parent / f".{dest.name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    copy = work / STATE
    work.mkdir(mode=0o700)        # a backup holds children's details: private, as the store
    copy.mkdir(mode=0o700)
    try:
        with between_commits(state):
            _copy_hot(state, copy)
            for relative in _later_files(state):
                _copy_file(state / relative, copy / relative)
        manifest = _prove(copy, now or datetime.now(UTC))
        (work / MANIFEST).write_bytes(manifest.to_json())
        if archive:
            _pack(work, dest)
            shutil.rmtree(work)
        else:
            if dest.exists():
                dest.rmdir()
            work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _copy_hot(state: Path, copy: Path) -> None:
    """db.json and its segments as one committed state, read again if a compaction
    (a new db.json, segments deleted) came in between."""
    for _ in range(ATTEMPTS):
        for stale in [copy / HOT_NAME, *(p for _, p in journal.segments(copy))]:
            stale.unlink(missing_ok=True)
        try:
            snapshot_bytes = (state / HOT_NAME).read_bytes()
            write_private(copy / HOT_NAME, snapshot_bytes)
            snapshot = hotfile.read(copy / HOT_NAME)
            if snapshot is None:
                raise FileNotFoundError(HOT_NAME)
            expected = snapshot.journal + 1
            for number, path in journal.segments(state):
                if number <= snapshot.journal:
                    continue
                if number != expected:
                    raise FileNotFoundError(path.name)   # folded meanwhile: read again
                write_private(copy / path.name, path.read_bytes())
                expected += 1
            replay_journal(copy, snapshot)
            return
        except (FileNotFoundError, StoreCorrupt):
            time.sleep(0.01)
    raise StoreError(f"{state}: the store changed under every one of {ATTEMPTS} attempts "
                     "to read it whole; try the backup again")


def _later_files(state: Path) -> list[Path]:
    """Every other file of the store, in the safe order; never the lock, a temp file,
    the hot files (copied already) or what is not the store's (a file sender's folder)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(state):
        dirs.sort()
        base = Path(root).relative_to(state)
        for name in sorted(files):
            relative = base / name
            top = relative.parts[0]
            if len(relative.parts) == 1 and (name in (LOCK_NAME, HOT_NAME)
                                             or journal._NAME.match(name)):
                continue
            if name.endswith(TEMP_SUFFIX) or top not in STORE_FOLDERS:
                continue
            found.append(relative)

    def rank(relative: Path) -> tuple[int, int, str]:
        text = relative.as_posix()
        group = next((i for i, prefix in enumerate(_LATER) if text.startswith(prefix)),
                     len(_LATER))
        return group, "index" in relative.parts, text

    return sorted(found, key=rank)


def _copy_file(source: Path, target: Path) -> None:
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        return      # deleted since the listing (a purged original, a settled undo)
    write_private(target, data)   # each folder it makes 0700, as the store's


def make_private(folder: Path) -> None:
    """The folder and everything in it readable by its owner only (0700, 0600)."""
    os.chmod(folder, 0o700)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(Path(root) / name, 0o700)
        for name in files:
            os.chmod(Path(root) / name, 0o600)


def _prove(copy: Path, now: datetime) -> Manifest:
    """Open the copy as a store (it must load), close it, and list its files."""
    with Store.open(copy, create=False) as store:
        stats = store.stats()
        installation = store.installation
    for name in (LOCK_NAME, GATE_NAME):
        (copy / name).unlink(missing_ok=True)
    files = {}
    for path in sorted(p for p in copy.rglob("*") if p.is_file()):
        files[path.relative_to(copy).as_posix()] = {"bytes": path.stat().st_size,
                                                    "sha256": sha256_of(path)}
    return Manifest(created_at=now.astimezone(UTC).isoformat(), installation=installation,
                    schema_version=hotfile.SCHEMA_VERSION, files=files,
                    open_alerts=stats["open_alerts"], outbox_waiting=stats["outbox_waiting"])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pack(work: Path, dest: Path) -> None:
    partial = dest.with_name(f".{dest.name}.partial-archive")
    with (tarfile.open(partial, "w:gz") if dest.name.endswith((".gz", ".tgz"))
          else tarfile.open(partial, "w")) as tar:
        tar.add(work / MANIFEST, arcname=MANIFEST)
        tar.add(work / STATE, arcname=STATE)
    os.chmod(partial, 0o600)
    os.replace(partial, dest)


# -- restore ----------------------------------------------------------------------


def read_manifest(source: Path) -> Manifest:
    """The backup's manifest, every file checked against it, or StoreCorrupt saying what
    does not match."""
    with _unpacked(Path(source)) as folder:
        return _verify(folder, Path(source))


def restore(source: Path, state: Path, *, force: bool = False) -> tuple[Manifest, Path | None]:
    """Put the backup at `source` in place as `state`; (manifest, where the state folder
    that was there was put aside, if any)."""
    source, state = Path(source), Path(state)
    aside: Path | None = None
    if state.exists() and any(state.iterdir()):
        if not force:
            raise StoreError(f"{state} is not empty: restore into a new or empty folder, "
                             "or pass --force to put this one aside (it is kept, renamed)")
        _not_in_use(state)
        aside = state.with_name(f"{state.name}.replaced-{datetime.now(UTC):%Y%m%d-%H%M%S}")
        state.rename(aside)
    with _unpacked(source) as folder:
        manifest = _verify(folder, source)
        partial = state.with_name(f".{state.name}.restoring")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(folder / STATE, partial)
        make_private(partial)
        if state.exists():
            state.rmdir()
        partial.rename(state)
        fsync_dir(state.parent)
    with Store.open(state, create=False) as store:
        doubt_unsent(store, datetime.now(UTC))
    return manifest, aside


def doubt_unsent(store: Store, now: datetime) -> int:
    """Mark every outbox entry not yet sent "sending": it may have left after the
    backup was taken, so it goes only once the sent copies show it did not."""
    waiting = [e for e in store.pending_outbox() if e.status == "pending"]
    store.mark_many({e.message_id: {"status": "sending", "sending_at": e.created_at,
                                    "retry_at": now} for e in waiting}, now)
    return len(waiting)


def _not_in_use(state: Path) -> None:
    """A running bot must be stopped before its folder is replaced under it."""
    if (state / LOCK_NAME).exists():
        FolderLock.acquire(state).release()   # StoreLocked, naming the PID, if running


@contextlib.contextmanager
def _unpacked(source: Path) -> Iterator[Path]:
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise StoreError(f"{source}: no such backup (a folder or a .tar/.tar.gz file)")
    staging = source.parent / f".{source.name}.unpacked"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        try:
            with tarfile.open(source) as tar:
                tar.extractall(staging, filter="data")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise StoreCorrupt(f"{source}: not a readable backup archive ({error})") from error
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _verify(folder: Path, source: Path) -> Manifest:
    try:
        raw = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError) as error:
        raise StoreCorrupt(f"{source}: no readable {MANIFEST} ({error}): not a mailbot "
                           "backup, or damaged") from error
    if not isinstance(raw, dict) or raw.pop("format", None) != FORMAT:
        raise StoreCorrupt(f"{source}: {MANIFEST} is not a {FORMAT} manifest")
    try:
        manifest = Manifest(**raw)
    except TypeError as error:
        raise StoreCorrupt(f"{source}: {MANIFEST} is incomplete ({error})") from error
    if manifest.schema_version != hotfile.SCHEMA_VERSION:
        raise StoreCorrupt(f"{source}: a backup of store schema {manifest.schema_version}; "
                           f"this mailbot reads schema {hotfile.SCHEMA_VERSION}")
    copy = folder / STATE
    present = {p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()}
    missing = sorted(set(manifest.files) - present)
    extra = sorted(present - set(manifest.files))
    bad = sorted(name for name in set(manifest.files) & present
                 if sha256_of(copy / name) != manifest.files[name]["sha256"])
    problems = ([f"missing: {', '.join(missing[:5])}"] if missing else []) + \
               ([f"not in the manifest: {', '.join(extra[:5])}"] if extra else []) + \
               ([f"changed since the backup: {', '.join(bad[:5])}"] if bad else [])
    if problems:
        raise StoreCorrupt(f"{source}: the backup does not match its manifest "
                           f"({'; '.join(problems)}); nothing was restored")
    return manifest


def describe(manifest: Manifest) -> str:
    size = sum(int(f["bytes"]) for f in manifest.files.values())
    return (f"{len(manifest.files)} files, {size:,} bytes; taken {manifest.created_at}; "
            f"installation {manifest.installation or '(none: a store older than installation ids)'}; "
            f"{manifest.open_alerts} open alert(s), {manifest.outbox_waiting} message(s) "
            "waiting to be sent")
