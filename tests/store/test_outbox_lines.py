"""Issue 12: the hot outbox, an entry a line. The last day's mail stays in the hot file
(the sending caps count it), area reviews of thousands of alerts among it: each entry
is read as its line comes, so the file is never whole in memory, and its mail stays
the base64 text it was kept as until something asks for it (`mailbot status` and a
quiet pass decode none). A store an older mailbot wrote (the outbox on one line) reads
the same and is rewritten in lines by the next write.

Real parts: the real store files, the service on a simulated clock, the shipped
routing.yaml."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import gc
import json
import os
from pathlib import Path

import pytest

from mailbot.adapters.store import journal
from mailbot.adapters.store import store as store_module
from mailbot.adapters.store.keptmail import Kept
from mailbot.errors import StoreCorrupt
from mailbot.records import held_mail, kept_base64
from mailbot.service.views import status_table
from tests.store.test_lazy_alerts import CHILDREN, damage, raise_alerts, reopened

OPEN = b',"outbox":{\n'


def outbox_lines(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    start = raw.index(OPEN) + len(OPEN)
    return raw[start:raw.rindex(b"\n}}")].split(b",\n")


def test_each_entry_is_a_line_and_a_status_decodes_no_mail(tmp_path: Path) -> None:
    raise_alerts(tmp_path / "state")
    path = tmp_path / "state" / "db.json"
    lines = outbox_lines(path)
    assert len(lines) >= CHILDREN and all(b"\n" not in line for line in lines)
    table = json.loads(path.read_bytes())["outbox"]   # still one JSON document (TinyDB)
    assert [json.loads(line.split(b":", 1)[1]) for line in lines] == \
        [table[k] for k in sorted(table, key=int)]
    bot = reopened(tmp_path / "state")
    try:
        store = bot.service.store
        entries = list(store._hot.outbox.values())
        assert len(entries) == len(lines)
        status_table(store.load(), bot.config, bot.now, holidays=bot.service.holidays)
        bot.service.tick()
        assert all(kept_base64(e) is not None for e in entries), "mail decoded for nothing"
        first, doc = entries[0], json.loads(lines[0].split(b":", 1)[1])
        assert first.data == base64.b64decode(doc["data"]) and b"Message-ID:" in first.data
        assert kept_base64(first) is None
        assert dataclasses.replace(first, status="sent").data == first.data
    finally:
        bot.close()


def test_an_outbox_on_one_line_opens_the_same_and_the_next_write_puts_it_on_lines(
        tmp_path: Path) -> None:
    """The layout the previous mailbot wrote: the tables after the alerts' check, the
    outbox with them, on the one last line."""
    raise_alerts(tmp_path / "state")
    path = tmp_path / "state" / "db.json"
    raw = path.read_bytes()
    start = raw.index(OPEN)
    lines = outbox_lines(path)
    path.write_bytes(raw[:start] + b',"outbox":{' + b",".join(lines) + b"}}")
    assert path.read_bytes().count(b"\n") == raw.count(b"\n") - len(lines) - 1
    bot = reopened(tmp_path / "state")
    try:
        kept = {m: e.data for m, e in bot.service.store._hot.outbox.items()}
        assert len(kept) == len(lines)
        bot.send_form("C8", **{"Liberi ID": "9900002", "Child's name": "Another Child"})
    finally:
        bot.close()
    assert len(outbox_lines(path)) > len(lines)
    bot = reopened(tmp_path / "state")
    try:
        again = {m: e.data for m, e in bot.service.store._hot.outbox.items()}
        assert {m: again[m] for m in kept} == kept
    finally:
        bot.close()


def test_a_damaged_outbox_line_is_refused_at_open(tmp_path: Path) -> None:
    raise_alerts(tmp_path / "state")
    damage(tmp_path / "state", OPEN, b'"status":', b'"status"')   # the colon gone
    with pytest.raises(StoreCorrupt, match=r"db\.json: not valid JSON .*Expecting ':' delimiter"):
        reopened(tmp_path / "state")


def test_damaged_mail_in_the_outbox_is_named_when_it_is_read(tmp_path: Path) -> None:
    """The mail is decoded when first asked for: damage in its base64 text is found then,
    by its Message-ID, not sent as garbage."""
    raise_alerts(tmp_path / "state")
    damage(tmp_path / "state", OPEN, b'"data":"', b'"data":"*')   # a "*" in the text
    bot = reopened(tmp_path / "state")
    try:
        entry = next(iter(bot.service.store._hot.outbox.values()))
        with pytest.raises(StoreCorrupt, match=f"outgoing mail {entry.message_id} is damaged"):
            _ = entry.data
    finally:
        bot.close()


def _inodes_held(state: Path) -> set[int]:
    """The inodes of the files in `state` this process holds open (a deleted one too)."""
    held = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            if os.readlink(fd).startswith(str(state)):
                held.add(os.stat(fd).st_ino)
    return held


def test_the_outbox_mail_is_read_from_the_file_and_a_new_snapshot_takes_over(
        tmp_path: Path) -> None:
    """The mail of a day's outbox is not held in memory: each entry holds where its text
    is in db.json. A new snapshot replaces the file; the entries then point into it, and
    the old file, no longer named, is not held open (a long run would keep every one)."""
    raise_alerts(tmp_path / "state")
    path = tmp_path / "state" / "db.json"
    written = {json.loads(line.split(b":", 1)[1])["message_id"]:
               base64.b64decode(json.loads(line.split(b":", 1)[1])["data"])
               for line in outbox_lines(path)}
    bot = reopened(tmp_path / "state")
    try:
        store = bot.service.store
        first_file = os.stat(path).st_ino
        held = [held_mail(e) for e in store._hot.outbox.values()]
        assert held and all(isinstance(h, Kept) for h in held), "mail held in memory"
        assert {os.fstat(h.file.fd).st_ino for h in held} == {first_file}
        del held
        bot.send_form("C8", **{"Liberi ID": "9900003", "Child's name": "Third Child"})
        store.compact()
        gc.collect()
        assert os.stat(path).st_ino != first_file
        entries = list(store._hot.outbox.values())
        assert len(entries) > len(written)
        assert {os.fstat(held_mail(e).file.fd).st_ino for e in entries} == \
            {os.stat(path).st_ino}, "an entry left pointing into the replaced file"
        assert first_file not in _inodes_held(tmp_path / "state")
        assert {e.message_id: e.data for e in entries if e.message_id in written} == written
        assert all(b"Message-ID:" in e.data for e in entries)
    finally:
        bot.close()


def test_a_status_change_keeps_the_mail_where_it_is_kept_and_a_reopen_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Marking mail read from the file ("sending", "sent", a failure) changes its fields,
    not where its mail is: none is decoded or read back into memory for it, neither by
    the write nor when a reopen replays the journal's patches; the mail is the same."""
    raise_alerts(tmp_path / "state")
    path = tmp_path / "state" / "db.json"
    written = {json.loads(line.split(b":", 1)[1])["message_id"]:
               base64.b64decode(json.loads(line.split(b":", 1)[1])["data"])
               for line in outbox_lines(path)}
    monkeypatch.setattr(store_module, "SMALL_SNAPSHOT", 0)   # the journal kept at close
    bot = reopened(tmp_path / "state")
    try:
        store, now = bot.service.store, bot.now
        ids = list(store._hot.outbox)
        store.mark_many({mid: {"status": "sending", "sending_at": now} for mid in ids[1:]}, now)
        store.mark_sent(ids[1], now)
        store.mark_failed(ids[0], now, "451 later", now)
        entries = [store._hot.outbox[mid] for mid in ids]
        assert all(isinstance(held_mail(e), Kept) for e in entries), "mail decoded by a mark"
        assert [e.status for e in entries[:3]] == ["pending", "sent", "sending"]
        assert entries[0].attempts == 1 and entries[0].last_error == "451 later"
        with pytest.raises(TypeError):
            store.mark_many({ids[0]: {"data": b"other mail"}}, now)   # type: ignore[dict-item]
    finally:
        bot.close()
    assert len(journal.segments(tmp_path / "state")) >= 3, "the marks are in the journal"
    bot = reopened(tmp_path / "state")
    try:
        store = bot.service.store
        entries = [store._hot.outbox[mid] for mid in ids]
        assert all(isinstance(held_mail(e), Kept) for e in entries), "mail decoded by replay"
        assert [e.status for e in entries[:3]] == ["pending", "sent", "sending"]
        assert {e.message_id: e.data for e in entries} == written
    finally:
        bot.close()


def test_mail_changed_on_disk_under_an_open_store_is_refused_when_read(tmp_path: Path) -> None:
    """The file changed in place after it was opened (the store never does: damage): the
    text is not framed as the store wrote it, and reading it says so; nothing is sent."""
    raise_alerts(tmp_path / "state")
    bot = reopened(tmp_path / "state")
    try:
        entry = next(iter(bot.service.store._hot.outbox.values()))
        kept = held_mail(entry)
        assert isinstance(kept, Kept)
        fd = os.open(tmp_path / "state" / "db.json", os.O_WRONLY)
        try:
            os.pwrite(fd, b"}", kept.at - 1)   # the quote that opens the text
        finally:
            os.close(fd)
        with pytest.raises(StoreCorrupt, match="not where the store wrote it"):
            _ = entry.data
    finally:
        bot.close()


def test_without_positioned_reads_the_mail_is_held_as_read_and_no_file_kept_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where there is no os.pread (Windows, which also refuses to replace an open file),
    the mail is held as the base64 text it was read as, and nothing holds db.json open."""
    raise_alerts(tmp_path / "state")
    monkeypatch.delattr(os, "pread")
    bot = reopened(tmp_path / "state")
    try:
        store = bot.service.store
        assert all(isinstance(held_mail(e), str) for e in store._hot.outbox.values())
        bot.send_form("C8", **{"Liberi ID": "9900004", "Child's name": "Fourth Child"})
        store.compact()
        gc.collect()
        assert not any(isinstance(held_mail(e), Kept) for e in store._hot.outbox.values())
        assert os.stat(tmp_path / "state" / "db.json").st_ino not in \
            _inodes_held(tmp_path / "state")
        assert all(b"Message-ID:" in e.data for e in store._hot.outbox.values())
    finally:
        bot.close()
