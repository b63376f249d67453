"""`mailbot once` killed (SIGKILL) at random points over a Microsoft 365 mailbox, restarted
until done: every message handled once, every message sent once, nothing left.

The bot runs as it would in production: `python -m mailbot once --config X --state Y`,
reading a routing.yaml whose Graph mailbox and sender carry a client secret and an
`authority:`, so msal fetches real tokens (from the fake Entra over HTTPS) and httpx
talks to the fake Graph in this process. Kill points are counted in requests the
fake has served since the run began (seeded), so they fall all over the work:
listing the inbox, reading, between a commit and its move, mid-way through the
outbox, after a send and before it is marked sent.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml

from mailbot.adapters.store import Store
from mailbot.service.bootstrap import DEFAULT_CONFIG
from tests.backends.configs import ADDRESS, graph_account, routing_yaml
from tests.exchange.fake_entra import FakeEntra
from tests.exchange.fake_graph import FakeGraph
from tests.exchange.mailstore import Item
from tests.workflow.conftest import form_body

ROOT = Path(__file__).resolve().parents[2]
BACKLOG = 200
MAX_KILLS = 10
KILL_WITHIN = 500   # requests into a run (a whole run is ~800: 400 to read, 400 to send)
SEED = 20261116


def graph_config(folder: Path, graph: FakeGraph, entra: FakeEntra) -> Path:
    """The shipped routing.yaml with the unit inbox and the sender on Microsoft 365."""
    account = graph_account(graph, entra, "MAILBOT_TEST_GRAPH_SECRET")
    limits = yaml.safe_load(DEFAULT_CONFIG.read_text()).get("limits", {})
    return routing_yaml(
        folder, account,
        # after a kill mid-send, trust the fake's Sent Items at once (it files synchronously)
        sender={**account, "resend_grace": "0m"},
        # one SM is asked about every alert of the backlog: lift the per-address caps
        limits={**limits, "per_address_per_hour": 100_000, "per_address_per_day": 100_000})


def backlog(count: int) -> list[bytes]:
    now = datetime.now(UTC)
    when = (now - timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    return [(f"From: Kim Lead <kim.lead@kent.test>\r\nTo: {ADDRESS}\r\nSubject: Alert C3 ({n})\r\n"
             f"Date: {format_datetime(now)}\r\nMessage-ID: <crash.{n}@kent.test>\r\n"
             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
             + form_body("C3", Liberi_ID=f"88{n:05d}", Date_and_time_of_incident=when)
             + "\r\n").encode() for n in range(count)]


def message_ids(items: list[Item]) -> Counter[str]:
    return Counter(i.message_id.strip("<>") for i in items)


@pytest.mark.slow
def test_once_killed_at_random_points_over_graph_handles_and_sends_everything_exactly_once(
        tmp_path: Path) -> None:
    with FakeGraph() as graph, FakeEntra(access_token=graph.token) as entra:
        config = graph_config(tmp_path, graph, entra)
        state = tmp_path / "state"
        sent_forms = backlog(BACKLOG)
        for raw in sent_forms:
            graph.store.deliver(raw)
        env = {**os.environ, "MAILBOT_TEST_GRAPH_SECRET": entra.client_secret,
               "REQUESTS_CA_BUNDLE": str(entra.cert_file), "NO_PROXY": "127.0.0.1,localhost"}
        command = [sys.executable, "-m", "mailbot", "once", "--init", "--config", str(config),
                   "--state", str(state)]
        rng = random.Random(SEED)
        kills: list[str] = []
        sent_at_kill: list[int] = []
        runs = 0
        log = (tmp_path / "runs.log").open("ab")
        while True:
            runs += 1
            begun = len(graph.log)
            kill_at = begun + rng.randint(1, KILL_WITHIN) if len(kills) < MAX_KILLS else None
            bot = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
            while bot.poll() is None:
                if kill_at is not None and len(graph.log) >= kill_at:
                    bot.send_signal(signal.SIGKILL)
                    bot.wait()
                    sent_at_kill.append(graph.calls["send_mail"])
                    kills.append(f"after {len(graph.log) - begun} requests "
                                 f"({sent_at_kill[-1]} sent so far)")
                    break
                time.sleep(0.002)
            if bot.returncode == 0:
                break
            assert bot.returncode == -signal.SIGKILL, \
                f"run {runs} failed by itself ({bot.returncode}): see {tmp_path / 'runs.log'}"
        log.close()
        print(f"\n{runs} runs, {len(kills)} kills: " + "; ".join(kills))

        assert len(kills) >= 3, f"too few kills landed to prove anything: {kills}"
        assert any(0 < n < 2 * BACKLOG for n in sent_at_kill), \
            f"no kill fell mid-way through the outbox: {kills}"
        assert graph.store.messages("inbox") == [], "messages were left in the inbox"
        handled = message_ids([i for name in ("Processed", "Needs-Attention", "Rejected")
                               if graph.store.has_folder(name)
                               for i in graph.store.folder(name).items.values()])
        assert handled == Counter({f"crash.{n}@kent.test": 1 for n in range(BACKLOG)}), \
            "a message was lost or filed twice"
        sent = message_ids(list(graph.store.folder("sentitems").items.values()))
        twice = sorted(m for m, n in sent.items() if n > 1)
        assert not twice, f"{len(twice)} message(s) sent twice, e.g. {twice[:3]}"

        with Store.open(state) as store:   # it loads, and agrees with the mailbox
            alerts = store.load().alerts
            assert sorted(alerts) == [f"KA-2026-{n:04d}" for n in range(1, BACKLOG + 1)]
            assert all(store.seen(hashlib.sha256(raw).hexdigest()) for raw in sent_forms)
            assert store.pending_outbox() == []
            recorded = {e.message_id for e in store.sent_log(datetime.now(UTC) - timedelta(days=1))}
            assert set(sent) == recorded, "what left is not what the store recorded as sent"
            about_alerts = [m for m in recorded if m.startswith("ka-")]   # (and the week's digest)
            assert len(about_alerts) == 2 * BACKLOG, "each alert needs a QA request and a receipt"
            raised = Counter(e.ref for ref in alerts for e in store.events(ref) if e.what == "raised")
            assert set(raised.values()) == {1}, "an alert was raised twice across the kills"
