"""Issue 13 §4 and §7 through the whole service: what Exchange and Microsoft 365 do
that a plain mail server does not (a person's soft delete that keeps the message's
id, throttling that lasts minutes, a request budget per mailbox), and that the bot
still handles every message once, moves none twice and loses none."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from mailbot.adapters.store import Store
from mailbot.service.bootstrap import DEFAULT_CONFIG
from tests.backends.configs import ADDRESS, ews_account, routing_yaml
from tests.backends.conftest import Backend
from tests.backends.test_behaviour import ids, new_form
from tests.exchange.fake_ews import FakeEws
from tests.exchange.fake_graph import FakeGraph
from tests.workflow.conftest import form_body


def backlog_form(n: int) -> bytes:
    """A new C3 form, as the crash test's backlog writes them (a day old)."""
    now = datetime.now(UTC)
    when = (now - timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    return (f"From: Kim Lead <kim.lead@kent.test>\r\nTo: {ADDRESS}\r\nSubject: Alert C3 ({n})\r\n"
            f"Date: {format_datetime(now)}\r\nMessage-ID: <limits.{n}@kent.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + form_body("C3", Liberi_ID=f"66{n:05d}", Date_and_time_of_incident=when)
            + "\r\n").encode()


def test_a_message_a_person_soft_deleted_before_it_was_filed_stays_deleted(
        graph_backend: Backend) -> None:
    """Issue 13 §4: a person Shift+Deletes a form (to Recoverable Items/Deletions)
    after the bot has read and recorded it but before it is filed. Its immutable id
    still resolves on Graph, so a move by id would pull it back into Processed; the
    bot leaves it where the person put it, and the form still counts as handled."""
    service = graph_backend.service()
    forms = [new_form(graph_backend, n) for n in (1, 2, 3)]
    for raw in forms:
        graph_backend.deliver(raw)
    store = graph_backend.server.store
    deleted = forms[1]

    def person_deletes(now: Any, decision: Any, incoming: Any) -> None:
        if incoming is not None and incoming.message_id.strip("<>") == ids([deleted])[0]:
            uid = next(i.id for i in store.folder("inbox").items.values() if i.mime == deleted)
            store.soft_delete(uid)

    service.observers.append(person_deletes)
    assert service.once() == 3
    assert sorted(ids(graph_backend.list_folder("processed"))) == sorted(ids([forms[0], forms[2]]))
    assert store.messages("recoverableitemsdeletions") == [deleted], \
        "the bot pulled a message a person had deleted back into Processed"
    assert graph_backend.list_folder("inbox") == []
    assert len(service.store.load().alerts) == 3


ROOT = Path(__file__).resolve().parents[2]


def once(config: Path, state: Path, env: dict[str, str], *, ahead: float = 0.0) -> str:
    """`python -m mailbot once` as cron starts it: a process of its own. `ahead`: that
    process's wall clock is so many seconds fast (time has passed, for the server's wait)."""
    args = ["once", "--init", "--config", str(config), "--state", str(state)]
    command = [sys.executable, "-m", "mailbot", *args] if not ahead else [
        sys.executable, "-c",
        f"import sys, time; real = time.time; time.time = lambda: real() + {ahead!r}; "
        f"from mailbot.cli import main; sys.exit(main({args!r}))"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_ews_wait_of_minutes_holds_across_once_processes_and_nothing_is_lost(
        tmp_path: Path) -> None:
    """Issue 13 §7 (EWS): one message of a GetItem batch answered ErrorServerBusy with a
    back-off of 297 s (Microsoft's example). The first `mailbot once` handles the rest
    and says the mailbox is waiting; the next `once` within the wait makes no EWS call
    at all (the end of the wait is in the store's cursors) and says so again; once the
    wait is over, that message is handled and all three are filed, each moved once."""
    with FakeEws() as ews:
        forms = [backlog_form(n) for n in (1, 2, 3)]
        uids = [ews.store.deliver(raw) for raw in forms]
        ews.busy_item(uids[1], back_off_ms=297_000)
        config = routing_yaml(tmp_path, ews_account(ews, "MAILBOT_TEST_EWS_PASSWORD"))
        state = tmp_path / "state"
        env = {**os.environ, "MAILBOT_TEST_EWS_PASSWORD": ews.password, "PYTHONPATH": str(ROOT)}

        first = once(config, state, env)
        assert "handled 2 message(s)" in first and re.search(r"unit: waiting 29\d s", first), first
        calls = sum(ews.calls.values())

        second = once(config, state, env)
        assert sum(ews.calls.values()) == calls, "a new process called EWS inside the wait"
        assert "handled 0 message(s)" in second and "unit: waiting" in second, second

        third = once(config, state, env, ahead=300)
        assert "waiting" not in third, third
        assert ews.store.messages("inbox") == []
        assert sorted(ews.store.messages("Processed")) == sorted(forms), "a form was lost"
        assert ews.calls["MoveItem"] == 1, "handled messages were moved in more than one call"
        store = Store.open(state)
        try:
            assert len(store.load().alerts) == 3
            assert store.cursor("unit:ews-busy") is None, "a wait that is over was kept"
        finally:
            store.close()


class MovingClock:
    """The monotonic clock of the fake Graph's window and of the client's budget."""

    def __init__(self) -> None:
        self.t = 5000.0

    def __call__(self) -> float:
        return self.t


def test_a_graph_backlog_is_read_within_the_request_budget_each_message_downloaded_once(
        tmp_path: Path) -> None:
    """Issue 13 §7 (Graph): Outlook allows an app a number of requests per mailbox in
    10 minutes (10,000; here 100, on a clock the test moves) and a backlog left in
    the inbox needs more than that. Each pass stops while there is room to file what
    it read, and the next pass (ten minutes on) carries on from there: the server
    never has to refuse a request, no message is downloaded twice, the inbox is not
    listed afresh each pass, and every form is handled once and filed."""
    from mailbot.adapters.file_sender import FileSender
    from mailbot.adapters.microsoft.graph_mailbox import GraphMailbox
    from mailbot.service.bootstrap import bootstrap
    from tests.exchange.fake_graph import TOKEN

    clock = MovingClock()
    with FakeGraph(request_limit=100, clock=clock) as fake:
        forms = [backlog_form(n) for n in range(60)]
        for raw in forms:
            fake.store.deliver(raw)
        state = tmp_path / "state"
        store = Store.open(state)
        box = GraphMailbox("unit", mailbox=ADDRESS, tenant_id="kent", client_id="app-id",
                           base_url=fake.base_url, token_provider=lambda: TOKEN,
                           cursor_store=store, request_budget=(100, 600.0), clock=clock)
        service = bootstrap(DEFAULT_CONFIG, state, store=store, mailboxes={"unit": box},
                            sender=FileSender(state / "outbox"))
        try:
            passes = 0
            while fake.store.messages("inbox") and passes < 10:
                service.once()
                passes += 1
                clock.t += 600          # the next pass, ten minutes on
            assert passes >= 3, "the backlog fitted in one pass: the test shows nothing"
            assert fake.over_limit == 0, "Graph had to refuse requests over its limit"
            assert fake.store.messages("inbox") == []
            assert sorted(fake.store.messages("Processed")) == sorted(forms)
            assert len(fake.downloads) == 60 and max(fake.downloads.values()) == 1, \
                f"messages downloaded again: {sorted(fake.downloads.values())[-5:]}"
            assert fake.calls["delta"] <= 2 + passes, "the inbox was listed afresh each pass"
            assert len(store.load().alerts) == 60
        finally:
            box.close()
            store.close()
