"""Issue 3: killed at random points, the bot still handles and sends everything exactly once.

A backlog of alert forms waits in the unit inbox. `mailbot once` runs as a real
process on the IMAP/SMTP config and is killed with SIGKILL at a random point
(fixed seed; counted in work done, as someone watching the mailbox sees it),
again and again, each time restarted, until the inbox is empty and the outbox
drained. The kills land anywhere: mid-read, between the store's commit and the
IMAP move, and in the send window between Postfix accepting a message and the
store marking it "sent", which only the sent copy (`sender.sent_copy`, checked
by `already_sent`) can settle. A second test makes the worst case of that
window happen on purpose: the copy still in transit when the bot comes back.

Figures (kills, runs, messages, duplicates) are printed: `pytest -s`.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.store import Store
from mailbot.ports import RenderedMail, Sender
from tests.mailstack.bot import PASSWORD_ENV, ROOT, County, LiveBot, People, ids_by_recipient, parse
from tests.support.mailstack import PASSWORD, MailStack

pytestmark = pytest.mark.mailstack
SEED = 20261116
FORMS = 200
AUTO_REPLIES = 20           # out-of-office answers mixed in: read, filed, never answered
MAX_KILLS = 20              # then the last run goes to the end undisturbed
KILL_WITHIN = 60            # units of work into a run: a message filed, or a copy in Sent
DISTRICTS = ["Thanet", "Dover", "Maidstone", "Dartford", "Swale", "Ashford"]
OUTCOMES = ("Processed", "Needs-Attention", "Rejected")


def backlog(county: County) -> list[bytes]:
    """Forms from six team managers across four areas, and some out-of-office replies."""
    rng = random.Random(SEED)
    managers = [county.email(f"crash.tm{i}") for i in range(6)]
    raws = []
    for n in range(FORMS):
        body = county.form("C3", District=DISTRICTS[n % len(DISTRICTS)],
                           **{"Summary of concern": f"Backlog case {n}, local press asking.",
                              "Liberi ID": str(7_700_000 + n)})
        raws.append(_mail(managers[n % len(managers)], county.bot, f"Alert C3 no. {n}", body,
                          f"crash-form-{n}"))
    for n in range(AUTO_REPLIES):
        raws.append(_mail(managers[n % len(managers)], county.bot,
                          f"Automatic reply: Alert received ({n})",
                          "I am out of the office until Monday.", f"crash-ooo-{n}",
                          "Auto-Submitted: auto-replied\r\n"))
    rng.shuffle(raws)
    return raws


def _mail(sender: str, to: str, subject: str, body: str, mid: str, extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 16 Nov 2026 08:00:00 +0000\r\nMessage-ID: <{mid}@kent.test>\r\n{extra}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            ).encode()


def no_caps(data: dict[str, Any]) -> None:
    """Each service manager gets dozens of requests here; the caps are tested elsewhere."""
    data["limits"] = {**data["limits"], "per_address_per_hour": 10_000,
                      "per_address_per_day": 10_000}


def put_in_inbox(stack: MailStack, user: str, raws: list[bytes]) -> None:
    client = stack.imap_client(user)
    try:
        for raw in raws:
            client.append("INBOX", raw)
    finally:
        client.logout()


def postfix_queue_empty(stack: MailStack) -> bool:
    queue = stack.dir / "pfq"
    return not any(path.is_file() for name in ("maildrop", "incoming", "active", "deferred")
                   for path in (queue / name).rglob("*"))


class Progress:
    """Work done so far, as a person watching the bot's mailbox would count it: messages
    gone from the inbox, plus sent copies filed in Sent (one per message handed over)."""

    def __init__(self, stack: MailStack, user: str, backlog: int) -> None:
        self.client = stack.imap_client(user)
        self.backlog = backlog

    def __call__(self) -> int:
        inbox = self.client.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"]
        sent = self.client.folder_status("Sent", [b"MESSAGES"])[b"MESSAGES"]
        return max(0, self.backlog - int(inbox)) + int(sent)

    def close(self) -> None:
        self.client.logout()


def settle(stack: MailStack) -> None:
    """Until Postfix has handed everything to Dovecot."""
    deadline = time.monotonic() + 60
    while not postfix_queue_empty(stack) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)   # Dovecot's LMTP answers Postfix before IMAP sessions see the file


def outbox_statuses(state: Path) -> Counter[str]:
    """Opening the store is itself the check that it loads after every kill."""
    if not (state / "db.json").exists():
        return Counter({"killed before the store was made": 1})
    with Store.open(state, create=False) as store:
        store.load()
        return Counter(e.status for e in store.pending_outbox())


def test_sigkill_at_random_points_every_message_handled_and_delivered_exactly_once(
        mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    # resend_grace 3 s: loopback Postfix files a sent copy within a second, and the grace
    # only starts when a restarted run first finds the copy missing
    county = County.create(mailstack, tmp_path, mailboxes=("unit",), edit=no_caps,
                           resend_grace="0.05m")
    raws = backlog(county)
    put_in_inbox(mailstack, county.bot, raws)
    rng = random.Random(SEED)
    command = [sys.executable, "-m", "mailbot", "once", "--init", "--config",
               str(county.config_path), "--state", str(county.state)]
    env = {**os.environ, PASSWORD_ENV: PASSWORD}
    kills = runs = killed_while_sending = 0
    progress = Progress(mailstack, county.bot, len(raws))
    began = time.monotonic()

    while True:
        runs += 1
        target = progress() + rng.randint(1, KILL_WITHIN) if kills < MAX_KILLS else None
        log = (tmp_path / f"run-{runs}.log").open("wb")
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        while proc.poll() is None and (target is None or progress() < target):
            time.sleep(0.005)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            kills += 1
            killed_while_sending += outbox_statuses(county.state)["sending"] > 0
            continue
        assert proc.returncode == 0, (tmp_path / f"run-{runs}.log").read_text()[-3000:]
        waiting = outbox_statuses(county.state)
        if not waiting:
            settle(mailstack)   # the bot's own mail to itself (the digest) may be in flight
            if not mailstack.mailbox_messages(county.bot):
                break
        assert runs < 100, f"not done after {runs} runs: {waiting}"
        if waiting["sending"]:
            time.sleep(1)   # the grace for mail in transit (resend_grace) has to pass
    elapsed = time.monotonic() - began
    progress.close()

    with Store.open(county.state, create=False) as store:
        state = store.load()
        sent = store.sent_log(datetime(2000, 1, 1, tzinfo=UTC))
        seen = store.stats()["seen_hot"] + store.stats()["seen_cold"]
        alerts = sorted(state.alerts.values(), key=lambda a: a.ref)
        raised = {ref: [e.what for e in store.events(ref)].count("raised")
                  for ref in state.alerts}

    # every message handled exactly once
    assert mailstack.mailbox_messages(county.bot) == [], "nothing is left in the inbox"
    assert seen >= len(raws)
    forms = {a.source_message for a in alerts}
    assert len(alerts) == FORMS and len(forms) == FORMS, "one alert per form, no form twice"
    assert [a.ref for a in alerts] == [f"KA-{alerts[0].ref[3:7]}-{n:04d}" for n in range(1, FORMS + 1)]
    assert set(raised.values()) == {1}
    filed = Counter(str(parse(raw)["Message-ID"]) for folder in OUTCOMES
                    for raw in mailstack.mailbox_messages(county.bot, folder))
    originals = [str(parse(raw)["Message-ID"]) for raw in raws]
    assert [m for m in originals if filed[m] != 1] == [], "each original filed once"

    # every person received each message exactly once (counted by Message-ID)
    expected: dict[str, Counter[str]] = {}
    for entry in sent:
        for address in entry.envelope_to:
            expected.setdefault(address, Counter())[entry.message_id] += 1
    folders = ("INBOX", *OUTCOMES)
    received = ids_by_recipient(mailstack, expected, folders)
    duplicates = {who: [m for m, n in Counter(ids).items() if n > 1] for who, ids in received.items()}
    duplicates = {who: ids for who, ids in duplicates.items() if ids}
    missing = {who: sorted(set(want) - set(received[who])) for who, want in expected.items()}
    missing = {who: ids for who, ids in missing.items() if ids}
    copies = Counter(str(parse(raw)["Message-ID"]).strip("<>")
                     for raw in mailstack.mailbox_messages(county.bot, "Sent"))
    sent_twice = [m for m, n in copies.items() if n > 1]
    print(f"\ncrash test: {len(raws)} messages ({FORMS} forms), {len(sent)} sent to "
          f"{len(expected)} people; {runs} runs, {kills} SIGKILLs ({killed_while_sending} "
          f"left mail 'sending'); duplicates {sum(map(len, duplicates.values()))}, sent twice "
          f"(sent copies) {len(sent_twice)}, missing {sum(map(len, missing.values()))}; "
          f"{elapsed:.1f} s")
    assert duplicates == {}, f"people received a message twice: {duplicates}"
    assert missing == {}, f"people never received: {missing}"
    assert sent_twice == [], f"handed to Postfix twice: {sent_twice}"
    assert len(sent) == 2 * FORMS + sum(1 for e in sent if e.purpose == "weekly_digest")
    assert kills >= 10 and killed_while_sending >= 3, "the kills must hit every phase"


class Killed(BaseException):
    """The process dies at this point (what SIGKILL does, at a point of our choosing)."""


class DiesAfterHandOver:
    """The real SMTP sender; the process dies just after Postfix accepted the message."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def send(self, mail: RenderedMail) -> None:
        self.sender.send(mail)
        raise Killed

    def already_sent(self, message_id: str) -> bool | None:
        return self.sender.already_sent(message_id)

    def close(self) -> None:
        self.sender.close()


@contextlib.contextmanager
def mail_in_transit(stack: MailStack) -> Iterator[None]:
    """Postfix accepts mail but delivers nothing (its queue manager paused), as a busy
    Exchange transport queue does: the sent copy is not in Sent yet."""
    master = (stack.dir / "pfq" / "pid" / "master.pid").read_text().split()[0]
    children = subprocess.run(["ps", "--ppid", master, "-o", "pid=,comm="], capture_output=True,
                              text=True, check=True).stdout.split("\n")
    qmgr = next(int(line.split()[0]) for line in children if line.split()[1:] == ["qmgr"])
    os.kill(qmgr, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(qmgr, signal.SIGCONT)


def test_a_crash_while_the_sent_copy_is_in_transit_waits_for_it_instead_of_sending_twice(
        mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    county = County.create(mailstack, tmp_path, mailboxes=("unit",), resend_grace="2m")
    people = People(county)
    start = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    bot = LiveBot(county, start)
    form = people.send_form(county.email("kim.lead"), "C3")
    people.arrived(county.bot, form)
    bot.service.sender = DiesAfterHandOver(bot.service.sender)
    with mail_in_transit(mailstack):
        with pytest.raises(Killed):
            # the form is committed, its mail sent at once: the first message is
            # handed over, then the bot dies
            bot.service.poll()
        bot.close()

        # restarted long after: the copy of the first is still queued, the second never left
        bot = LiveBot(county, start + timedelta(minutes=10))
        bot.service.flush()
        waiting = {e.message_id: e.status for e in bot.service.store.pending_outbox()}
        assert sorted(waiting.values()) == ["sending", "sending"], \
            "no copy in Sent yet: neither is sent again until the grace has passed"
    settle(mailstack)
    bot.clock.t += timedelta(minutes=2)
    bot.service.flush()
    settle(mailstack)
    bot.close()

    received = ids_by_recipient(mailstack, [county.email("kim.lead"), county.person("wyn.west")])
    assert {who: sorted(ids) for who, ids in received.items()} == {
        who: sorted(set(ids)) for who, ids in received.items()}, f"sent twice: {received}"
    assert sorted(len(ids) for ids in received.values()) == [1, 1], received
    copies = [parse(raw)["Message-ID"] for raw in mailstack.mailbox_messages(county.bot, "Sent")]
    assert len(copies) == len(set(copies)) == 2
