"""Issue 14 §1 with the faults made real: a stopped Dovecot, a stopped Postfix.

tests/ops (test_exit_codes, test_health, test_outage_notice) show the exit codes,
`mailbot health` and the outage notices against a closed loopback port. Here the
real `mailbot` command (`python -m mailbot`, in a subprocess, as cron runs it) reads
the unit's inbox over IMAP and sends over SMTP from a private Dovecot and Postfix of
this module's own (the `private_mailstack` fixture: other ports, another folder),
whose processes the tests stop and start again; the session's shared stack is never
touched. Each test leaves both servers running, also when it fails.

Time is driven, never slept through, where a wait would be long: the outbox's retry
pause (60 s after a failed send) is brought forward in the real store, and an
outage's start is moved back in the heartbeat file (as tests/ops/test_health.py
writes heartbeats), since `once` in a subprocess takes no injected clock.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.store import Store
from mailbot.core.outage import NOTICE, OVER
from mailbot.errors import ExitCode
from mailbot.records import OutboxEntry
from mailbot.service.heartbeat import FILE
from tests.mailstack.bot import PASSWORD_ENV, County, People, parse, purpose
from tests.ops.cli_support import mailbot, no_traceback
from tests.support.mailstack import DOMAIN, PASSWORD, MailStack

pytestmark = pytest.mark.mailstack


@pytest.fixture
def stack(private_mailstack: MailStack) -> Iterator[MailStack]:
    """The module's own stack; whatever a test stopped is running again after it."""
    yield private_mailstack
    if not private_mailstack.imap_running:
        private_mailstack.start_imap()
    if not private_mailstack.smtp_running:
        private_mailstack.start_smtp()


def county_on(stack: MailStack, folder: Path,
              edit: Callable[[dict[str, Any]], None] | None = None) -> County:
    """The unit's inbox over IMAP and the sender over SMTP, as tests/mailstack configure
    them (addresses of this county's own)."""
    return County.create(stack, folder, mailboxes=("unit",), edit=edit)


def cli(county: County, *args: str) -> subprocess.CompletedProcess[str]:
    return mailbot(*args, "--config", str(county.config_path), "--state", str(county.state),
                   env={PASSWORD_ENV: PASSWORD}, timeout=60)


def mailbot_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines the command says itself (not the log's WARNING lines)."""
    return [line for line in result.stderr.splitlines() if line.startswith("mailbot: ")]


def append_form(county: County, category: str, **changes: str) -> str:
    """A form put straight into the unit's inbox by IMAP APPEND (Postfix may be down)."""
    mid = make_msgid("staff", domain=DOMAIN)
    raw = (f"From: {county.email('tara.manager')}\r\nTo: {county.bot}\r\n"
           f"Subject: Alert {category}\r\nDate: {format_datetime(datetime.now().astimezone())}"
           f"\r\nMessage-ID: {mid}\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           f"{county.form(category, **changes)}\r\n").encode()
    client = county.stack.imap_client(county.bot)
    try:
        client.append("INBOX", raw)
    finally:
        client.logout()
    return mid.strip("<>")


def store_of(county: County) -> Store:
    return Store.open(county.state, create=False)


def pending(county: County) -> list[OutboxEntry]:
    with store_of(county) as store:
        return store.pending_outbox()


def source_messages(county: County) -> Counter[str]:
    """How many alerts each form made (a form handled twice would make two)."""
    with store_of(county) as store:
        return Counter(a.source_message for a in store.load().alerts.values())


def deliveries(stack: MailStack, users: Iterable[str],
               folders: Iterable[str] = ("INBOX", "Processed")) -> Counter[str]:
    """How often each message the bot sent arrived, by Message-ID, over the users'
    folders (the unit's own inbox is read by the bot, which files its mail in Processed)."""
    seen: Counter[str] = Counter()
    for user in users:
        for folder in folders:
            for raw in stack.mailbox_messages(user, folder):
                message = parse(raw)
                if purpose(message):
                    seen[f"{user} {str(message['Message-ID']).strip().strip('<>')}"] += 1
    return seen


def arrived(county: County, users: list[str], message_id: str) -> None:
    """Wait until each user holds `message_id` (in the inbox, or filed by the bot)."""
    deadline = time.monotonic() + 15
    while missing := [u for u in users if not deliveries(county.stack, [u])[f"{u} {message_id}"]]:
        assert time.monotonic() < deadline, f"{message_id} never reached {missing}"
        time.sleep(0.1)


def retry_due_now(county: County) -> None:
    """The outbox's pause after a failed send (60 s, then 5 min, ...) is over: the
    waiting entries' retry time brought forward in the real store, as if it passed."""
    with store_of(county) as store:
        now = datetime.now(UTC)
        store.mark_many({e.message_id: {"retry_at": now - timedelta(seconds=1)}
                         for e in store.pending_outbox()}, now)


def installed(county: County) -> str:
    """Point 1: a form delivered by SMTP; `once --init` exits 0, the alert is made and
    its mail reaches the team manager and the service manager. The alert's reference."""
    people = People(county)
    form = people.send_form(county.email("tara.manager"), "C8")
    people.arrived(county.bot, form)
    result = cli(county, "once", "--init")
    assert (result.returncode, result.stderr) == (ExitCode.OK, ""), result.stderr[-2000:]
    assert "handled 1 message(s)" in result.stdout
    with store_of(county) as store:
        alerts = store.load().alerts
    assert [a.source_message for a in alerts.values()] == [form]
    [ref] = alerts
    people.wait_mail(county.email("sue.manager"), "approval_request", ref)
    people.wait_mail(county.email("tara.manager"), "submitter_receipt", ref)
    assert not people.holds(county.bot, form), "the form left the inbox"
    return ref


def test_with_both_servers_up_once_exits_0_and_the_alerts_mail_is_delivered(
        stack: MailStack, tmp_path: Path) -> None:
    county = county_on(stack, tmp_path)
    ref = installed(county)
    assert pending(county) == []
    health = cli(county, "health")
    assert health.returncode == 0 and health.stdout.startswith("ok: 1 mailbox read"), health
    receipt, = People(county).mail(county.email("tara.manager"), kind="submitter_receipt")
    assert receipt["X-Mailbot-Ref"] == ref


def test_a_stopped_dovecot_exits_3_health_fails_and_the_waiting_form_is_handled_once_after(
        stack: MailStack, tmp_path: Path) -> None:
    county = county_on(stack, tmp_path)
    installed(county)
    people = People(county)
    stack.stop_imap()                       # the real Dovecot, stopped
    form = people.send_form(county.email("tara.manager"), "C8", **{"Liberi ID": "7700002"})

    down = cli(county, "once")
    assert down.returncode == ExitCode.MAILBOX_UNREACHABLE, down.stderr[-2000:]
    [line] = mailbot_lines(down)
    assert line.startswith("mailbot: mailbox unit could not be read (cannot connect to IMAP "
                           f"127.0.0.1:{stack.imap_port} as {county.bot}"), line
    assert "its mail waits on the server" in line and PASSWORD not in down.stderr
    no_traceback(down)

    # health's window: the last good read (by the first run) is older than it
    beat = json.loads((county.state / FILE).read_text())
    last_read = datetime.fromisoformat(beat["mailboxes"]["unit"]["last_read"])
    assert beat["mailboxes"]["unit"]["failing_since"] is not None
    while datetime.now(UTC) - last_read < timedelta(seconds=1):
        time.sleep(0.05)
    health = cli(county, "health", "--within", "0.01")
    assert health.returncode == ExitCode.MAILBOX_UNREACHABLE, health
    assert health.stdout.startswith("FAIL: mailbox 'unit' not read for ") and \
        f"last error: cannot connect to IMAP 127.0.0.1:{stack.imap_port}" in health.stdout
    assert len(health.stdout.strip().splitlines()) == 1
    no_traceback(health)

    stack.start_imap()
    people.arrived(county.bot, form)        # Postfix held it, and delivers it now
    back = cli(county, "once")
    assert (back.returncode, back.stderr) == (ExitCode.OK, ""), back.stderr[-2000:]
    assert source_messages(county)[form] == 1, "the waiting form made its alert"
    again = cli(county, "once")
    assert again.returncode == ExitCode.OK, again.stderr[-2000:]
    assert source_messages(county)[form] == 1, "the waiting form made exactly one alert"
    assert len(source_messages(county)) == 2
    assert not people.holds(county.bot, form)
    filed = Counter(str(m["Message-ID"]).strip("<>")
                    for m in people.mail(county.bot, folders=("Processed",)))
    assert filed[form] == 1
    assert cli(county, "health").returncode == ExitCode.OK


def test_a_stopped_postfix_exits_4_keeps_the_mail_and_sends_each_once_when_back(
        stack: MailStack, tmp_path: Path) -> None:
    county = county_on(stack, tmp_path)
    installed(county)
    stack.stop_smtp()                       # the real Postfix, stopped; Dovecot stays up
    form = append_form(county, "C8", **{"Liberi ID": "7700003"})

    down = cli(county, "once")
    assert down.returncode == ExitCode.SENDER_UNREACHABLE, down.stderr[-2000:]
    [line] = mailbot_lines(down)
    assert f"SMTP 127.0.0.1:{stack.smtp_port} unreachable" in line
    assert "wait in the outbox" in line and "nothing is lost" in line
    no_traceback(down)
    waiting = pending(county)
    assert {e.purpose for e in waiting} >= {"approval_request", "submitter_receipt"}
    assert all(e.status == "pending" for e in waiting)
    assert any(e.attempts == 1 and f"127.0.0.1:{stack.smtp_port}" in e.last_error
               for e in waiting)
    assert source_messages(county)[form] == 1, "the form was handled and committed"
    status = cli(county, "status")
    assert status.returncode == 0 and status.stdout.count("KA-2026-") == 2, status

    # health: the mailbox and the clock fresh (a second pass), the outbox's oldest
    # unsent mail older than --within: exit 4
    while True:
        again = cli(county, "once")
        assert again.returncode == ExitCode.SENDER_UNREACHABLE, again.stderr[-2000:]
        beat = json.loads((county.state / FILE).read_text())
        gap = (datetime.fromisoformat(beat["written_at"])
               - datetime.fromisoformat(beat["outbox"]["oldest"]))
        if gap >= timedelta(seconds=4):     # health starts well within it
            break
        time.sleep(0.5)
    health = cli(county, "health", "--within", f"{gap.total_seconds() / 60:.6f}")
    assert health.returncode == ExitCode.SENDER_UNREACHABLE, health
    assert health.stdout.startswith(f"FAIL: {len(waiting)} message(s) unsent in the outbox"), \
        health.stdout
    assert f"SMTP 127.0.0.1:{stack.smtp_port} unreachable" in health.stdout
    no_traceback(health)

    stack.start_smtp()
    # within the pause after the failed try (60 s) the mail is not tried again: still 4,
    # and the line says so and when, not that the sender refused it once more
    paused = cli(county, "once")
    assert paused.returncode == ExitCode.SENDER_UNREACHABLE, paused.stderr[-2000:]
    [line] = mailbot_lines(paused)
    assert line.startswith(f"mailbot: {len(waiting)} message(s) wait in the outbox, not tried "
                           "in this run: the last try failed (SMTP 127.0.0.1:"), line
    assert "tried again at the first run after " in line and "nothing is lost" in line
    assert len(pending(county)) == len(waiting)
    retry_due_now(county)
    back = cli(county, "once")
    assert (back.returncode, back.stderr) == (ExitCode.OK, ""), back.stderr[-2000:]
    assert pending(county) == []
    assert cli(county, "once").returncode == ExitCode.OK
    for entry in waiting:                    # each arrived, and once
        for address in entry.envelope_to:
            user = address.replace("+Sent@", "@")
            folder = "Sent" if "+Sent@" in address else "INBOX"
            People(county).arrived(user, entry.message_id, folder)
    people_mail = deliveries(stack, [county.email("sue.manager"), county.email("tara.manager")])
    assert people_mail and set(people_mail.values()) == {1}, people_mail
    assert {key.split()[1] for key in people_mail} >= {e.message_id for e in waiting
                                                       if e.purpose != "weekly_digest"}
    assert cli(county, "health").returncode == ExitCode.OK


def no_sasl(data: dict[str, Any]) -> None:
    """This Postfix checks SMTP AUTH with Dovecot's auth service, so with Dovecot down
    it would refuse the bot's login (454): the sender relays as a loopback client
    instead (mynetworks), the route that still works while the mailbox is down."""
    del data["sender"]["username"], data["sender"]["password"]
    data["operations"]["alert_after"] = "1m"


def test_a_stopped_dovecot_past_alert_after_tells_the_unit_once_and_once_when_over(
        stack: MailStack, tmp_path: Path) -> None:
    county = county_on(stack, tmp_path, edit=no_sasl)
    installed(county)
    unit_and_sqa = [county.bot, county.person("sam.quality")]
    stack.stop_imap()
    first = cli(county, "once")
    assert first.returncode == ExitCode.MAILBOX_UNREACHABLE, first.stderr[-2000:]
    # the outage began two minutes ago (alert_after is 1m): moved back in the heartbeat
    beat = json.loads((county.state / FILE).read_text())
    began = datetime.fromisoformat(beat["mailboxes"]["unit"]["failing_since"])
    beat["mailboxes"]["unit"]["failing_since"] = (began - timedelta(minutes=2)).isoformat()
    (county.state / FILE).write_text(json.dumps(beat))
    runs = [cli(county, "once") for _ in range(3)]
    for told in runs:
        assert told.returncode == ExitCode.MAILBOX_UNREACHABLE, told.stderr[-2000:]
        no_traceback(told)
    said = [r.stderr.count("ERROR mailbot outage: mailbox unit not read since") for r in runs]
    assert said == [1, 0, 0], "the log says it once, at ERROR, not at every run"
    with store_of(county) as store:
        notices = [e for e in store.sent_log(began - timedelta(hours=1)) if e.purpose == NOTICE]
    assert len(notices) == 1 and notices[0].status == "sent", "Postfix took it at once"

    stack.start_imap()
    arrived(county, unit_and_sqa, notices[0].message_id)
    for _ in range(2):
        back = cli(county, "once")
        assert back.returncode == ExitCode.OK, back.stderr[-2000:]
    with store_of(county) as store:
        overs = [e for e in store.sent_log(began - timedelta(hours=1)) if e.purpose == OVER]
    assert len(overs) == 1 and overs[0].status == "sent"
    arrived(county, unit_and_sqa, overs[0].message_id)
    cli(county, "once")                      # the unit's copies filed, nothing more sent

    got = Counter(purpose(m) for user in unit_and_sqa
                  for folder in ("INBOX", "Processed")
                  for m in People(county).mail(user, folders=(folder,))
                  if purpose(m) in (NOTICE, OVER))
    assert got == {NOTICE: 2, OVER: 2}, f"one of each for the unit and for the SQA: {got}"
    notice, = People(county).mail(county.person("sam.quality"), kind=NOTICE)
    assert "the mailbox unit cannot be read" in str(notice["Subject"])
