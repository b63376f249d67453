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
import dataclasses
import json
from pathlib import Path

import pytest

from mailbot.errors import StoreCorrupt
from mailbot.records import kept_base64
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
