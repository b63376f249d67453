"""Issue 12: what the sending path asks of the hot outbox (the mail waiting, each
address's mail in the last hour and day for the caps) is kept as an index, brought up
to date by identity from the outbox itself: it must answer exactly what a pass over
the outbox and the sent log answers, after every kind of write the store makes, in
any order, across cold moves, compactions and reopens.

Real parts: the real store files; the answers are checked against the store's own
outbox and `sent_log`, counted by `records.count_sends`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.adapters.store.outbox_index import Outbox, derived
from mailbot.core.values.state import changes
from mailbot.records import OutboxEntry, count_sends

from .conftest import T0, decide, make_alert, make_entry

ADDRESSES = ("sm@kent.test", "ad@kent.test", "tm@kent.test", "miu@kent.test", "dir@kent.test")


def entry(number: int, rng: random.Random, at: datetime) -> OutboxEntry:
    made = make_entry(f"m{number}", at=at)
    # one to three people, sometimes one twice (the caps count each time)
    to = tuple(rng.choice(ADDRESSES) for _ in range(rng.randint(1, 3)))
    return OutboxEntry(message_id=made.message_id, envelope_to=to, data=made.data,
                       ref=made.ref, purpose=made.purpose, created_at=made.created_at)


def waiting_by_a_pass(store: Store) -> list[OutboxEntry]:
    found = [e for e in store._hot.outbox.values() if e.status in ("pending", "sending")]
    return sorted(found, key=lambda e: e.created_at)


def test_the_index_answers_what_a_pass_over_the_outbox_does_after_every_write(
        tmp_path: Path) -> None:
    rng = random.Random(12)
    folder = tmp_path / "state"
    store = Store.open(folder)
    alert = make_alert("KA-2024-0001")
    now, number, kinds = T0, 0, set()
    try:
        for step in range(600):
            now += timedelta(minutes=rng.choice((1, 5, 20, 90, 400)))
            waiting = store.pending_outbox()
            roll = rng.random()
            if roll < 0.3 or not waiting:       # a decision's mail, two or three at once
                batch = []
                for _ in range(rng.randint(1, 3)):
                    number += 1
                    batch.append(entry(number, rng, now))
                store.commit(decide([alert]), outbox=batch, durable=rng.random() < 0.8)
                kind = "commit"
            elif roll < 0.55:                   # a batch marked sending, or sent
                chosen = rng.sample(waiting, rng.randint(1, len(waiting)))
                status = rng.choice(("sending", "sent"))
                store.mark_many({e.message_id: {"status": status, "sending_at": now}
                                 if status == "sending" else
                                 {"status": "sent", "sent_at": now - timedelta(
                                     minutes=rng.randint(0, 50)), "last_error": ""}
                                 for e in chosen}, now)
                kind = f"mark {status}"
            elif roll < 0.65:
                store.mark_sent(rng.choice(waiting).message_id, now)
                kind = "mark_sent"
            elif roll < 0.75:                   # a failure: pending again, a retry time
                store.mark_failed(rng.choice(waiting).message_id, now, "451 later",
                                  now + timedelta(minutes=5))
                kind = "mark_failed"
            elif roll < 0.78 and (sent := [e for e in store._hot.outbox.values()
                                           if e.status == "sent"]):
                # a sent entry changed again (a sending time settled later, an erasure)
                again = rng.choice(sent)
                store.mark_many({again.message_id: {"sent_at": now}}, now)
                kind = "sent again"
            elif roll < 0.8:
                store.sync()
                store.compact()
                kind = "compact"
            elif roll < 0.85:
                store.close()
                store = Store.open(folder)
                kind = "reopen"
            else:
                store.set_cursor("unit", f"UID={step}")   # a write that is no mail's
                kind = "cursor"
            kinds.add(kind)
            assert store.pending_outbox() == waiting_by_a_pass(store), f"step {step}: {kind}"
            held = sorted(t for times in store._index._sent.values() for t in times)
            assert held == sorted((e.sent_at, e.message_id) for e in store._hot.outbox.values()
                                  if e.status == "sent" and e.sent_at is not None
                                  for _ in e.envelope_to), "the index holds only the hot mail"
            for hour_since, day_since in ((now - timedelta(hours=1), now - timedelta(days=1)),
                                          (now - timedelta(minutes=10), now - timedelta(hours=3)),
                                          (now - timedelta(hours=2), now - timedelta(days=3))):
                asked = rng.sample(ADDRESSES, rng.randint(1, len(ADDRESSES)))
                expected = count_sends(store.sent_log(day_since), asked, hour_since, day_since)
                assert store.sent_counts(asked, hour_since, day_since) == expected, \
                    f"step {step}: {kind}"
        assert kinds >= {"commit", "mark sending", "mark sent", "mark_sent", "mark_failed",
                         "sent again", "compact", "reopen", "cursor"}
        sent = store.sent_log(T0)
        assert len(sent) > 100 and any(e.sent_at and e.sent_at < now - timedelta(days=2)
                                       for e in sent), "the day's mail went cold meanwhile"
    finally:
        store.close()


def test_mail_of_one_decision_waits_in_the_order_it_was_decided_after_a_retry(
        tmp_path: Path) -> None:
    """Two mails decided together share their time: they go in the order they were
    decided, also when the first failed once and waits again (the outbox's order)."""
    with Store.open(tmp_path / "state") as store:
        first, second = make_entry("m1"), make_entry("m2")
        store.commit(decide([make_alert("KA-2024-0001")]), outbox=[first, second])
        store.mark_many({"m1": {"status": "sending", "sending_at": T0},
                         "m2": {"status": "sending", "sending_at": T0}}, T0)
        store.mark_failed("m1", T0, "451 later", T0)
        assert [e.message_id for e in store.pending_outbox()] == ["m1", "m2"]


def test_an_outbox_remembers_what_each_write_changed_and_is_never_changed_in_place() -> None:
    """What changed between two outboxes is read from their lineage, not a pass over
    the day's mail; an outbox not derived from the other still gets the right answer
    (the pass), and none is changed in place (its lineage would then lie)."""
    day = Outbox({f"m{n}": make_entry(f"m{n}") for n in range(3000)})
    one = derived(day, {"new": make_entry("new")})
    two = derived(one, {"m7": make_entry("m7")}, drop=["m8", "absent"])
    assert one.since(day) == ({"new"}, set()) and two.since(day) == ({"new", "m7"}, {"m8"})
    assert changes(day, two) == (["m7", "new"], ["m8"])
    assert Outbox(two).since(day) is None, "a copy is no lineage"
    assert changes(day, Outbox(two)) == changes(day, two) == changes(dict(day), dict(two))
    assert "m8" not in two and two["m7"] is not day["m7"] and len(two) == 3000
    for change in (lambda o: o.__setitem__("x", make_entry("x")), lambda o: o.pop("m1"),
                   lambda o: o.update({}), lambda o: o.__delitem__("m1"), lambda o: o.clear()):
        with pytest.raises(TypeError):
            change(two)
