"""Issue 12: a write is a journal segment of what changed; compaction folds the journal
into a new snapshot; a process killed at any write point leaves a store that opens
holding the last write that returned, or the one in flight, whole."""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.store import Store, hotfile, journal
from mailbot.adapters.store import store as store_module
from mailbot.adapters.store.store import HOT_NAME
from mailbot.core.values.state import State
from mailbot.errors import StoreCorrupt
from mailbot.records import RegisterWrite
from mailbot.service.bootstrap import bootstrap

from .conftest import T0, closed, decide, make_alert, make_entry, make_event, make_seen


def segments(folder: Path) -> list[str]:
    return [path.name for _, path in journal.segments(folder)]


def picture(store: Store) -> dict[str, Any]:
    """Everything a reader of the store can ask, as plain values."""
    state = store.load()
    refs = sorted({*state.alerts, "KA-2024-0001", "KA-2024-0002", "KA-2024-0003"})
    return {
        "state": state.model_dump(mode="json"),
        "pending": [dataclasses.asdict(e) for e in store.pending_outbox()],
        "sent": [dataclasses.asdict(e) for e in store.sent_log(T0 - timedelta(days=1))],
        "seen": {k: store.seen(k) for k in ("s1", "s2", "s3", "old", "never")},
        "recorded": {m: store.was_recorded(m) for m in ("m1", "m2", "m3", "never")},
        "events": {r: [e.model_dump(mode="json") for e in store.events(r)] for r in refs},
        "archived": {r: store.archived_alert(r) for r in refs},
        "cursors": {c: store.cursor(c) for c in ("unit", "miu")},
        "register": [e.model_dump(mode="json") for e in store.register.entries()],
    }


# One scenario: every kind of write the store makes, in order. Each step is one call.
def steps() -> list[Callable[[Store], object]]:
    one, two, three = (make_alert(f"KA-2024-000{n}") for n in (1, 2, 3))
    return [
        lambda s: s.commit(decide([one], events=(make_event(one.ref, 1),), counters={"2024": 1}),
                           seen=make_seen("s1"), outbox=[make_entry("m1")]),
        lambda s: s.mark_many({"m1": {"status": "sending", "sending_at": T0}}, T0),
        lambda s: s.mark_many({"m1": {"status": "sent", "sent_at": T0}}, T0),
        lambda s: s.set_cursor("unit", "UIDVALIDITY=7;UID=3"),
        lambda s: s.commit(decide([one, two], events=(make_event(two.ref, 1),),
                                  counters={"2024": 2}),
                           seen=make_seen("s2", at=T0 + timedelta(hours=1)),
                           outbox=[make_entry("m2", at=T0 + timedelta(hours=1))]),
        lambda s: s.commit(decide([two, closed(one, T0 + timedelta(hours=2))],
                                  events=(make_event(one.ref, 2),), closed_refs=(one.ref,),
                                  counters={"2024": 2})),
        lambda s: s.commit(decide([two], counters={"2024": 2}), register=RegisterWrite(
            at=T0 + timedelta(hours=2), entries=(), counts={"opened": 0})),
        # two days on: seen-records and sent mail go cold, and so do the events
        lambda s: s.commit(decide([two, three], events=(make_event(three.ref, 1),),
                                  counters={"2024": 3}),
                           seen=make_seen("s3", at=T0 + timedelta(days=2)),
                           outbox=[make_entry("m3", at=T0 + timedelta(days=2))]),
        lambda s: s.set_cursor("unit", None),
        lambda s: s.mark_many({"m2": {"status": "pending", "attempts": 1,
                                      "last_error": "451 later"}}, T0 + timedelta(days=2)),
    ]


def run_steps(folder: Path, count: int | None = None) -> Store:
    store = Store.open(folder)
    for step in steps()[:count]:
        step(store)
    return store


def test_a_write_is_one_segment_of_what_changed_whatever_is_open(folder: Path) -> None:
    """The cost of a write follows the change: one alert changed among 1,000 open
    alerts writes the same bytes as among 10."""
    def segment_for_one_change(where: Path, open_alerts: int) -> int:
        alerts = [make_alert(f"KA-2023-{n:04d}") for n in range(open_alerts)]
        with Store.open(where) as store:
            store.commit(decide(alerts))
            snapshot = (where / "db.json").read_bytes()
            changed = alerts[0].model_copy(update={"district": "Dover"})
            store.commit(decide([changed, *alerts[1:]], events=(make_event(changed.ref, 1),)))
            assert (where / "db.json").read_bytes() == snapshot, "the snapshot is not rewritten"
            _, path = journal.segments(where)[-1]
            return path.stat().st_size

    few = segment_for_one_change(folder / "few", 10)
    many = segment_for_one_change(folder / "many", 1000)
    assert many == few


def test_a_store_reopened_after_compaction_equals_the_one_before(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = run_steps(folder)
    before = picture(store)
    assert segments(folder), "the writes are in the journal"
    replayed_store = None
    store._lock.release()
    try:
        replayed_store = Store.open(folder)
        assert picture(replayed_store) == before, "replaying the journal gives the same store"
        replayed_store._compact()
        assert segments(folder) == [], "compaction deletes the segments it folded in"
        assert picture(replayed_store) == before
    finally:
        if replayed_store is not None:
            replayed_store.close()
    with Store.open(folder) as reopened:
        assert picture(reopened) == before, "the new snapshot alone gives the same store"


def held_tables(store: Store) -> dict[str, Any]:
    """What the store holds hot, in its order (what the next write and the next
    flush to the cold files start from, which `picture` reads through)."""
    hot = store._hot
    return {"alerts": list(dict.keys(hot.state.alerts)), "events": hot.events,
            **{name: list(getattr(hot, name).items())
               for name in ("closing", "seen", "outbox", "cursors")},
            "latest": hot.latest, "register_commit": hot.register_commit}


def test_a_store_reopened_after_each_write_equals_the_one_that_wrote_it(
        folder: Path) -> None:
    """Opening replays the journal in one pass: each table copied once, the alerts'
    puts and drops gathered and derived once. After every write of the scenario, and
    of one that drops an alert, puts it back changed and patches one entry segment
    after segment, the store as reopened is the store as it was written."""
    two, three = make_alert("KA-2024-0002"), make_alert("KA-2024-0003")
    later = T0 + timedelta(days=2, hours=1)
    back = two.model_copy(update={"district": "Dover"})
    scenario = [*steps(),
                lambda s: s.commit(decide([three], counters={"2024": 3})),   # two dropped
                lambda s: s.commit(decide([three, back], counters={"2024": 3})),
                lambda s: s.mark_many({"m3": {"status": "sending", "sending_at": later}}, later),
                lambda s: s.mark_many({"m3": {"status": "sent", "sent_at": later}}, later),
                lambda s: s.commit(decide([three, back], events=(make_event(back.ref, 2),),
                                          counters={"2024": 4}),
                                   outbox=[make_entry("m4", at=later, ref=back.ref)])]
    for count in range(1, len(scenario) + 1):
        where = folder / f"after-{count}"
        store = Store.open(where)
        for step in scenario[:count]:
            step(store)
        written, held = picture(store), held_tables(store)
        store._lock.release()
        with Store.open(where) as reopened:
            assert picture(reopened) == written, f"reopened after write {count}"
            assert held_tables(reopened) == held, f"reopened after write {count}"
    with Store.open(folder / f"after-{len(scenario)}") as final:
        assert final.load().alerts["KA-2024-0002"].district == "Dover"
        assert final.load().counters == {"2024": 4}


def test_the_journal_is_folded_in_when_it_outgrows_the_snapshot(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "COMPACT_MIN", 4096)
    with Store.open(folder) as store:
        alerts = [make_alert(f"KA-2024-{n:04d}") for n in range(1, 4)]
        for n in range(40):
            store.commit(decide(alerts, counters={"2024": n}),
                         outbox=[make_entry(f"x{n}@bot.example")])
            assert len(segments(folder)) < 12, "the journal never grows without bound"
        assert store.load().counters == {"2024": 39}
    with Store.open(folder) as store:
        assert store.load().counters == {"2024": 39}
        assert len(store.pending_outbox()) == 40


def test_a_damaged_or_missing_segment_stops_the_open_naming_it(folder: Path) -> None:
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")]))
        store.commit(decide([]), seen=make_seen("a"))
        store.commit(decide([]), seen=make_seen("b"))
        store._lock.release()
    names = segments(folder)
    assert len(names) == 3
    (folder / names[1]).write_bytes(b'{"journal": 2, "meta": ')
    with pytest.raises(StoreCorrupt, match=names[1]):
        Store.open(folder)
    (folder / names[1]).unlink()
    with pytest.raises(StoreCorrupt, match=f"{names[1]} is missing"):
        Store.open(folder)


def test_segments_a_compaction_already_folded_in_are_deleted_unread(folder: Path) -> None:
    """A crash after the new snapshot's rename, before its segments were deleted."""
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")], counters={"2024": 1}))
        kept = {name: (folder / name).read_bytes() for name in segments(folder)}
        store._compact()
        store._lock.release()
    for name, data in kept.items():
        (folder / name).write_bytes(data)      # as if their deletion never happened
    with Store.open(folder) as store:
        assert store.load().counters == {"2024": 1}
        assert segments(folder) == []


# -- killed at every write point --------------------------------------------------------

WRITES = ("write", "pwrite", "fsync", "replace", "unlink", "ftruncate", "rename", "link")


def killed_at(folder: Path, point: int) -> tuple[int, int]:
    """Run the scenario in a forked child that SIGKILLs itself at its `point`-th
    write-like system call. Returns (steps that returned, write points it reached)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:     # the child: no pytest teardown, no buffers flushed, as a real kill
        os.close(read_end)
        say = os.write     # the pipe to the parent: not one of the counted writes
        calls = [0]
        store_module.COMPACT_MIN = 2048        # so that compaction happens mid-scenario
        for name in WRITES:
            real = getattr(os, name)

            def counted(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
                calls[0] += 1
                say(write_end, b"w")
                if calls[0] == point:
                    os.kill(os.getpid(), signal.SIGKILL)
                return _real(*args, **kwargs)
            setattr(os, name, counted)
        try:
            store = Store.open(folder)
            for step in steps():
                step(store)
                say(write_end, b"s")
            store.close()
            say(write_end, b"c")
        finally:
            os._exit(0)
    os.close(write_end)
    said = b""
    while chunk := os.read(read_end, 4096):
        said += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return said.count(b"s"), said.count(b"w") - said.count(b"s") - said.count(b"c")


def expected_states(tmp: Path) -> list[State]:
    """The state after 0, 1, 2, ... steps, from an undisturbed run."""
    states = []
    for count in range(len(steps()) + 1):
        with run_steps(tmp / f"n{count}", count) as store:
            states.append(store.load())
    return states


def test_a_process_killed_at_any_write_point_leaves_a_store_that_opens_whole(
        tmp_path: Path) -> None:
    expected = expected_states(tmp_path / "expected")
    _, points = killed_at(tmp_path / "count", 0)      # never killed: count the points
    assert points > 40, "the scenario should cross many write points"
    for point in range(1, points + 1):
        folder = tmp_path / f"kill-{point}"
        returned, _ = killed_at(folder, point)
        if not folder.exists():
            continue
        try:
            store = Store.open(folder)
        except Exception as error:   # the failing test names the point
            pytest.fail(f"killed at write point {point} (after {returned} steps): "
                        f"the store does not open: {error!r}")
        with store:
            state = store.load()
            assert state in expected[returned:returned + 2], (
                f"killed at write point {point} after {returned} steps: the store holds "
                "neither the last step that returned nor the one in flight")
            assert not list(folder.glob(".*.tmp")), "open clears a killed write's temp file"
            if state == expected[-1]:
                assert store.seen("old") is None and store.seen("s1") is not None


# the bot's store keeps marks with its open alerts (service/bootstrap.py); these none
MARKER = hotfile.Marker("test-fingerprint", "test-base", lambda alert: {})


def test_a_quiet_moment_folds_a_long_journal_and_never_a_staged_step(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: every open replays the journal (`status` among them), so at a quiet
    moment one longer than QUIET_SEGMENTS is folded in; a shorter one is left, and
    so is one with a step staged (that step is not on disk yet)."""
    monkeypatch.setattr(store_module, "QUIET_SEGMENTS", 8)
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")]))
        for n in range(7):
            store.set_cursor("unit", f"UID={n}")
        assert len(segments(folder)) == 8, "the commit and 7 cursors"
        store.set_cursor("unit", "UID=7")
        assert store.fold_when_quiet() is False, "a reader's store (no marks kept) never folds"
        store.use_marks(MARKER)
        store.set_cursor("unit", "UID=8")
        assert len(segments(folder)) == 10, "a write never folds at the quiet threshold"
        store.compact()
        for n in range(8):
            store.set_cursor("unit", f"UID={n}")
        assert store.fold_when_quiet() is False and len(segments(folder)) == 8
        store.set_cursor("unit", "UID=8")
        store.commit(decide([make_alert("KA-2024-0001"), make_alert("KA-2024-0002")]),
                     durable=False)
        assert store.fold_when_quiet() is False, "a staged step is folded only once written"
        assert len(segments(folder)) == 9
        store.sync()
        before = picture(store)
        assert store.fold_when_quiet() is True
        assert segments(folder) == [] and picture(store) == before
    with Store.open(folder) as reopened:
        assert picture(reopened) == before


def test_closing_a_large_store_folds_a_journal_longer_than_a_quiet_moment_allows(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The end of a `once` run is a quiet moment too: a large store (its snapshot
    kept, its journal kept while short) folds a journal past QUIET_SEGMENTS."""
    monkeypatch.setattr(store_module, "QUIET_SEGMENTS", 8)
    monkeypatch.setattr(store_module, "SMALL_SNAPSHOT", 0)   # every snapshot is large
    with Store.open(folder) as store:
        store.use_marks(MARKER)
        store.compact()
        for n in range(5):
            store.set_cursor("unit", f"UID={n}")
    assert len(segments(folder)) == 5, "a short journal is kept at close"
    with Store.open(folder) as store:
        for n in range(5, 10):
            store.set_cursor("unit", f"UID={n}")
    assert len(segments(folder)) == 10, "a reader (`status`: no marks) leaves it at close"
    with Store.open(folder) as store:
        store.use_marks(MARKER)
    assert segments(folder) == []
    with Store.open(folder) as store:
        assert store.cursor("unit") == "UID=9"


def test_a_reader_leaves_a_small_stores_journal_and_snapshot_as_they_are(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A journal left on a small store (the bot killed, say): `status` opening and closing
    it used to fold it into a snapshot without the bot's marks. A reader writes nothing;
    a store that wrote, or keeps marks, still folds a small store's journal at close."""
    with monkeypatch.context() as large:
        large.setattr(store_module, "SMALL_SNAPSHOT", 0)   # so this close keeps the journal
        with Store.open(folder) as store:
            store.use_marks(MARKER)
            store.compact()
            for n in range(3):
                store.set_cursor("unit", f"UID={n}")
    before = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()
              and p.name.startswith(HOT_NAME)}
    assert len(segments(folder)) == 3
    with Store.open(folder, create=False) as reader:
        assert reader.cursor("unit") == "UID=2"
    state, register, _ = Store.read_view(folder)    # `status`: without the lock
    register.close()
    assert state.alerts == {}
    assert {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()
            and p.name.startswith(HOT_NAME)} == before, "the reader wrote"
    with Store.open(folder) as store:
        store.use_marks(MARKER)
    assert segments(folder) == [], "the bot folds it"
    with Store.open(folder) as store:
        assert store.cursor("unit") == "UID=2"


def test_the_running_bot_folds_a_long_journal_in_a_pass_that_found_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` (the real loop, the shipped routing.yaml, the Maildir inboxes empty):
    a pass with no message is the quiet moment that folds the journal."""
    monkeypatch.setattr(store_module, "QUIET_SEGMENTS", 8)
    state = tmp_path / "state"
    service = bootstrap(None, state)
    for n in range(12):
        service.store.set_cursor("test", f"UID={n}")
    assert len(segments(state)) >= 12
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,),
                              kwargs={"tick_every": 1, "idle_slice": 0.05})
    thread.start()
    try:
        for _ in range(400):    # a bound on the wait, not a timing assert
            if len(segments(state)) <= 8:
                break
            time.sleep(0.05)
        assert len(segments(state)) <= 8, "a quiet pass folded the journal"
    finally:
        stop.set()
        thread.join()
        service.store.close()
    with Store.open(state) as store:
        assert store.cursor("test") == "UID=11"


def test_a_fold_that_fails_at_a_quiet_moment_loses_nothing_and_is_tried_again(
        folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A full disk while folding: the journal still holds every write, so the bot goes
    on (a warning, not a crash) and the next quiet moment folds."""
    monkeypatch.setattr(store_module, "QUIET_SEGMENTS", 4)
    real = store_module.write_snapshot

    def disk_full(*args: Any, **kwargs: Any) -> int:
        raise OSError(28, "No space left on device")

    with Store.open(folder) as store:
        store.use_marks(MARKER)
        store.compact()
        for n in range(6):
            store.set_cursor("unit", f"UID={n}")
        monkeypatch.setattr(store_module, "write_snapshot", disk_full)
        assert store.fold_when_quiet() is False
        assert "could not fold the journal" in caplog.text
        assert len(segments(folder)) == 6
        store.set_cursor("unit", "UID=6")          # the store goes on
        monkeypatch.setattr(store_module, "write_snapshot", real)
        assert store.fold_when_quiet() is True and segments(folder) == []
    with Store.open(folder) as store:
        assert store.cursor("unit") == "UID=6"
