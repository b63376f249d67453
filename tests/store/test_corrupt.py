"""An unreadable store stops the bot with a message naming the file; it is
never replaced by an empty one (that would forget every open alert)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.errors import StoreCorrupt, StoreError, StoreTooNew

from .conftest import decide, make_alert, make_event, make_seen


def made_store(folder: Path) -> bytes:
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")], counters={"2024": 1}))
    return (folder / "db.json").read_bytes()


def rewrite_meta(good: bytes, **meta: object) -> bytes:
    data = json.loads(good)
    data["meta"]["1"].update(meta)
    return json.dumps(data).encode()


def drop_meta(good: bytes) -> bytes:
    data = json.loads(good)
    del data["meta"]
    return json.dumps(data).encode()


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda good: good[: len(good) // 2],
    "garbage": lambda good: b"\x00\xff not json at all \x13",
    "empty": lambda good: b"",
    "not tables": lambda good: b"[1, 2, 3]",
    # a version mailbot never wrote (a newer one is refused as StoreTooNew: tests/ops)
    "schema 0": lambda good: rewrite_meta(good, schema_version=0),
    "schema not a number": lambda good: rewrite_meta(good, schema_version="2"),
    "no schema": drop_meta,
    "bad secret": lambda good: rewrite_meta(good, secret="c2hvcnQ="),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_hot_file_is_refused_by_name_and_left_untouched(folder: Path, damage: str) -> None:
    hot = folder / "db.json"
    broken = DAMAGE[damage](made_store(folder))
    hot.write_bytes(broken)

    with pytest.raises(StoreCorrupt, match=r"db\.json"):
        Store.open(folder)

    assert hot.read_bytes() == broken, "the damaged file must be kept for a human to look at"
    with pytest.raises(StoreCorrupt):    # and the failed open did not keep the lock
        Store.open(folder)


def test_a_wrong_schema_version_says_which_version_it_found(folder: Path) -> None:
    (folder / "db.json").write_bytes(rewrite_meta(made_store(folder), schema_version=7))
    # issue 14: a version newer than this code is refused as such, not called damage
    with pytest.raises(StoreTooNew, match="store schema 7"):
        Store.open(folder)


def test_a_missing_hot_file_beside_history_is_not_replaced_by_an_empty_store(folder: Path) -> None:
    made_store(folder)
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")], events=(make_event("KA-2024-0001", 1),)))
    (folder / "db.json").unlink()

    with pytest.raises(StoreCorrupt, match="refusing to start an empty store"):
        Store.open(folder)
    assert not (folder / "db.json").exists()


def test_no_store_and_create_false_is_an_error_not_a_new_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no mailbot store"):
        Store.open(tmp_path / "nowhere", create=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match=r"db\.json is missing"):
        Store.open(tmp_path / "empty", create=False)
    assert not (tmp_path / "empty" / "db.json").exists()


def test_a_damaged_line_inside_a_cold_log_is_refused_by_name(folder: Path) -> None:
    """Opening reads no cold log (issue 12): the first question to the seen index
    indexes a log it does not know yet, reading each line, and refuses damage by name."""
    made_store(folder)
    log = folder / "seen" / "2024-03.jsonl"
    log.write_text('{"sha256": "a"\nnot json\n')
    with Store.open(folder) as store, pytest.raises(StoreCorrupt, match=r"2024-03\.jsonl: line 1"):
        store.seen("a")


def test_a_cold_record_missing_its_fields_is_refused_when_read(folder: Path) -> None:
    made_store(folder)
    (folder / "seen" / "2024-03.jsonl").write_text('{"sha256": "a1", "mailbox": "unit"}\n')
    with Store.open(folder) as store, pytest.raises(StoreCorrupt, match=r"2024-03\.jsonl"):
        store.seen("a1")


def test_a_torn_last_line_of_a_cold_log_is_ignored_then_cut_before_the_next_append(
    folder: Path,
) -> None:
    from mailbot.adapters.store.record_json import seen_to_json

    made_store(folder)
    log = folder / "seen" / "2024-03.jsonl"
    whole = json.dumps(seen_to_json(make_seen("aa"))) + "\n"
    log.write_text(whole + whole.replace("aa", "bb")[:40])    # crash mid-append of "bb"

    with Store.open(folder) as store:
        assert store.seen("aa") is not None
        assert store.seen("bb") is None, "a line without its newline was never committed"
        store._cold.put_seen([make_seen("cc")])

    lines = log.read_text().splitlines()
    assert [json.loads(line)["sha256"] for line in lines] == ["aa", "cc"]
