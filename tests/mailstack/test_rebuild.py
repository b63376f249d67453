"""Issue 14 §7 on Dovecot + Postfix: a store rebuilt from the IMAP folders and the
sent copies is the store the bot kept.

The bot reads the unit and MIU inboxes over IMAP and sends over SMTP with a sent
copy (as `County` configures it). People's mail is put into the inbox with the
simulated time as its INTERNALDATE, as the server would stamp it on delivery at
that moment (the bot's clock is simulated; Dovecot's is not). Two alerts: one
approved at once, one whose manager never answers, so the clock runs its
reminders and chasers over three days. Then `mailbot rebuild` reads Processed,
Needs-Attention, Rejected and Sent over IMAP into a new folder; compared, the two
stores agree, and nothing was moved or sent by the rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.service.config_file import read_config
from mailbot.service.rebuild import rebuild
from mailbot.service.record import open_sources
from mailbot.service.store_compare import compare
from tests.mailstack.bot import PASSWORD_ENV, County, LiveBot, text_of
from tests.support.mailstack import DOMAIN, PASSWORD, MailStack

pytestmark = pytest.mark.mailstack
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def county(mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> County:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return County.create(mailstack, tmp_path)


@pytest.fixture
def bot(county: County) -> Iterator[LiveBot]:
    live = LiveBot(county, MONDAY)
    yield live
    live.close()


def put(bot: LiveBot, sender: str, subject: str, body: str, *,
        headers: dict[str, str] | None = None, to: str | None = None) -> None:
    """A person's message, delivered into the unit inbox at the bot's (simulated) time;
    then one pass of the bot."""
    when = bot.clock.now()
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    raw = (f"From: {sender}\r\nTo: {to or bot.county.bot}\r\nSubject: {subject}\r\n"
           f"Date: {format_datetime(when)}\r\nMessage-ID: {make_msgid('staff', domain=DOMAIN)}"
           f"\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           f"{body}\r\n").encode()
    client = bot.county.stack.imap_client(bot.county.bot)
    try:
        client.append("INBOX", raw, msg_time=when)
    finally:
        client.logout()
    bot.run()


def reply(bot: LiveBot, who: str, request: EmailMessage, text: str) -> None:
    parent = str(request["Message-ID"]).strip()
    put(bot, who, f"RE: {request['Subject']}", f"{text}\r\n\r\n> {text_of(request)[:200]}",
        to=str(request.get("Reply-To") or request["From"]),
        headers={"In-Reply-To": parent, "References": parent})


def test_a_store_rebuilt_from_dovecot_folders_and_sent_copies_is_the_store_the_bot_kept(
        county: County, bot: LiveBot) -> None:
    people = bot.people
    tm = county.email("tara.manager")
    put(bot, tm, "Alert C3", county.form("C3"))
    first = bot.only_ref()
    asked = next(e for e in bot.service.store.sent_log(MONDAY)
                 if e.ref == first and e.purpose == "approval_request")
    sm = asked.envelope_to[0]
    request = people.wait_mail(sm, "approval_request", first)[0]
    bot.clock.t += timedelta(minutes=40)
    reply(bot, sm, request, "APPROVE")
    bot.clock.t += timedelta(hours=2)
    put(bot, tm, "Alert C3", county.form("C3", **{"Liberi ID": "7654321"}))
    second = next(ref for ref in bot.service.store.load().alerts if ref != first)
    bot.at(bot.clock.now() + timedelta(days=3))      # nobody answers: reminders, chasers
    until = bot.clock.now()
    store = bot.service.store
    sent = [e.message_id for e in store.sent_log(MONDAY)]
    assert store.pending_outbox() == [] and len(sent) >= 6
    assert bot.alert(second).waits and bot.alert(second).waits[0].chasers + \
        int(bot.alert(second).waits[0].reminded) >= 1, "the clock sent no reminder or chaser"
    for mid in sent:                      # Postfix files the sent copies in the background
        people.arrived(county.bot, mid, folder="Sent")
    bot.close()

    config = read_config(county.config_path)
    mailboxes, sender = open_sources(config, county.state)
    before = {f: len(county.stack.mailbox_messages(county.bot, f))
              for f in ("INBOX", "Processed", "Sent")}
    report = rebuild(config, county.folder / "rebuilt", mailboxes, sender, since=MONDAY,
                     until=until)
    for box in mailboxes.values():
        box.close()  # type: ignore[attr-defined]
    assert {f: len(county.stack.mailbox_messages(county.bot, f))
            for f in ("INBOX", "Processed", "Sent")} == before, "the rebuild moved mail"
    assert report.replayed.get("unit/Processed", 0) >= 3
    assert report.matched == len(sent) and report.unsent == []
    old = Store.open(county.state, create=False)
    new = Store.open(county.folder / "rebuilt", create=False)
    try:
        assert compare(old, new) == [], "the rebuilt store differs from the one the bot kept"
    finally:
        old.close()
        new.close()
