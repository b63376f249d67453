"""What is committed is what a later open loads: state, secret, seen, outbox, cursors."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from tinydb import TinyDB

from mailbot.adapters.store import Store
from mailbot.adapters.store.hotfile import SCHEMA_VERSION
from mailbot.core.values.alert import Timer, Wait
from mailbot.core.values.form import Contact
from mailbot.core.values.state import HeldForm

from .conftest import CHILD, T0, decide, make_alert, make_entry, make_event, make_seen


def test_a_committed_state_with_alerts_loads_equal_after_reopen(folder: Path) -> None:
    wait = Wait(id="sm_qa", kind="approval", rule="R-QA", role="sm", owner="p.key", token="t" * 20,
                asked_at=T0, due_at=T0 + timedelta(hours=4))
    clock = Timer(id="t72", rule="T-72H", kind="strategy_due", due_at=T0 + timedelta(hours=72))
    first = make_alert("KA-2024-0001").model_copy(update={"waits": (wait,), "clocks": (clock,)})
    decision = decide([first, make_alert("KA-2024-0002")], counters={"2024": 2})
    with Store.open(folder) as store:
        store.commit(decision)
        assert store.load() == decision.state

    with Store.open(folder) as store:
        loaded = store.load()
    assert loaded == decision.state
    due = loaded.alerts["KA-2024-0001"].waits[0].due_at
    assert due.utcoffset() == timedelta(0), "datetimes come back aware, in UTC"


def test_the_hot_file_is_a_tinydb_database_with_a_schema_version(folder: Path, tmp_path: Path) -> None:
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")]))
    copy = shutil.copy(folder / "db.json", tmp_path / "copy.json")
    with TinyDB(copy) as db:
        assert db.table("meta").get(doc_id=1)["schema_version"] == SCHEMA_VERSION == 2
        assert "KA-2024-0001" in db.table("state").get(doc_id=1)["alerts"]


def test_the_secret_is_made_once_and_stable_across_opens(folder: Path, tmp_path: Path) -> None:
    with Store.open(folder) as store:
        secret = store.secret
    with Store.open(folder) as store:
        assert store.secret == secret
    with Store.open(tmp_path / "other") as other:
        assert other.secret != secret
    assert len(secret) == 32


def test_cursor_round_trip_survives_reopen_and_none_clears_it(folder: Path) -> None:
    with Store.open(folder) as store:
        assert store.cursor("unit") is None
        store.set_cursor("unit", "UIDVALIDITY=7;UID=42")
        store.set_cursor("miu", "delta-link")
    with Store.open(folder) as store:
        assert store.cursor("unit") == "UIDVALIDITY=7;UID=42"
        store.set_cursor("miu", None)
    with Store.open(folder) as store:
        assert store.cursor("miu") is None
        assert store.cursor("unit") == "UIDVALIDITY=7;UID=42"


def test_a_handled_message_is_seen_after_reopen_while_hot_and_after_going_cold(folder: Path) -> None:
    record = make_seen("a1")
    with Store.open(folder) as store:
        store.commit(decide([]), seen=record)
    with Store.open(folder) as store:
        assert store.seen("a1") == record
        assert store.seen("zz") is None
        # two days on, the next commit moves it out of the hot file
        store.commit(decide([]), seen=make_seen("b2", at=T0 + timedelta(days=2)))
        assert store.stats()["seen_hot"] == 1
    # by its key: the random secret (base64) may hold "a1" by chance
    assert b"\"sha256\":\"a1\"" not in (folder / "db.json").read_bytes()
    with Store.open(folder) as store:
        assert store.seen("a1") == record
        assert store.stats()["seen_cold"] == 1


def test_outbox_moves_pending_sending_sent_and_each_step_survives_reopen(folder: Path) -> None:
    entry = make_entry("k1.ack@bot.example")
    later = make_entry("k2.ack@bot.example", at=T0 + timedelta(minutes=5))
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")]), outbox=[later, entry])
        assert [e.message_id for e in store.pending_outbox()] == [entry.message_id,
                                                                  later.message_id]
        store.mark_sending(entry.message_id, T0 + timedelta(minutes=6))
    with Store.open(folder) as store:
        sending = store.pending_outbox()[0]
        assert (sending.status, sending.data) == ("sending", entry.data)
        assert sending.sending_at == T0 + timedelta(minutes=6)
        store.mark_failed(entry.message_id, T0 + timedelta(minutes=7), "421 try later",
                          retry_at=T0 + timedelta(minutes=17))
    with Store.open(folder) as store:
        failed = store.pending_outbox()[0]
        assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "421 try later")
        assert failed.retry_at == T0 + timedelta(minutes=17)
        store.mark_sent(entry.message_id, T0 + timedelta(minutes=20))
    with Store.open(folder) as store:
        assert [e.message_id for e in store.pending_outbox()] == [later.message_id]
        assert [e.message_id for e in store.sent_log(T0)] == [entry.message_id]
        assert store.sent_log(T0 + timedelta(minutes=21)) == []


def test_sent_mail_goes_cold_yet_stays_recorded_and_in_the_sent_log(folder: Path) -> None:
    entry = make_entry("k1.ack@bot.example")
    with Store.open(folder) as store:
        store.commit(decide([]), outbox=[entry])
        store.mark_sent(entry.message_id, T0)
        store.commit(decide([]), seen=make_seen("x", at=T0 + timedelta(days=3)))
        assert store.stats()["sent_cold"] == 1
    assert entry.data not in (folder / "db.json").read_bytes()
    with Store.open(folder) as store:
        assert store.was_recorded(entry.message_id)
        logged = store.sent_log(T0 - timedelta(days=40))
        assert [(e.message_id, e.data, e.status) for e in logged] == [
            (entry.message_id, entry.data, "sent")]
        assert not store.was_recorded("never@bot.example")


def test_recording_an_id_twice_keeps_the_first_entry(folder: Path) -> None:
    with Store.open(folder) as store:
        store.commit(decide([]), outbox=[make_entry("same@bot.example")])
        store.mark_sending("same@bot.example", T0)
        store.commit(decide([]), outbox=[make_entry("same@bot.example")])
        assert [e.status for e in store.pending_outbox()] == ["sending"]


def test_naive_datetimes_are_refused_not_guessed(folder: Path) -> None:
    with Store.open(folder) as store, pytest.raises(ValueError, match="naive"):
        store.closed_alerts(T0.replace(tzinfo=None))


def test_events_and_cold_files_carry_references_not_children_names(folder: Path) -> None:
    """Logs and file names carry the alert reference; the name stays inside the record."""
    with Store.open(folder) as store:
        store.commit(decide([make_alert("KA-2024-0001")], events=(make_event("KA-2024-0001", 1),)))
    names = [p.name for p in folder.rglob("*")]
    assert "KA-2024-0001.jsonl" in names
    assert not any(CHILD.split()[0] in name for name in names)


def test_sent_log_after_reopen_finds_mail_that_went_cold_since(folder: Path) -> None:
    early, late = make_entry("early@bot.example"), make_entry("late@bot.example")
    with Store.open(folder) as store:
        store.commit(decide([]), outbox=[early, late])
        store.mark_sent(early.message_id, T0 + timedelta(days=1))
        store.mark_sent(late.message_id, T0 + timedelta(days=3))   # early goes cold
        assert store.stats()["sent_cold"] == 1
    with Store.open(folder) as store:
        since = [e.message_id for e in store.sent_log(T0 + timedelta(hours=12))]
        recent = [e.message_id for e in store.sent_log(T0 + timedelta(days=2))]
    assert since == [early.message_id, late.message_id]
    assert recent == [late.message_id]


def test_mark_many_changes_a_batch_in_one_write_that_survives_reopen(folder: Path) -> None:
    first, second = make_entry("a@bot.example"), make_entry("b@bot.example")
    with Store.open(folder) as store:
        store.commit(decide([]), outbox=[first, second])
        store.mark_many({first.message_id: {"status": "sending", "sending_at": T0},
                         second.message_id: {"status": "sending", "sending_at": T0}}, T0)
        store.mark_many({first.message_id: {"status": "sent", "sent_at": T0},
                         second.message_id: {"status": "pending", "attempts": 1,
                                             "last_error": "451 later"}}, T0)
        with pytest.raises(KeyError):
            store.mark_many({"unknown@bot.example": {"status": "sent"}}, T0)
    with Store.open(folder) as store:
        assert [e.message_id for e in store.sent_log(T0)] == [first.message_id]
        waiting = store.pending_outbox()
        assert [(e.message_id, e.attempts, e.last_error) for e in waiting] == [
            (second.message_id, 1, "451 later")]


def test_an_outbox_entrys_urgency_and_deadline_survive_reopen(folder: Path) -> None:
    """Issue 10 (8): the caps read them at every flush, long after the commit."""
    entry = dataclasses.replace(make_entry("p1.request@bot.example"), urgent=True,
                                deadline=T0 + timedelta(hours=2))
    with Store.open(folder) as store:
        store.commit(decide([]), outbox=[entry, make_entry("plain@bot.example")])
    with Store.open(folder) as store:
        got = {e.message_id: (e.urgent, e.deadline) for e in store.pending_outbox()}
    assert got == {"p1.request@bot.example": (True, T0 + timedelta(hours=2)),
                   "plain@bot.example": (False, None)}


def test_a_form_held_as_a_duplicate_survives_reopen(folder: Path) -> None:
    """Issue 10 (6): the held form waits in the state for its sender's answer."""
    alert = make_alert("KA-2024-0001")
    held = HeldForm(ref=alert.ref, seq=1, form=alert.form, message_id="m1@kent.test",
                    sender=Contact(name="Tara", email="tara@kent.test"), held_at=T0)
    decision = decide([alert])
    decision = decision.model_copy(update={"state": decision.state.model_copy(update={
        "held_forms": {"t" * 20: held}, "duplicate_seq": {alert.ref: 1}})})
    with Store.open(folder) as store:
        store.commit(decision)
    with Store.open(folder) as store:
        assert store.load() == decision.state
