"""A crash at any step of a write leaves a store that opens, never a torn file."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.errors import StoreError

from .conftest import decide, expect_line, make_alert, start_python


def counter(store: Store) -> int:
    return store.load().counters.get("2024", 0)


def commit_counter(store: Store, value: int) -> None:
    store.commit(decide([make_alert("KA-2024-0001")], counters={"2024": value}))


class Boom(OSError):
    pass


def fail_on_call(monkeypatch: pytest.MonkeyPatch, name: str, call: int = 1) -> None:
    """Make the `call`-th os.<name> from now raise, as a crash at that step would stop there."""
    real = getattr(os, name)
    calls = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(args)
        if len(calls) == call:
            raise Boom(f"simulated crash in os.{name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)


@pytest.mark.parametrize(
    ("step", "call", "survivor"),
    [
        ("write", 1, 1),      # temp file half written
        ("fsync", 1, 1),      # temp file written, not yet on disk
        ("replace", 1, 1),    # temp file durable, rename not done
        ("fsync", 2, 2),      # rename done, folder not yet synced: the new version is whole
    ],
)
def test_a_crash_at_each_step_of_a_hot_write_leaves_a_whole_version(
    folder: Path, monkeypatch: pytest.MonkeyPatch, step: str, call: int, survivor: int
) -> None:
    with Store.open(folder) as store:
        commit_counter(store, 1)
        with monkeypatch.context() as patch:
            fail_on_call(patch, step, call)
            with pytest.raises(Boom):
                commit_counter(store, 2)
        with pytest.raises(StoreError, match="reopen"):
            store.load()     # memory and disk may disagree now: no more use

    with Store.open(folder) as store:
        assert counter(store) == survivor
    assert not list(folder.glob(".*.tmp")), "a temp file of the failed write was left behind"


KILLED_MID_WRITE = """
import os, sys, time
from pathlib import Path
from mailbot.adapters.store import Store
from mailbot.core.values.state import Decision, State

store = Store.open(Path(sys.argv[1]))
store.commit(Decision(state=State(counters={"2024": 1})))

def stall(src, dst):
    print("temp written", flush=True)
    time.sleep(60)

os.replace = stall
store.commit(Decision(state=State(counters={"2024": 2})))
"""


def test_a_process_killed_mid_write_leaves_the_previous_version(folder: Path) -> None:
    child = start_python(KILLED_MID_WRITE, str(folder))
    try:
        expect_line(child, "temp written")
        assert list(folder.glob(".db.json.*.tmp")), "the kill was meant to land mid-write"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    with Store.open(folder) as store:
        assert store.load().counters == {"2024": 1}
    assert not list(folder.glob(".*.tmp")), "open should clear the dead write's temp file"


def test_the_storage_keeps_tinydb_table_writes_whole_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AtomicJSONStorage is a plain TinyDB storage: TinyDB's own inserts get the same safety."""
    from tinydb import TinyDB

    from mailbot.adapters.store.atomic_storage import AtomicJSONStorage

    path = tmp_path / "plain.json"
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        db.insert({"n": 1})
        with monkeypatch.context() as patch:
            fail_on_call(patch, "replace")
            with pytest.raises(Boom):
                db.insert({"n": 2})
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        assert [doc["n"] for doc in db.all()] == [1]
