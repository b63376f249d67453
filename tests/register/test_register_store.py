"""The register on disk (R-OLA): originals kept, purged with their entry, counts only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mailbot.adapters.store.register import RegisterStore
from mailbot.core.durations import Duration
from mailbot.core.miu.purge import purge_plan
from mailbot.core.register import Purge, apply, read_notification
from mailbot.errors import StoreCorrupt
from mailbot.records import RegisterWrite

T0 = datetime(2026, 11, 13, 9, 0, tzinfo=UTC)
YEAR = Duration(months=12)
RAW = (b"From: cp@northshire.example\r\nSubject: NATIONAL ALERT\r\n\r\n"
       b"Issuing authority: Northshire County Council\r\n"
       b"Child: Riley NORTHCOTE, born 12/03/2017\r\nDate missing: 02/09/2026\r\n")


def receive(store: RegisterStore, raw: bytes, now: datetime) -> str:
    """What the MIU desk does with one notification: keep it, apply it, record."""
    original = store.save_original(raw)
    text = raw.decode().split("\r\n\r\n", 1)[1]
    subject = "FOUND" if b"found" in raw.lower() else "NATIONAL ALERT"
    change = apply(store.entries(), read_notification(subject, text, "cp@northshire.example", now),
                   original, now)
    store.write(RegisterWrite(at=now, entries=change.entries, kept=(original,),
                              counts=change.counts))
    return original


def purge(store: RegisterStore, now: datetime) -> Purge:
    """What the MIU desk's clock does: plan the purge, then write it."""
    result, doomed, tasks = purge_plan(store.entries(), store.originals(), store.tasks(), now, YEAR)
    if result.purged or doomed:
        store.write(RegisterWrite(at=now, entries=result.kept, tasks=tasks, dropped=doomed,
                                  counts={"purged": len(result.purged)}))
    return result


def test_an_original_is_kept_as_received_under_a_stable_id(tmp_path: Path) -> None:
    store = RegisterStore(tmp_path)
    first = store.save_original(RAW)
    assert store.save_original(RAW) == first
    assert store.original_path(first) == tmp_path / "register" / "originals" / f"{first}.eml"
    assert store.original(first) == RAW
    with pytest.raises(ValueError):
        store.original_path("../../etc/passwd")


def test_entries_survive_a_restart_and_can_be_listed_and_searched(tmp_path: Path) -> None:
    store = RegisterStore(tmp_path)
    receive(store, RAW, T0)
    receive(store, RAW.replace(b"Riley", b"Kim").replace(b"12/03/2017", b"01/01/2020"),
            T0 + timedelta(days=1))
    receive(store, RAW.replace(b"NATIONAL ALERT", b"FOUND").replace(
        b"Date missing: 02/09/2026", b"Riley has been found."), T0 + timedelta(days=2))
    store.close()
    again = RegisterStore(tmp_path)
    assert [(e.id, e.status) for e in again.list()] == [
        ("OLA-2026-0002", "open"), ("OLA-2026-0001", "closed")]
    assert [e.id for e in again.list("open")] == ["OLA-2026-0002"]
    assert [e.id for e in again.search("RILEY northcote")] == ["OLA-2026-0001"]
    assert [e.id for e in again.search("01/01/2020")] == ["OLA-2026-0002"]
    assert again.counts(T0) == {"opened": 2, "closed": 1, "purged": 0}
    assert again.counts(T0 + timedelta(days=1, minutes=1)) == {"opened": 0, "closed": 1,
                                                               "purged": 0}


def test_purge_at_twelve_months_deletes_entry_and_original_and_leaves_only_a_count(
        tmp_path: Path) -> None:
    """R-OLA / Appendix 3 point 2, with a simulated clock."""
    store = RegisterStore(tmp_path)
    original = receive(store, RAW, T0)
    path = store.original_path(original)
    assert path.exists()
    assert purge(store, T0 + timedelta(days=300)).purged == ()
    assert path.exists()

    result = purge(store, YEAR.after(T0))
    assert [e.id for e in result.purged] == ["OLA-2026-0001"]
    assert not path.exists()
    assert store.entries() == ()
    assert store.search("northcote") == ()
    assert store.counts(T0)["purged"] == 1
    leftovers = b"".join(p.read_bytes() for p in (tmp_path / "register").rglob("*") if p.is_file())
    assert b"NORTHCOTE" not in leftovers.upper() and b"2017" not in leftovers


def test_an_original_no_entry_took_is_purged_after_the_same_time(tmp_path: Path) -> None:
    """A question the unit never answered must not keep a child's details forever."""
    store = RegisterStore(tmp_path)
    orphan = store.save_original(b"Subject: ?\r\n\r\nsomething unreadable")
    store.write(RegisterWrite(at=T0, kept=(orphan,)))      # its question asked, never answered
    purge(store, T0 + timedelta(days=30))
    assert store.original_path(orphan).exists()
    result = purge(store, YEAR.after(T0))
    assert result.purged == () and not store.original_path(orphan).exists()
    assert store.counts(T0)["purged"] == 0


def test_a_damaged_register_file_stops_rather_than_starting_empty(tmp_path: Path) -> None:
    store = RegisterStore(tmp_path)
    receive(store, RAW, T0)
    (tmp_path / "register" / "register.json").write_text('{"register": {"1": {"entries": 3}}}')
    with pytest.raises(StoreCorrupt):
        RegisterStore(tmp_path).entries()


def test_the_audit_log_holds_counts_and_times_only(tmp_path: Path) -> None:
    store = RegisterStore(tmp_path)
    receive(store, RAW, T0)
    lines = (tmp_path / "register" / "audit.jsonl").read_text().splitlines()
    assert lines == ['{"at":"2026-11-13T09:00:00+00:00","opened":1}']
    assert store.entries()[0].children[0].dob == date(2017, 3, 12)
