"""R-OLA exactly once (issue 9): the register's change, the questions it asks and the
message's seen-record are one commit. A crash between writing the register and
writing the state leaves a store where the same message, handled again, gives
the register and the outbox a run without the crash gives: nothing lost, nothing
twice. So for a crash after the commit, and for the 12-month purge."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.store.register import RegisterStore
from tests.miu.conftest import SAMPLE_ALERT, MiuBot, miu_bot
from tests.store.conftest import Killed, kill_at_next_hot_write

GOLDEN = Path(__file__).parents[1] / "register" / "golden"
NO_DOB = (GOLDEN / "06-partial-no-dob.eml").read_bytes()      # opened, the unit asked to confirm
EXPIRY = datetime(2027, 11, 16, 9, 0, tzinfo=UTC)              # SAMPLE_ALERT's 12 months


def outcome(bot: MiuBot) -> dict[str, Any]:
    """What the register and the outbox hold, and what was sent (each id how often)."""
    store = bot.service.store
    register = bot.register
    sent = [m.split(b"\r\n", 1)[1] for m in bot.sent_mail()]
    ids = sorted(line.split(b":", 1)[1].strip() for m in sent for line in m.split(b"\r\n")
                 if line.lower().startswith(b"message-id:"))
    return {
        "entries": register.entries(), "tasks": register.tasks(),
        "originals": register.originals(), "counts": register.counts(datetime(2000, 1, 1,
                                                                              tzinfo=UTC)),
        "kept": sorted(p.name for p in register.originals_dir.iterdir()),
        "outbox": sorted((e.message_id, e.status) for e in store.pending_outbox()),
        "sent": ids,
        "seen": store.stats()["seen_hot"] + store.stats()["seen_cold"],
    }


def twins(tmp_path: Path) -> tuple[Path, Path]:
    """Two state folders alike (the same secret, so the same reply tokens and ids)."""
    miu_bot(tmp_path / "seed").close()
    for name in ("control", "crash"):
        shutil.copytree(tmp_path / "seed", tmp_path / name)
    return tmp_path / "control", tmp_path / "crash"


def control(folder: Path, raw: bytes) -> dict[str, Any]:
    bot = miu_bot(folder)
    try:
        bot.deliver(raw, "miu")
        return outcome(bot)
    finally:
        bot.close()


def test_a_crash_between_the_register_and_the_state_write_loses_and_doubles_nothing(
        tmp_path: Path) -> None:
    calm, crash = twins(tmp_path)
    want = control(calm, NO_DOB)
    assert want["entries"] and want["tasks"] and want["sent"], "a register entry and a question"

    bot = miu_bot(crash)
    kill_at_next_hot_write(bot.service.store)
    with pytest.raises(Killed):
        bot.deliver(NO_DOB, "miu")
    assert (crash / "state" / "register" / "register.json").exists()
    bot.close()

    bot = miu_bot(crash)     # restarted: the message is still in the inbox
    try:
        assert bot.register.entries() == () and bot.register.tasks() == (), \
            "the register's change went with the state's: neither happened"
        bot.service.poll()
        bot.service.flush()
        assert outcome(bot) == want
    finally:
        bot.close()


def test_a_crash_after_the_commit_is_acknowledged_again_and_asks_nothing_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calm, crash = twins(tmp_path)
    want = control(calm, NO_DOB)

    bot = miu_bot(crash)

    def dies(self: RegisterStore, change: object) -> None:
        raise Killed

    monkeypatch.setattr(RegisterStore, "settle", dies)
    with pytest.raises(Killed):
        bot.deliver(NO_DOB, "miu")
    monkeypatch.undo()
    bot.close()

    bot = miu_bot(crash)
    try:
        assert bot.service.poll() == 1, "still in the inbox: seen, so only filed"
        bot.service.flush()
        assert outcome(bot) == want
        assert bot.service.mailboxes["miu"].folder_keys("processed")  # type: ignore[attr-defined]
    finally:
        bot.close()


def test_a_crash_in_the_purge_purges_once_when_the_clock_comes_again(tmp_path: Path) -> None:
    bot = miu_bot(tmp_path / "state")
    bot.notify(SAMPLE_ALERT.read_bytes())
    bot.at(EXPIRY - timedelta(hours=1))
    [entry] = bot.register.entries()
    kill_at_next_hot_write(bot.service.store)
    bot.clock.t = EXPIRY
    with pytest.raises(Killed):
        bot.service.tick()
    bot.close()

    bot = miu_bot(tmp_path / "state", EXPIRY)
    try:
        assert [e.id for e in bot.register.entries()] == [entry.id], "not purged: not committed"
        assert bot.register.original_path(entry.originals[0]).exists()
        bot.at(EXPIRY)
        assert bot.register.entries() == ()
        assert not bot.register.original_path(entry.originals[0]).exists()
        assert bot.register.counts(EXPIRY)["purged"] == 1, "counted once"
    finally:
        bot.close()
