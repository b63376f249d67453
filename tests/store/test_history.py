"""Closed alerts and old events leave the hot file for append-only history,
which is found again by reference, in order, and never twice."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.adapters.store.store import read_committed

from .conftest import T0, closed, decide, make_alert, make_event

REF = "KA-2024-0001"


def event_lines(folder: Path, ref: str = REF) -> list[int]:
    path = folder / "events" / f"{ref}.jsonl"
    return [json.loads(line)["seq"] for line in path.read_text().splitlines()]


def test_a_closed_alert_leaves_the_hot_file_and_is_found_in_the_archive(folder: Path) -> None:
    alert, other = make_alert(REF), make_alert("KA-2024-0002")
    shut = closed(alert, T0 + timedelta(days=40))
    with Store.open(folder) as store:
        store.commit(decide([alert, other]))
        store.commit(decide([shut, other], closed_refs=(REF,)))
        assert list(store.load().alerts) == ["KA-2024-0002"]
        assert store.archived_alert(REF) == shut     # found while awaiting its archive write
    assert REF.encode() not in (folder / "db.json").read_bytes()

    with Store.open(folder) as store:
        assert store.archived_alert(REF) == shut
        assert store.archived_alert("KA-2024-0002") is None
        assert store.closed_alerts(T0 + timedelta(days=39)) == [shut]
        assert store.closed_alerts(T0 + timedelta(days=41)) == []
        assert store.stats()["archived_alerts"] == 1


def test_an_alert_closed_without_change_still_leaves_a_readable_hot_file(folder: Path) -> None:
    """The very object committed open is then named closed: the hot file must stay valid JSON."""
    alert = closed(make_alert(REF), T0)
    with Store.open(folder) as store:
        store.commit(decide([alert]))
        store.commit(decide([alert], closed_refs=(REF,)))
        on_disk = read_committed(folder)     # the snapshot and the journal, as committed
        assert on_disk is not None and list(on_disk.closing.values()) == [alert]
    with Store.open(folder) as store:
        assert store.archived_alert(REF) == alert
        assert store.load().alerts == {}


def test_closed_alerts_since_spans_months_in_closing_order(folder: Path) -> None:
    dates = [T0 + timedelta(days=d) for d in (0, 31, 62)]     # March, April, May
    alerts = [closed(make_alert(f"KA-2024-000{i}"), at) for i, at in enumerate(dates, start=1)]
    with Store.open(folder) as store:
        for alert in alerts:
            store.commit(decide([alert], closed_refs=(alert.ref,)))
    with Store.open(folder) as store:
        assert store.closed_alerts(T0) == alerts
        assert store.closed_alerts(dates[1]) == alerts[1:]
    assert sorted(p.name for p in (folder / "archive").iterdir()) == ["2024-03", "2024-04", "2024-05"]


def test_each_closed_alert_gives_what_closed_alerts_gives_one_at_a_time(folder: Path) -> None:
    """Issue 12 (`mailbot report` over years): the archive's alerts and one closed since
    its last write (still in the hot file), each once, none twice."""
    dates = [T0 + timedelta(days=d) for d in (0, 31, 62)]
    alerts = [closed(make_alert(f"KA-2024-000{i}"), at) for i, at in enumerate(dates, start=1)]
    with Store.open(folder) as store:
        for alert in alerts[:2]:
            store.commit(decide([alert], closed_refs=(alert.ref,)))
        store.commit(decide([alerts[2]], closed_refs=(alerts[2].ref,)))
        assert [a.ref for a in store.closing_alerts()] == [alerts[2].ref], "awaiting the archive"
        each = store.each_closed_alert(T0)
        first = next(each)    # one at a time, not a list made first
        assert sorted([first, *each], key=lambda a: a.ref) == store.closed_alerts(T0) == alerts
        assert sorted(store.each_closed_alert(dates[1]), key=lambda a: a.ref) == alerts[1:]


def test_events_are_appended_flushed_and_returned_in_seq_order(folder: Path) -> None:
    alert = make_alert(REF)
    with Store.open(folder) as store:
        store.commit(decide([alert], events=(make_event(REF, 1), make_event(REF, 2))))
        assert [e.seq for e in store.events(REF)] == [1, 2]     # still in the hot file
        store.commit(decide([alert], events=(make_event(REF, 3),)))
        assert event_lines(folder) == [1, 2]     # flushed by the next write
        assert [e.seq for e in store.events(REF)] == [1, 2, 3]
    assert event_lines(folder) == [1, 2, 3]      # close leaves nothing hot
    with Store.open(folder) as store:
        assert store.events(REF) == [make_event(REF, n) for n in (1, 2, 3)]
        assert store.stats()["events_hot"] == 0


def test_a_crash_between_flushing_events_and_dropping_them_neither_loses_nor_duplicates(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alert = make_alert(REF)
    with Store.open(folder) as store:
        store.commit(decide([alert], events=(make_event(REF, 1), make_event(REF, 2))))
        with monkeypatch.context() as patch:
            def crash(*args: object) -> None:
                raise OSError("simulated crash before the hot file dropped the events")
            patch.setattr(os, "replace", crash)
            with pytest.raises(OSError, match="simulated crash"):
                store.commit(decide([alert], events=(make_event(REF, 3),)))
    assert event_lines(folder) == [1, 2]     # appended, but the hot file still holds them

    with Store.open(folder) as store:
        assert [e.seq for e in store.events(REF)] == [1, 2]
        store.commit(decide([alert], events=(make_event(REF, 3),)))   # the message, again
    assert event_lines(folder) == [1, 2, 3]
    with Store.open(folder) as store:
        assert [e.seq for e in store.events(REF)] == [1, 2, 3]


def test_a_torn_last_event_line_is_ignored_and_cut_before_the_next_append(folder: Path) -> None:
    alert = make_alert(REF)
    with Store.open(folder) as store:
        store.commit(decide([alert], events=(make_event(REF, 1),)))
    log = folder / "events" / f"{REF}.jsonl"
    long_event = make_event(REF, 2).model_copy(update={"detail": {"why": "x" * 500}})
    with log.open("ab") as torn:     # longer than the line that will replace it
        torn.write(long_event.model_dump_json().encode()[:400])
    with Store.open(folder) as store:
        assert [e.seq for e in store.events(REF)] == [1]
        store.commit(decide([alert], events=(make_event(REF, 2),)))
    assert event_lines(folder) == [1, 2]


def test_the_hot_file_does_not_grow_with_the_number_of_closed_alerts(folder: Path) -> None:
    """Every write rewrites the hot file, so history must not live there."""
    still_open = [make_alert(f"KA-2023-{n:04d}") for n in range(5)]

    def close_batch(store: Store, start: int, count: int) -> int:
        for n in range(start, start + count):
            ref = f"KA-2024-{n:04d}"
            store.commit(decide([*still_open, make_alert(ref)],
                                events=(make_event(ref, 1), make_event(ref, 2))))
            store.commit(decide([*still_open, closed(make_alert(ref), T0 + timedelta(days=1))],
                                events=(make_event(ref, 3),), closed_refs=(ref,)))
        store.commit(decide(still_open))
        return store.stats()["hot_file_bytes"]

    with Store.open(folder) as store:
        after_few = close_batch(store, 0, 2)
        after_many = close_batch(store, 2, 12)
        assert store.stats()["archived_alerts"] == 14
    assert after_many == after_few
