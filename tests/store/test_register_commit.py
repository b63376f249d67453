"""The register's change goes into the store's one commit (issue 9, R-OLA): a crash
between writing the register and writing the hot file leaves neither applied, one
after the hot file leaves both, and a reader never sees a change in flight."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.core.register import RegisterChild, RegisterEntry
from mailbot.errors import StoreCorrupt, StoreError
from mailbot.records import RegisterWrite
from tests.store.conftest import (
    T0,
    Killed,
    decide,
    kill_at_next_hot_write,
    make_alert,
    make_entry,
    make_seen,
)

RAW = b"Subject: NATIONAL ALERT\r\n\r\nChild: Riley NORTHCOTE, born 12/03/2017\r\n"


def entry(original_id: str, n: int = 1) -> RegisterEntry:
    return RegisterEntry(id=f"OLA-2024-{n:04d}", authority="Northshire County Council",
                         authority_key="northshire", first_notified=T0, last_notified=T0,
                         children=(RegisterChild(name="Riley NORTHCOTE",
                                                 name_key="riley northcote"),),
                         originals=(original_id,))


def handle(store: Store, raw: bytes = RAW) -> str:
    """What the service does with one notification: save the original, then ONE commit
    of the alert's state, its seen-record, its mail and the register's change."""
    original = store.register.save_original(raw)
    store.commit(decide([make_alert("KA-2024-0001")]), seen=make_seen("n1"),
                 outbox=[make_entry("q1")],
                 register=RegisterWrite(at=T0, entries=(entry(original),), kept=(original,),
                                        counts={"opened": 1}))
    return original


def register_file(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "register" / "register.json").read_bytes())["register"]["1"]


def test_a_crash_between_the_register_write_and_the_hot_write_applies_neither(
        folder: Path) -> None:
    with Store.open(folder) as store:
        kill_at_next_hot_write(store)
        with pytest.raises(Killed):
            handle(store)
        assert register_file(folder)["entries"], "the register was written first"
        with pytest.raises(StoreError):
            store.register.entries()      # nothing more until a fresh open knows the truth
    audit = folder / "register" / "audit.jsonl"
    assert audit.read_bytes().count(b"\n") == 1, "its count was appended too"

    with Store.open(folder) as store:
        assert store.load().alerts == {} and store.seen("n1") is None
        assert not store.was_recorded("q1")
        assert store.register.entries() == () and store.register.originals() == {}
        assert store.register.counts(T0) == {"opened": 0, "closed": 0, "purged": 0}
        assert not any((folder / "register" / "originals").iterdir()), \
            "an original no commit took is not kept"
        handle(store)                                  # the message comes again
    with Store.open(folder) as store:
        assert [e.id for e in store.register.entries()] == ["OLA-2024-0001"]
        assert store.register.counts(T0) == {"opened": 1, "closed": 0, "purged": 0}
        assert [e.message_id for e in store.pending_outbox()] == ["q1"]
        assert set(store.load().alerts) == {"KA-2024-0001"}
    assert "undo" not in register_file(folder)


def test_a_crash_after_the_hot_write_keeps_both_and_finishes_the_purge(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(folder) as store:
        original = handle(store)
        assert store.register.original_path(original).exists()

        def dies(change: RegisterWrite) -> None:
            raise Killed

        monkeypatch.setattr(store.register, "settle", dies)
        with pytest.raises(Killed):     # the purge is committed, its deletes never ran
            store.commit(decide([]), register=RegisterWrite(
                at=T0 + timedelta(days=400), entries=(), dropped=(original,),
                counts={"purged": 1}))
        assert (folder / "register" / "originals" / f"{original}.eml").exists()
    with Store.open(folder) as store:
        assert store.register.entries() == () and store.register.originals() == {}
        assert store.register.counts(T0) == {"opened": 1, "closed": 0, "purged": 1}
        assert not (folder / "register" / "originals" / f"{original}.eml").exists()
    doc = register_file(folder)
    assert "undo" not in doc, "the register as it was (names and all) is not kept after"
    assert b"NORTHCOTE" not in (folder / "register" / "register.json").read_bytes()


def test_a_reader_sees_the_register_as_committed_while_a_change_is_in_flight(
        folder: Path) -> None:
    with Store.open(folder) as store:
        handle(store)
        kill_at_next_hot_write(store)
        with pytest.raises(Killed):
            store.commit(decide([]), register=RegisterWrite(
                at=T0 + timedelta(hours=1), entries=(), counts={"purged": 1}))
        reader = Store.read_register(folder)       # `mailbot register`, the lock still held
        assert [e.id for e in reader.entries()] == ["OLA-2024-0001"]
        assert reader.counts(T0) == {"opened": 1, "closed": 0, "purged": 0}
        with pytest.raises(StoreError):
            reader.save_original(b"x")


def test_a_register_ahead_of_the_state_with_nothing_to_go_back_to_stops_the_open(
        folder: Path) -> None:
    with Store.open(folder) as store:
        handle(store)
    path = folder / "register" / "register.json"
    doc = json.loads(path.read_bytes())
    doc["register"]["1"]["commit"] = 7
    path.write_text(json.dumps(doc))
    with pytest.raises(StoreCorrupt, match="newer than the state"):
        Store.open(folder)


def test_a_store_that_never_kept_a_register_writes_the_same_hot_file(folder: Path) -> None:
    """Older state folders read as before: the register's number appears only once
    the register has changed."""
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")]))
    assert b"register_commit" not in (folder / "db.json").read_bytes()
    with Store.open(folder) as store:
        handle(store)
    assert json.loads((folder / "db.json").read_bytes())["meta"]["1"]["register_commit"] == 1
