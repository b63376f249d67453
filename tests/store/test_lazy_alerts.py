"""Issue 12: open alerts read when needed. A snapshot keeps each open alert as a line
of its own, with its marks (what a tick, a status, a new form or a reply asks of every
open alert); opening reads none of them, and each is read only when something acts on
it. The answers are the same as reading them all (T-QA, R-ALL, R-STATUS).

Real parts: the real store files, the service on a simulated clock (Maildir in, file
sender out), the shipped routing.yaml."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from mailbot.adapters.store import Store, hotfile, journal
from mailbot.core.values.mail import Outgoing
from mailbot.errors import StoreCorrupt
from mailbot.service.bootstrap import DEFAULT_CONFIG
from mailbot.service.views import status_table
from tests.workflow.conftest import MONDAY, Bot

CHILDREN = 6


def liberi(n: int) -> str:
    return f"88000{n:02d}"


ASKED: dict[Path, dict[str, Outgoing]] = {}


def raise_alerts(state: Path) -> list[str]:
    """Six alerts for six children, asked of their first approvers; then the journal
    folded into the snapshot and the store closed, as a `once` leaves it."""
    bot = Bot(state, MONDAY)
    refs = [bot.send_form("C8", **{"Liberi ID": liberi(n), "Child's name": f"Child{n} Lazy"})
            for n in range(CHILDREN)]
    ASKED[state] = {o.ref: o for _, o in bot.record.sent
                    if o.purpose == "approval_request" and o.ref}
    bot.service.tick()     # the week's area review (R-REVIEW) goes now, not after reopening
    bot.service.store.compact()
    bot.close()
    assert all(refs)
    return [r for r in refs if r]


def reopened(state: Path, config: object = None) -> Bot:
    return Bot(state, MONDAY + timedelta(minutes=5), config=config)


def read_all(bot: Bot) -> str:
    """The status as computed from every alert read (a plain dict: no marks used)."""
    state = bot.service.store.load()
    plain = state.model_copy(update={"alerts": dict(state.alerts.items())})
    return status_table(plain, bot.config, bot.now, holidays=bot.service.holidays)


def test_opening_reads_no_alert_and_a_quiet_tick_and_the_status_read_none(tmp_path: Path) -> None:
    """T-QA, R-STATUS: nothing due, nothing read; the status is the one every alert gives."""
    raise_alerts(tmp_path / "state")
    bot = reopened(tmp_path / "state")
    try:
        alerts = bot.service.store.load().alerts
        assert len(alerts) == CHILDREN and alerts.unread() == CHILDREN
        bot.service.tick()
        shown = status_table(bot.service.store.load(), bot.config, bot.now,
                             holidays=bot.service.holidays)
        assert bot.service.store.load().alerts.unread() == CHILDREN, "a quiet tick read alerts"
        assert shown == read_all(bot)
        assert shown.count("KA-") == CHILDREN
    finally:
        bot.close()


def test_a_new_form_reads_no_other_alert_and_a_second_for_a_child_finds_only_its_own(
        tmp_path: Path) -> None:
    """R-ALL: the duplicate check looks up the child by the kept mark; the alert found is
    the one read."""
    refs = raise_alerts(tmp_path / "state")
    bot = reopened(tmp_path / "state")
    try:
        new = bot.send_form("C8", **{"Liberi ID": "9912345", "Child's name": "New Child"})
        alerts = bot.service.store.load().alerts
        assert new and new not in refs and alerts.unread() == CHILDREN
        held = bot.send_form("C8", **{"Liberi ID": liberi(3), "Child's name": "Child3 Lazy"})
        assert held is None, "the same child again is held, not a new alert"
        asked = bot.record.to("tara.manager@kent.test")[-1]
        assert refs[3] in asked.subject + json.dumps(asked.context, default=str)
        assert bot.service.store.load().alerts.unread() == CHILDREN - 1
    finally:
        bot.close()


def test_a_reply_reads_only_the_alert_its_token_names(tmp_path: Path) -> None:
    """R-AUTH: the step token finds its alert by the kept mark, and only it is read."""
    refs = raise_alerts(tmp_path / "state")
    request = ASKED[tmp_path / "state"][refs[2]]
    bot = reopened(tmp_path / "state")
    try:
        local, domain = bot.config.organisation.bot_address.split("@")
        bot.deliver(bot.email(request.to[0].email, f"RE: {request.subject}", "APPROVE",
                              to=f"{local}+{request.reply_token}@{domain}",
                              headers={"In-Reply-To": f"<{request.message_id}>"}))
        assert bot.service.store.load().alerts.unread() == CHILDREN - 1
        assert any(e.what == "approved" for e in bot.record.events(refs[2])), \
            [e.what for e in bot.record.events(refs[2])]
    finally:
        bot.close()


def test_what_falls_due_is_what_a_store_read_whole_sends(tmp_path: Path) -> None:
    """T-QA: a day later the reminders go for every alert, each read when due, as they
    go from a bot that never closed its store."""
    raise_alerts(tmp_path / "lazy")
    whole = Bot(tmp_path / "whole", MONDAY)
    for n in range(CHILDREN):
        whole.send_form("C8", **{"Liberi ID": liberi(n), "Child's name": f"Child{n} Lazy"})
    whole.service.tick()
    lazy = reopened(tmp_path / "lazy")
    try:
        later = MONDAY + timedelta(days=3)
        sent = []
        for bot in (lazy, whole):
            before = len(bot.record.sent)
            bot.at(later)
            sent.append(sorted((o.purpose, o.ref or "", tuple(r.email for r in o.to))
                               for _, o in bot.record.sent[before:]))
        assert sent[0] == sent[1] and sent[0], sent
        assert lazy.service.store.load().alerts.unread() == 0
    finally:
        lazy.close()
        whole.close()


def test_marks_made_under_another_routing_yaml_are_not_used(tmp_path: Path) -> None:
    """A changed directory is shown at once: the kept rows were made under the old one."""
    raise_alerts(tmp_path / "state")
    data = yaml.safe_load(Path(DEFAULT_CONFIG).read_text())
    bot = reopened(tmp_path / "state")
    try:
        shown = status_table(bot.service.store.load(), bot.config, bot.now,
                             holidays=bot.service.holidays)
    finally:
        bot.close()
    named = next(p for p in data["people"].values() if p["name"] in shown)
    named["name"] = "Renamed Person"
    changed = tmp_path / "routing.yaml"
    changed.write_text(yaml.safe_dump(data, sort_keys=False))
    bot = reopened(tmp_path / "state", config=changed)
    try:
        shown = status_table(bot.service.store.load(), bot.config, bot.now,
                             holidays=bot.service.holidays)
        assert "Renamed Person" in shown and shown == read_all(bot)
    finally:
        bot.close()


def test_marks_kept_by_another_mailbot_are_not_believed(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The marks are functions of the core's code too: a store a mailbot with other core
    code wrote (an upgrade) has every row of the status made again, not its kept ones."""
    raise_alerts(tmp_path / "state")
    monkeypatch.setattr(hotfile, "core_code", lambda: "another-mailbot")
    made = rows_made(monkeypatch)
    bot = reopened(tmp_path / "state")
    try:
        alerts = bot.service.store.load().alerts
        assert alerts.unread() == CHILDREN
        shown = status_table(bot.service.store.load(), bot.config, bot.now,
                             holidays=bot.service.holidays)
        assert len(made) == CHILDREN, "kept marks were believed"
        assert shown == read_all(bot)
    finally:
        bot.close()


def rows_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The references whose status row is made (not read from what the store kept)."""
    from mailbot.core.records import status

    made: list[str] = []
    compute = status.ROW.compute

    def counted(alert: Any, config: Any, holidays: Any) -> Any:
        made.append(alert.ref)
        return compute(alert, config, holidays)
    monkeypatch.setattr(status.ROW, "compute", counted)
    return made


def assert_status_from_kept_rows(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The status comes from the rows the store kept, none made, and is the one every
    alert read gives."""
    made = rows_made(monkeypatch)
    shown = status_table(bot.service.store.load(), bot.config, bot.now,
                         holidays=bot.service.holidays)
    assert made == [], "rows made again, not read from what the store kept"
    assert shown == read_all(bot)


def test_after_an_upgrade_a_tick_holds_no_alert_and_the_next_write_keeps_new_marks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new mailbot (other core code) makes the marks again from each alert's bytes,
    holding none of the alerts (a `run` after every upgrade held all 10,000); its next
    write keeps the new marks, in the file and in the open store, so neither that store
    nor the next open makes them again."""
    raise_alerts(tmp_path / "state")
    monkeypatch.setattr(hotfile, "core_code", lambda: "another-mailbot")
    bot = reopened(tmp_path / "state")
    try:
        bot.service.tick()
        assert bot.service.store.load().alerts.unread() == CHILDREN, "the tick held alerts"
        bot.service.store.compact()
        assert_status_from_kept_rows(bot, monkeypatch)
    finally:
        bot.close()
    made = rows_made(monkeypatch)
    bot = reopened(tmp_path / "state")
    try:
        status_table(bot.service.store.load(), bot.config, bot.now,
                     holidays=bot.service.holidays)
        assert made == [], "the new marks were not kept"
    finally:
        bot.close()


def test_after_an_upgrade_a_pass_with_nothing_to_write_still_keeps_the_new_marks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: the marks were kept only by the bot's next write, so on a quiet day
    after an upgrade every `status` made every row again (1.5 s with 10,000 open) until
    a form came. The end of a pass that wrote nothing keeps them: `once` at its close,
    `run` at a quiet moment."""
    for quiet in ("close", "fold"):
        state = tmp_path / quiet / "state"
        raise_alerts(state)
        settled = reopened(state)   # the digest's "sent" written: the day is quiet now
        settled.service.once()
        settled.close()
        with monkeypatch.context() as upgraded:
            upgraded.setattr(hotfile, "core_code", lambda: "another-mailbot")
            bot = reopened(state)
            try:
                assert bot.service.once() == 0
                assert journal.segments(state) == [], "the pass wrote nothing"
                if quiet == "fold":
                    assert bot.service.store.fold_when_quiet() is True
                    assert bot.service.store.fold_when_quiet() is False, "kept once"
            finally:
                bot.close()
            made = rows_made(upgraded)
            bot = reopened(state)
            try:
                status_table(bot.service.store.load(), bot.config, bot.now,
                             holidays=bot.service.holidays)
                assert made == [], f"the new marks were not kept ({quiet})"
            finally:
                bot.close()


def test_a_reader_never_rewrites_the_marks_it_cannot_make(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A `status` after an upgrade makes the rows but keeps none: only the bot writes
    the snapshot's marks (a reader's snapshot would carry none)."""
    state = tmp_path / "state"
    raise_alerts(state)
    before = (state / "db.json").read_bytes()
    monkeypatch.setattr(hotfile, "core_code", lambda: "another-mailbot")
    with Store.open(state, create=False) as store:
        assert store.fold_when_quiet() is False
    assert (state / "db.json").read_bytes() == before


def damage(state: Path, after: bytes, found: bytes, put: bytes) -> None:
    """The first `found` after `after` in the store's db.json replaced by `put`."""
    path = state / "db.json"
    raw = path.read_bytes()
    at = raw.index(found, raw.index(after))
    path.write_bytes(raw[:at] + put + raw[at + len(found):])


def test_a_damaged_alert_line_is_refused_at_open_by_name(tmp_path: Path) -> None:
    raise_alerts(tmp_path / "state")
    damage(tmp_path / "state", b'"alerts":{\n', b'"Child', b'"Xhild')
    with pytest.raises(StoreCorrupt, match="do not match their check"):
        reopened(tmp_path / "state")


def test_a_snapshot_written_whole_opens_and_the_next_write_puts_it_in_lines(
        tmp_path: Path) -> None:
    """A store an older mailbot wrote (one JSON document, no lines) reads the same."""
    refs = raise_alerts(tmp_path / "state")
    path = tmp_path / "state" / "db.json"
    path.write_bytes(json.dumps(json.loads(path.read_bytes()), separators=(",", ":")).encode())
    assert b"\n" not in path.read_bytes()
    bot = reopened(tmp_path / "state")
    try:
        assert sorted(bot.service.store.load().alerts) == sorted(refs)
        bot.send_form("C8", **{"Liberi ID": "9900001", "Child's name": "Another Child"})
    finally:
        bot.close()
    assert path.read_bytes().count(b"\n") > CHILDREN
    bot = reopened(tmp_path / "state")
    try:
        assert bot.service.store.load().alerts.unread() == CHILDREN + 1
    finally:
        bot.close()


def test_once_everyone_has_had_the_days_waiting_mail_a_tick_reads_none_of_their_alerts(
        tmp_path: Path) -> None:
    """T-QA: two steps due the same day wait on Wyn West; the day's "waiting on you" mail
    goes at nine. A tick later that day (a `once` from cron, a restarted `run`) reads
    neither alert: the people each one's reminders go to, kept with it, have all had
    theirs. Before, every tick of the working day read every such alert again."""
    from datetime import UTC, datetime

    kim = "Kim Lead <kim.lead@kent.test>"
    bot = Bot(tmp_path / "state", MONDAY)
    bot.at(MONDAY + timedelta(hours=1))
    first = bot.send_form("C3", sender=kim)
    bot.at(MONDAY + timedelta(hours=1, minutes=30))
    second = bot.send_form("C3", sender=kim, Liberi_ID="7700002", Child_s_name="Ash Other")
    nine = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    bot.at(nine)
    daily = [o for _, o in bot.record.sent if o.purpose == "waiting_on_you"]
    assert [[i["ref"] for i in o.context["items"]] for o in daily] == [[first, second]]
    bot.service.store.compact()
    bot.close()
    later = Bot(tmp_path / "state", nine + timedelta(minutes=5))
    try:
        before = len(later.record.sent)
        later.service.tick()
        assert later.service.store.load().alerts.unread() == 2, "the tick read their alerts"
        assert later.record.sent[before:] == []
    finally:
        later.close()


def test_a_store_with_the_status_rows_among_the_marks_reads_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layout before the rows had lines of their own: each alert's marks on one line,
    its status row and tasks among them. The status is the same, from the kept rows."""
    import re
    import zlib

    raise_alerts(tmp_path / "state")
    path = tmp_path / "state" / "db.json"
    lines = path.read_bytes().split(b"\n")
    marks_at = lines.index(b'}}},"marks":{"1":{')
    rows_at = lines.index(b'}},"rows":{"1":{')
    check_at = next(i for i, line in enumerate(lines) if line.startswith(b'}},"check"'))

    def entries(block: list[bytes]) -> dict[bytes, dict[str, Any]]:
        return {line.split(b":", 1)[0]: json.loads(line.split(b":", 1)[1].rstrip(b","))
                for line in block}
    kept, rows = entries(lines[marks_at + 1:rows_at]), entries(lines[rows_at + 1:check_at])
    merged = [ref + b":" + json.dumps({**kept[ref], **rows[ref]}, separators=(",", ":")).encode()
              for ref in kept]
    alerts = b"\n".join(lines[1:marks_at])
    crc = zlib.crc32(b",\n".join(merged), zlib.crc32(alerts))
    check = re.sub(rb'"crc":\d+', b'"crc":%d' % crc, lines[check_at])
    path.write_bytes(b"\n".join([*lines[:marks_at + 1], b",\n".join(merged), check,
                                 *lines[check_at + 1:]]))
    assert b'"rows"' not in path.read_bytes()
    bot = reopened(tmp_path / "state")
    try:
        assert_status_from_kept_rows(bot, monkeypatch)
    finally:
        bot.close()
