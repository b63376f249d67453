"""The embedded default mailbox: a Maildir the bot reads and files into (issue 2, section 7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.ports import InboxMessage, Mailbox


def raw(n: int) -> bytes:
    return (f"From: sw{n}@kent.test\r\nTo: safeguardingunitalerts@kent.test\r\n"
            f"Subject: alert {n}\r\nMessage-ID: <m{n}@kent.test>\r\n\r\nbody {n}\r\n").encode()


def age(box: MaildirMailbox, key: str, mtime: float) -> None:
    """Set a message's delivery time (what a slow mail server would have given it)."""
    (path,) = [p for sub in ("new", "cur") for p in (box.path / sub).iterdir()
               if p.name.split(":")[0] == key]
    os.utime(path, (mtime, mtime))


def test_it_is_a_mailbox(tmp_path: Path) -> None:
    box: Mailbox = MaildirMailbox("unit", tmp_path / "unit")
    assert box.name == "unit"


def test_the_maildir_and_its_folders_are_created_if_missing(tmp_path: Path) -> None:
    path = tmp_path / "state" / "mail" / "unit"
    MaildirMailbox("unit", path)
    for folder in ("", ".Processed", ".Needs-Attention", ".Rejected"):
        for sub in ("tmp", "new", "cur"):
            assert (path / folder / sub).is_dir(), f"{folder}/{sub} missing"
    (path / ".Processed" / "cur" / "kept").write_bytes(b"x")
    MaildirMailbox("unit", path)   # opening again keeps what is there
    assert (path / ".Processed" / "cur" / "kept").read_bytes() == b"x"


def test_an_empty_folder_made_by_hand_becomes_a_maildir(tmp_path: Path) -> None:
    (tmp_path / "unit").mkdir()
    box = MaildirMailbox("unit", tmp_path / "unit")
    key = box.deliver(raw(1))
    assert [m.uid for m in box.fetch()] == [key]


def test_fetch_yields_every_message_oldest_first(tmp_path: Path) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    keys = [box.deliver(raw(n)) for n in range(3)]
    age(box, keys[0], 3000)
    age(box, keys[1], 1000)
    age(box, keys[2], 2000)
    fetched = list(box.fetch())
    assert [m.uid for m in fetched] == [keys[1], keys[2], keys[0]]
    assert [m.raw for m in fetched] == [raw(1), raw(2), raw(0)]
    assert {m.mailbox for m in fetched} == {"unit"}


def test_mail_of_one_second_comes_in_the_order_the_server_named_it(tmp_path: Path) -> None:
    """Keys name the second and the microsecond, the latter without leading zeros (the
    stdlib's and Dovecot's): text order put 100000 before 99999, so a rebuild replayed
    two messages of the same second the other way round (a CI failure, issue 12)."""
    box = MaildirMailbox("unit", tmp_path / "unit")
    keys = ["1795251600.M99999P7Q9.host", "1795251600.M100000P7Q10.host",
            "1795251600.M100000P7Q11.host", "1795251601.M5P7Q12.host"]
    for n, key in enumerate(keys):
        (box.path / "new" / key).write_bytes(raw(n))
        os.utime(box.path / "new" / key, (1795251600, 1795251600))
    assert [m.uid for m in box.fetch()] == keys
    assert sorted(keys) != keys   # text order would have failed


def test_fetch_reads_cur_as_well_and_leaves_flags_alone(tmp_path: Path) -> None:
    """A person may have opened the inbox in a mail client: seen mail is still work."""
    box = MaildirMailbox("unit", tmp_path / "unit")
    (box.path / "cur" / "1700000000.seen.host:2,S").write_bytes(raw(1))
    (box.path / "new" / "1700000001.fresh.host").write_bytes(raw(2))
    before = sorted(p.name for sub in ("new", "cur") for p in (box.path / sub).iterdir())
    assert sorted(m.uid for m in box.fetch()) == ["1700000000.seen.host",
                                                  "1700000001.fresh.host"]
    after = sorted(p.name for sub in ("new", "cur") for p in (box.path / sub).iterdir())
    assert after == before


@pytest.mark.parametrize(("folder", "dirname"), [
    ("processed", ".Processed"), ("needs_attention", ".Needs-Attention"),
    ("rejected", ".Rejected")])
def test_acknowledge_moves_the_message_to_its_folder(
        tmp_path: Path, folder: str, dirname: str) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    key = box.deliver(raw(1))
    (message,) = box.fetch()
    box.acknowledge(message, folder)  # type: ignore[arg-type]
    assert list(box.fetch()) == []
    assert box.folder_keys(folder) == [key]  # type: ignore[arg-type]
    assert (box.path / dirname / "new" / key).read_bytes() == raw(1)


def test_acknowledge_keeps_the_flags_of_a_message_in_cur(tmp_path: Path) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    (box.path / "cur" / "k1:2,S").write_bytes(raw(1))
    (message,) = box.fetch()
    box.acknowledge(message, "processed")
    assert (box.path / ".Processed" / "cur" / "k1:2,S").exists()


def test_acknowledge_twice_is_harmless(tmp_path: Path) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    box.deliver(raw(1))
    (message,) = box.fetch()
    box.acknowledge(message, "processed")
    box.acknowledge(message, "processed")
    box.acknowledge(message, "rejected")   # a retry after a crash: it stays where it went
    assert len(box.folder_keys("processed")) == 1
    assert box.folder_keys("rejected") == []


def test_a_message_a_person_deleted_or_moved_is_not_an_error(tmp_path: Path) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    gone, moved = box.deliver(raw(1)), box.deliver(raw(2))
    messages = {m.uid: m for m in box.fetch()}
    (box.path / "new" / gone).unlink()
    (box.path / "new" / moved).rename(box.path / ".Needs-Attention" / "cur" / f"{moved}:2,S")
    box.acknowledge(messages[gone], "processed")
    box.acknowledge(messages[moved], "processed")
    assert box.folder_keys("processed") == []
    assert box.folder_keys("needs_attention") == [moved]


def test_acknowledge_refuses_a_message_from_another_mailbox(tmp_path: Path) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    with pytest.raises(ValueError, match="acknowledged on"):
        box.acknowledge(InboxMessage(mailbox="miu", uid="k", raw=b""), "processed")


@pytest.mark.parametrize("uid", ["../../etc/passwd", ".Processed", ""])
def test_acknowledge_refuses_a_uid_that_is_not_a_key(tmp_path: Path, uid: str) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    with pytest.raises(ValueError, match="not a Maildir key"):
        box.acknowledge(InboxMessage(mailbox="unit", uid=uid, raw=b""), "processed")


def test_delivered_bytes_come_back_unchanged(tmp_path: Path) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    data = raw(7).replace(b"body 7", "café ☒".encode())
    key = box.deliver(data)
    assert [(m.uid, m.raw) for m in box.fetch()] == [(key, data)]
    assert list((box.path / "tmp").iterdir()) == []


class Sleeps:
    """A stand-in for time.sleep that counts naps and can deliver mail on one."""

    def __init__(self, box: MaildirMailbox | None = None, deliver_on: int = 0) -> None:
        self.calls: list[float] = []
        self.box, self.deliver_on = box, deliver_on

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.box is not None and len(self.calls) == self.deliver_on:
            self.box.deliver(raw(99))


def test_wait_returns_at_once_when_mail_came_after_the_last_fetch(tmp_path: Path) -> None:
    sleeps = Sleeps()
    box = MaildirMailbox("unit", tmp_path / "unit", sleep=sleeps)
    list(box.fetch())
    box.deliver(raw(1))   # arrived between fetch and wait: must not be slept through
    box.wait(30)
    assert sleeps.calls == []


def test_wait_sleeps_the_whole_timeout_when_nothing_new_comes(tmp_path: Path) -> None:
    sleeps = Sleeps()
    box = MaildirMailbox("unit", tmp_path / "unit", sleep=sleeps)
    box.deliver(raw(1))
    list(box.fetch())     # seen already: not new
    box.wait(1.0)
    assert sleeps.calls == [0.2] * 5


def test_wait_wakes_on_the_next_poll_after_delivery(tmp_path: Path) -> None:
    box = MaildirMailbox("unit", tmp_path / "unit")
    sleeps = Sleeps(box, deliver_on=3)
    box = MaildirMailbox("unit", tmp_path / "unit", sleep=sleeps)
    sleeps.box = box
    list(box.fetch())
    box.wait(60)
    assert len(sleeps.calls) == 3
    assert box.has_new()


def test_check_reads_the_headers_of_the_newest_few_in_inbox_and_processed_and_moves_nothing(
        tmp_path: Path) -> None:
    """For check-mailbox's Authentication-Results report: newest first, at most
    `sample` per folder, only the header block, every file left where and as it was."""
    box = MaildirMailbox("unit", tmp_path / "unit")
    for n in range(1, 5):
        key = box.deliver(raw(n))
        age(box, key, 1_000_000 + n)
        if n <= 3:
            box.acknowledge(InboxMessage("unit", key, raw(n)), "processed")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())

    recent = box.check(sample=2)["recent_headers"]

    assert [(folder, head.endswith(b"\r\n\r\n"), b"body" in head) for folder, head in recent] == \
        [("inbox", True, False), ("Processed", True, False), ("Processed", True, False)]
    assert [head.split(b"Subject: ")[1].split(b"\r\n")[0] for _, head in recent] == \
        [b"alert 4", b"alert 3", b"alert 2"]
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == before
