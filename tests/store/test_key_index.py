"""Issue 12: opening a store reads no history; "seen?" and "sent?" are answered from the
key indexes (hashes, months, offsets), exactly as the whole history would answer them."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot.adapters.store import Store, coldlog
from mailbot.adapters.store.archive import Archive
from mailbot.records import OutboxEntry, SeenRecord

from .conftest import T0, closed, decide, make_alert, make_entry, make_seen

MONTHS = 14


def history(count: int) -> tuple[list[SeenRecord], list[OutboxEntry]]:
    """Seen-records and sent mail spread over MONTHS months."""
    seen, sent = [], []
    for n in range(count):
        at = T0 - timedelta(days=30 * (n % MONTHS), minutes=n)
        seen.append(make_seen(f"{n:064x}", at=at))
        sent.append(dataclasses.replace(make_entry(f"k{n}.request@bot.example", at=at),
                                        status="sent", sent_at=at, data=b"body %d" % n))
    return seen, sent


def logged(folder: Path, key: str) -> dict[str, dict]:  # type: ignore[type-arg]
    """Every record of a cold log folder by key, read line by line: the truth."""
    found = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            record = json.loads(line)
            found.setdefault(record[key], record)
    return found


@pytest.fixture
def big(folder: Path) -> Path:
    seen, sent = history(3000)
    with Store.open(folder) as store:
        store._bulk_cold(seen=seen, sent=sent,
                         alerts=[closed(make_alert(f"KA-2023-{n:04d}"), T0 - timedelta(days=n))
                                 for n in range(1, 200)])
        store.commit(decide([make_alert("KA-2024-0001")]), seen=make_seen("hot"),
                     outbox=[make_entry("hot@bot.example")])
    return folder


def test_the_indexes_answer_seen_and_sent_as_the_whole_history_does(big: Path) -> None:
    seen_log, sent_log = logged(big / "seen", "sha256"), logged(big / "sent", "message_id")
    assert len(seen_log) == len(sent_log) == 3000
    asked_seen = [*seen_log, *(f"{n:064x}" for n in range(3000, 3300)), "hot", "a" * 64]
    asked_sent = [*sent_log, *(f"k{n}.request@bot.example" for n in range(3000, 3300)),
                  "hot@bot.example", "never@bot.example"]
    with Store.open(big) as store:
        for key in asked_seen:
            record = store.seen(key)
            truth = seen_log.get(key)
            if key == "hot":
                assert record is not None
            elif truth is None:
                assert record is None, key
            else:
                assert record is not None and record.sha256 == key and \
                    record.at.isoformat() == truth["at"], key
        for mid in asked_sent:
            assert store.was_recorded(mid) == (mid in sent_log or mid == "hot@bot.example"), mid
        assert store.stats()["seen_cold"] == store.stats()["sent_cold"] == 3000


def test_opening_a_store_reads_no_cold_log_and_no_archived_alert(
        big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("opening the store read history")

    monkeypatch.setattr(coldlog, "iter_records", never)
    monkeypatch.setattr(coldlog, "_line_at", never)
    monkeypatch.setattr(Archive, "get", never)
    monkeypatch.setattr(Archive, "count", never)
    with Store.open(big) as store:
        assert set(store.load().alerts) == {"KA-2024-0001"}
        assert store.seen("hot") is not None, "recent records are answered from the hot state"


def test_a_store_from_before_the_index_is_indexed_from_its_logs_once(big: Path) -> None:
    shutil.rmtree(big / "seen" / "index")
    shutil.rmtree(big / "sent" / "index")
    seen_log = logged(big / "seen", "sha256")
    with Store.open(big) as store:
        assert all(store.seen(key) is not None for key in list(seen_log)[::97])
        assert store.was_recorded("k17.request@bot.example")
        assert not store.was_recorded("k4000.request@bot.example")
    assert (big / "seen" / "index" / "months.jsonl").exists()


def test_an_index_entry_whose_line_never_landed_is_not_an_answer(folder: Path) -> None:
    """The entry is written before its line; a crash between leaves an entry pointing at
    the log's end, which the next record fills: neither key is confused."""
    with Store.open(folder) as store:
        store._cold.put_seen([make_seen("first", at=T0)])
        log = store._cold.seen
        path = folder / "seen" / "2024-03.jsonl"
        log.index.add([("ghost", "2024-03", path.stat().st_size)])   # the crash: no line
        assert store.seen("ghost") is None
        store._cold.put_seen([make_seen("second", at=T0), make_seen("ghost", at=T0)])
        assert store.seen("second") is not None
        ghost = store.seen("ghost")
        assert ghost is not None and ghost.sha256 == "ghost"
    lines = [json.loads(x)["sha256"] for x in path.read_bytes().splitlines()]
    assert lines == ["first", "second", "ghost"], "each logged once"
