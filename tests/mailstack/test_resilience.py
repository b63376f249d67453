"""Issue 3: the mail system misbehaves mid-run and nothing is lost or done twice.

A UIDVALIDITY change, a message a person moves away while the bot works, the
IMAP server restarted, the SMTP server down for a while, `mailbot run` as a real
process (SIGTERM, a dropped IDLE connection) and the per-address rate caps.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.store import Store
from mailbot.core.values.mail import Incoming
from mailbot.core.values.state import Decision
from tests.mailstack.bot import PASSWORD_ENV, ROOT, County, LiveBot, People, ids_by_recipient
from tests.support.mailstack import PASSWORD, MailStack

pytestmark = pytest.mark.mailstack
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
MANAGERS = ("kim.lead", "lee.lead", "max.lead")


@pytest.fixture
def county(mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> County:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return County.create(mailstack, tmp_path, mailboxes=("unit",))


@pytest.fixture
def bot(county: County) -> Iterator[LiveBot]:
    live = LiveBot(county, MONDAY)
    yield live
    live.close()


def three_forms(county: County, people: People) -> list[str]:
    """Three C3 alerts from three team managers, all in the unit inbox before the bot looks."""
    ids = [people.send_form(county.email(tm), "C3", **{"Liberi ID": f"770000{n}"})
           for n, tm in enumerate(MANAGERS)]
    for mid in ids:
        people.arrived(county.bot, mid)
    return ids


def after_first(action: Callable[[], None]) -> Callable[[datetime, Decision, Incoming | None], None]:
    """An observer that acts once, after the first message is committed and before the
    bot moves it out of the inbox: the middle of a pass."""
    done: list[bool] = []

    def observe(now: datetime, decision: Decision, incoming: Incoming | None) -> None:
        if incoming is not None and not done:
            done.append(True)
            action()

    return observe


def assert_each_manager_got_one_receipt(county: County) -> None:
    received = ids_by_recipient(county.stack, [county.email(tm) for tm in MANAGERS])
    assert sorted(len(ids) for ids in received.values()) == [1, 1, 1], received


def assert_handled_once(county: County, bot: LiveBot, forms: list[str]) -> None:
    state = bot.service.store.load()
    assert sorted(a.source_message for a in state.alerts.values()) == sorted(forms)
    assert not any(bot.people.holds(county.bot, m) for m in forms), "no form is left in the inbox"
    filed = Counter(str(m["Message-ID"]).strip("<>")
                    for m in bot.people.mail(county.bot, folders=("Processed",)))
    assert [filed[m] for m in forms] == [1, 1, 1]


def alert_mail(bot: LiveBot) -> list[Any]:
    """The outbox's waiting mail about alerts (the week's digest to the unit aside)."""
    return [e for e in bot.service.store.pending_outbox() if e.ref is not None]


def settle(people: People, county: County) -> None:
    for tm in MANAGERS:
        people.wait_mail(county.email(tm), "submitter_receipt")


def test_uidvalidity_change_mid_run_rereads_the_inbox_and_acts_once(
        county: County, bot: LiveBot) -> None:
    forms = three_forms(county, bot.people)
    client = county.stack.imap_client(county.bot)
    validity = client.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
    client.logout()
    bot.service.observers.append(after_first(lambda: county.stack.doveadm(
        "mailbox", "update", "-u", county.bot, "--uid-validity", str(int(validity) + 1000),
        "INBOX")))

    bot.run()
    bot.run()   # the pass the change interrupted is picked up here

    settle(bot.people, county)
    assert_handled_once(county, bot, forms)
    assert_each_manager_got_one_receipt(county)


def test_a_message_a_person_moves_away_mid_run_is_not_lost_or_acted_on_twice(
        county: County, bot: LiveBot) -> None:
    forms = three_forms(county, bot.people)
    person = county.stack.imap_client(county.bot)     # someone in the unit, in Outlook
    person.create_folder("Jo's follow-ups")

    def move_the_last() -> None:
        person.select_folder("INBOX")
        person.move(person.search(["HEADER", "Message-ID", f"<{forms[-1]}>"]), "Jo's follow-ups")

    bot.service.observers.append(after_first(move_the_last))
    bot.run()
    assert bot.people.holds(county.bot, forms[-1], "Jo's follow-ups"), "it stays where Jo put it"
    assert len(bot.service.store.load().alerts) == 3, "it had been read before Jo took it"

    # Jo puts it back: the bot recognises it and files it, acting on it no second time
    person.select_folder("Jo's follow-ups")
    person.move(person.search("ALL"), "INBOX")
    person.logout()
    bot.run()

    settle(bot.people, county)
    assert_handled_once(county, bot, forms)
    assert_each_manager_got_one_receipt(county)


def test_imap_server_restarted_mid_run_the_next_pass_carries_on(
        county: County, bot: LiveBot) -> None:
    forms = three_forms(county, bot.people)
    bot.service.observers.append(after_first(county.stack.restart_imap))

    bot.run()      # the batch is read and committed; moving it out fails with the restart
    assert bot.people.holds(county.bot, forms[0]), "the restart came before the batch's move"
    bot.run()

    settle(bot.people, county)
    assert_handled_once(county, bot, forms)
    assert_each_manager_got_one_receipt(county)


def test_smtp_server_down_mail_waits_in_the_outbox_then_goes_once(
        county: County, bot: LiveBot) -> None:
    people = bot.people
    tm, sm = county.email("kim.lead"), county.person("wyn.west")
    form = people.send_form(tm, "C3")
    people.arrived(county.bot, form)
    county.stack.stop_smtp()
    try:
        bot.run()
        bot.run()
        waiting = alert_mail(bot)
        assert len(waiting) == 2 and all(e.attempts == 1 and e.last_error for e in waiting), \
            "the receipt and the QA request wait, with the reason"
        assert len(bot.service.store.load().alerts) == 1, "the alert is raised all the same"
    finally:
        county.stack.start_smtp()

    bot.clock.t += timedelta(seconds=59)
    bot.run()
    assert len(alert_mail(bot)) == 2, "not before the retry is due"
    bot.clock.t += timedelta(seconds=1)
    bot.run()

    assert alert_mail(bot) == []
    people.wait_mail(tm, "submitter_receipt")
    people.wait_mail(sm, "approval_request")
    time.sleep(0.3)
    assert {who: len(ids) for who, ids in ids_by_recipient(county.stack, [tm, sm]).items()} == \
        {tm: 1, sm: 1}


def test_per_address_caps_hold_excess_mail_and_send_it_later_none_lost(
        mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)

    def two_an_hour(data: dict[str, Any]) -> None:
        data["limits"] = {**data["limits"], "per_address_per_hour": 2}

    county = County.create(mailstack, tmp_path, mailboxes=("unit",), edit=two_an_hour)
    bot = LiveBot(county, MONDAY)
    try:
        people = bot.people
        tm, sm = county.email("kim.lead"), county.person("wyn.west")
        for n in range(3):
            bot.receive(people.send_form(tm, "C3", **{"Liberi ID": f"771000{n}"}))
        people.wait_mail(sm, "approval_request", count=2)
        held = alert_mail(bot)
        assert sorted(e.purpose for e in held) == ["approval_request", "submitter_receipt"]
        assert all("cap" in e.last_error for e in held)

        bot.clock.t += timedelta(minutes=59)
        bot.run()
        assert len(alert_mail(bot)) == 2, "still within the hour"
        bot.clock.t += timedelta(minutes=2)
        bot.run()

        assert alert_mail(bot) == []
        people.wait_mail(sm, "approval_request", count=3)
        people.wait_mail(tm, "submitter_receipt", count=3)
        time.sleep(0.3)
        for who, ids in ids_by_recipient(mailstack, [tm, sm]).items():
            assert len(ids) == len(set(ids)) == 3, who
    finally:
        bot.close()


# -- `mailbot run` as a real process ------------------------------------------------------


@contextlib.contextmanager
def mailbot_run(county: County, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    log = (county.folder / "run.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "-v", "run", "--init", "--config",
         str(county.config_path), "--state", str(county.state), *args],
        cwd=ROOT, env={**os.environ, PASSWORD_ENV: PASSWORD}, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_mailbot_run_survives_a_dropped_imap_connection_and_stops_cleanly_on_sigterm(
        county: County) -> None:
    people = People(county)
    tm = county.email("kim.lead")
    with mailbot_run(county, "--tick", "60") as proc:
        people.send_form(tm, "C3", **{"Liberi ID": "7720001"})
        people.wait_mail(tm, "submitter_receipt", timeout=20)

        county.stack.restart_imap()     # drops the bot's IDLE connection
        people.send_form(tm, "C3", **{"Liberi ID": "7720002"})
        people.wait_mail(tm, "submitter_receipt", count=2, timeout=30)

        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        took = time.monotonic() - asked
        log = (county.folder / "run.log").read_text()
    print(f"\nmailbot run: stopped {took:.1f} s after SIGTERM")
    assert code == 0, log[-3000:]
    with Store.open(county.state, create=False) as store:    # the lock was released
        assert len(store.load().alerts) == 2
