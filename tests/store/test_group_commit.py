"""Issue 12: a poll pass group-commits. A batch of messages is decided one after another,
each commit staged, then the batch's commits are written in one durable write, and only
then is its mail sent and the batch moved out of the inbox. Nothing is lost, nothing
is sent twice: a message is on disk before it is moved, and a process killed anywhere
in a pass leaves an inbox and a store from which the next pass raises each alert and
asks each approver exactly once (R-ALL, T-QA).

Real parts: the real store files, the Maildir inbox, the file sender, the shipped
routing.yaml; the killed pass is a real process ended by os._exit."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.ports import Folder, InboxMessage
from tests.workflow.conftest import MONDAY, Bot, form_body

FORMS = 7
BATCH = 3


def forms(bot: Bot) -> list[bytes]:
    return [bot.email("Tara Manager <tara.manager@kent.test>", "Alert C8",
                      form_body("C8", **{"Liberi ID": f"77100{n:02d}",
                                         "Child's name": f"Child{n} Batch"}))
            for n in range(FORMS)]


def sent_files(state: Path) -> list[bytes]:
    outbox = state / "outbox"
    return [p.read_bytes() for sub in ("new", "cur") for p in sorted((outbox / sub).iterdir())]


def test_a_batch_is_on_disk_before_it_is_moved_and_its_mail_goes_in_the_pass(
        tmp_path: Path) -> None:
    """At each move, a copy of the state folder as it is on disk has every message of the
    batch seen; the staged commits are read at once by the next message of the batch."""
    state = tmp_path / "state"
    bot = Bot(state, MONDAY)
    bot.service.ack_batch = BATCH
    inbox = bot.service.mailboxes["unit"]
    for raw in forms(bot):
        inbox.deliver(raw, at=bot.now)  # type: ignore[attr-defined]
    moved: list[int] = []
    missing: list[str] = []
    real = inbox.acknowledge_many

    def checked(handled: Sequence[tuple[InboxMessage, Folder]]) -> None:
        copy = tmp_path / f"on-disk-{len(moved)}"
        # the store's files as they are on disk; not the mail folders, which the sending
        # thread and the mailbox are writing meanwhile (a file gone mid-copy)
        shutil.copytree(state, copy, ignore=shutil.ignore_patterns("outbox", "mail"))
        store = Store.open(copy, create=False)
        try:
            missing.extend(m.uid for m, _ in handled
                           if store.seen(hashlib.sha256(m.raw).hexdigest()) is None)
        finally:
            store.close()
        moved.append(len(handled))
        real(handled)

    inbox.acknowledge_many = checked  # type: ignore[method-assign]
    try:
        assert bot.service.poll() == FORMS
        assert moved == [BATCH, BATCH, FORMS - 2 * BATCH]
        assert missing == [], "moved before its commit was on disk"
        alerts = bot.service.store.load().alerts
        assert len(alerts) == FORMS
        # every first approval request went in the pass itself, each once
        asked = Counter(message_from_bytes(m)["Message-ID"] for m in sent_files(state))
        assert len(asked) >= FORMS and max(asked.values()) == 1
        assert bot.service.store.pending_outbox() == []
    finally:
        bot.close()


KILLED = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from mailbot.simulation import Simulation
    from tests.workflow.conftest import MONDAY
    state, after = Path(sys.argv[1]), int(sys.argv[2])
    sim = Simulation(state, MONDAY)
    sim.service.ack_batch = {batch}
    seen = []
    def die(now, decision, incoming):
        seen.append(1)
        if len(seen) == after:
            os._exit(9)    # as a SIGKILL: nothing more runs, nothing is flushed
    sim.service.observers.append(die)
    sim.service.poll()
    os._exit(0)
""").format(batch=BATCH)


@pytest.mark.parametrize("after", [1, BATCH, BATCH + 1, 2 * BATCH + 1])
def test_a_pass_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
        tmp_path: Path, after: int) -> None:
    """Killed after the `after`th decision (inside a batch, at its last message, just
    after a batch was written and its mail handed to the sending thread): the next pass,
    and the resend grace, raise every alert once and ask each first approver once."""
    state = tmp_path / "state"
    bot = Bot(state, MONDAY)
    raws = forms(bot)
    for raw in raws:
        bot.service.mailboxes["unit"].deliver(raw, at=bot.now)  # type: ignore[attr-defined]
    bot.close()
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", KILLED, str(state), str(after)], cwd=root,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 9, done.stderr[-2000:]

    bot = Bot(state, MONDAY)
    try:
        bot.service.poll()
        bot.service.flush()
        # mail marked "sending" when the process died waits the resend grace (and the
        # sender's word that it did not leave) before it goes again: as before batches
        bot.clock.t += bot.service.resend_grace + timedelta(minutes=1)
        bot.service.flush()
        alerts = bot.service.store.load().alerts
        children = Counter(a.form.case_id for a in alerts.values())
        assert sorted(children) == sorted(f"77100{n:02d}" for n in range(FORMS))
        assert set(children.values()) == {1}, "a form raised two alerts"
        sent = [message_from_bytes(m) for m in sent_files(state)]
        ids = Counter(m["Message-ID"] for m in sent)
        assert max(ids.values()) == 1, "a mail was sent twice"
        asked = Counter(m["X-Mailbot-Ref"] for m in sent
                        if m["X-Mailbot-Purpose"] == "approval_request")
        assert set(asked) == set(alerts) and set(asked.values()) == {1}
        assert bot.service.store.pending_outbox() == []
    finally:
        bot.close()
