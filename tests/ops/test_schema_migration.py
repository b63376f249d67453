"""Upgrade: an older store is backed up, then migrated forward; a newer one is refused.

Version 1 is the layout on main before issue 14: the same files, stamped
`schema_version: 1`, made as the umask allowed (0644 files, 0755 folders). The
test makes one from a real store the current code wrote, by stamping it 1 and
loosening its modes, which is all that differs (a store written by main's own
code was migrated the same way by hand: see the closing note of this branch).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.adapters.store import Store, migrate
from mailbot.adapters.store.hotfile import SCHEMA_VERSION
from mailbot.adapters.store.journal import segments
from mailbot.errors import StoreError, StoreTooNew

from .conftest import ROOT, loose_paths, mailbot

# a run that commits and dies without closing: its journal segments stay unfolded
CRASH_AFTER_COMMITS = """
import os, sys
from pathlib import Path
from mailbot.adapters.store import Store
from tests.store.conftest import decide, make_alert, make_event
store = Store.open(Path(sys.argv[1]))
for n in range(1, 4):
    ref = f"KA-2024-{n:04d}"
    store.commit(decide([make_alert(ref)], events=(make_event(ref, 1),)))
os._exit(0)
"""


def written_by_the_current_code(state: Path) -> None:
    ran = subprocess.run([sys.executable, "-c", CRASH_AFTER_COMMITS, str(state)], cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                         text=True, check=False)
    assert ran.returncode == 0, ran.stderr
    assert segments(state), "the store has unfolded journal segments, as after a crash"


def as_version_1(state: Path) -> dict[str, bytes]:
    """Stamp the store `schema_version: 1` and loosen its modes as main's umask did;
    the bytes of every store file, by path."""
    hot = state / "db.json"
    data = json.loads(hot.read_bytes())
    data["meta"]["1"]["schema_version"] = 1
    hot.write_bytes(json.dumps(data, separators=(",", ":")).encode())
    for path in [state, *state.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return store_files(state)


def store_files(folder: Path) -> dict[str, bytes]:
    names = ["db.json", *(p.name for _, p in segments(folder))]
    found = {name: (folder / name).read_bytes() for name in names}
    for sub in migrate.STORE_FOLDERS:
        found.update((str(p.relative_to(folder)), p.read_bytes())
                     for p in sorted((folder / sub).rglob("*")) if p.is_file())
    return found


def test_a_version_1_store_is_backed_up_byte_for_byte_then_migrated(tmp_path: Path) -> None:
    state = tmp_path / "state"
    written_by_the_current_code(state)
    with Store.open(state) as store:
        before = (store.load(), store.events("KA-2024-0002"))
    written_by_the_current_code(tmp_path / "again")      # the same, never opened since
    state = tmp_path / "again"
    original = as_version_1(state)

    opened = mailbot("status", "--state", str(state))

    assert opened.returncode == 0, opened.stderr
    assert "KA-2024-0003" in opened.stdout
    assert "from schema 1 to 2" in opened.stderr, "the upgrade is said in the log"
    backups = list((state / "backups").iterdir())
    assert [b.name.startswith("pre-migrate-1-") for b in backups] == [True]
    assert store_files(backups[0]) == original, "the backup is the store as it was"
    assert migrate.stored_version(state / "db.json") == SCHEMA_VERSION
    assert loose_paths(state) == [], "schema 2: the whole state folder private, backup too"
    with Store.open(state) as store:
        after = (store.load(), store.events("KA-2024-0002"))
    assert after[0].alerts.keys() == before[0].alerts.keys()
    assert after[1] == before[1]
    assert list((state / "backups").iterdir()) == backups, "a migrated store is not backed up again"


def test_a_migration_cut_short_is_backed_up_and_run_again_at_the_next_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    written_by_the_current_code(state)
    original = as_version_1(state)

    def dies_midway(folder: Path) -> None:
        os.chmod(folder / "db.json", 0o600)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(migrate, "MIGRATIONS", ((1, dies_midway),))
    with pytest.raises(StoreError, match="the disk is full"):   # said in words (issue 14 §3)
        Store.open(state)
    assert migrate.stored_version(state / "db.json") == 1, "not stamped: the step did not finish"
    monkeypatch.undo()

    with Store.open(state) as store:
        assert list(store.load().alerts) == ["KA-2024-0003"]
    backups = sorted((state / "backups").iterdir())
    assert len(backups) == 2 and all(store_files(b) == original for b in backups)


def test_a_store_from_a_newer_mailbot_is_refused_and_left_untouched(tmp_path: Path) -> None:
    state = tmp_path / "state"
    written_by_the_current_code(state)
    hot = state / "db.json"
    data = json.loads(hot.read_bytes())
    data["meta"]["1"]["schema_version"] = SCHEMA_VERSION + 1
    hot.write_bytes(json.dumps(data).encode())
    files = store_files(state)

    with pytest.raises(StoreTooNew, match=rf"newer mailbot \(store schema {SCHEMA_VERSION + 1}"):
        Store.open(state)
    refused = mailbot("status", "--state", str(state))

    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "written by a newer mailbot" in refused.stderr and str(hot) in refused.stderr
    assert store_files(state) == files, "an older mailbot must not touch a newer store"
    assert not (state / "backups").exists()


def test_every_version_before_the_current_one_has_a_migration() -> None:
    assert [start for start, _ in migrate.MIGRATIONS] == list(range(1, SCHEMA_VERSION))
