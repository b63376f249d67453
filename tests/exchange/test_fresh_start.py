"""Issue 14 §7 on Exchange (EWS) and Microsoft 365 (Graph): the store lost, the unit's
Inbox/Processed folder on the server holding what the bot handled, `mailbot once --init`
refuses to start an empty store (exit 5) and names the mailbox and the count; `--fresh`
starts anyway; an empty or missing Processed folder is a first start; a server that
cannot be reached cannot tell, so it refuses too, saying why. Through `mailbot.cli.main`
with routing.yaml as an administrator writes it, on the local fakes (Graph's token from
the fake Entra through msal). Maildir: tests/ops/test_fresh_start.py; Dovecot:
tests/mailstack/test_fresh_start.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailbot.cli import main
from tests.backends.configs import ADDRESS, ews_account, graph_account, routing_yaml
from tests.exchange.fake_entra import FakeEntra
from tests.exchange.fake_ews import FakeEws
from tests.exchange.fake_graph import FakeGraph
from tests.exchange.httpfake import FakeServer
from tests.exchange.mailstore import MailStore

SECRET = "MAILBOT_TEST_FRESH_SECRET"


def handled(n: int) -> bytes:
    return (f"From: Sue Manager <sue.manager@kent.test>\r\nTo: {ADDRESS}\r\n"
            f"Subject: RE: [KA-2026-{n:04d}] APPROVE\r\nMessage-ID: <handled.{n}@kent.test>\r\n"
            "\r\nAPPROVE\r\n").encode()


def file_handled(store: MailStore, count: int, name: str = "Processed") -> None:
    """What the bot filed in Inbox/`name` before its store was lost."""
    folder = store.create_folder(store.folder("inbox").id, name)
    for n in range(1, count + 1):
        store.deliver(handled(n), folder.id)


def once(config: Path, state: Path, *extra: str) -> int:
    return main(["once", "--init", "--config", str(config), "--state", str(state), *extra])


class Server:
    """One of the two fakes, with what the tests need of it in the same words."""

    def __init__(self, kind: str, store: MailStore, config: Path, calls: Any,
                 stop: Any) -> None:
        self.kind, self.store, self.config, self.calls, self.stop = kind, store, config, calls, stop


@pytest.fixture(params=["ews", "graph"])
def server(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    if request.param == "ews":
        with FakeEws() as ews:
            monkeypatch.setenv(SECRET, ews.password)
            yield Server("ews", ews.store, routing_yaml(tmp_path, ews_account(ews, SECRET)),
                         lambda: set(ews.calls), ews.stop)
        return
    with FakeGraph() as graph, FakeEntra(access_token=graph.token) as entra:
        monkeypatch.setenv(SECRET, entra.client_secret)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.cert_file))  # msal trusts the fake Entra

        def stop() -> None:   # the network to Microsoft down: neither Entra nor Graph answers
            graph.stop()
            FakeServer.stop(entra)   # its socket only: the CA file msal trusts stays

        yield Server("graph", graph.store, routing_yaml(tmp_path, graph_account(graph, entra, SECRET)),
                     lambda: set(graph.calls), stop)


def test_a_lost_store_beside_a_processed_folder_on_the_server_is_refused(
        server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file_handled(server.store, 37)
    state = tmp_path / "state"
    assert once(server.config, state) == 5
    said = capsys.readouterr().err
    assert f"the state folder {state} is empty" in said
    assert "the Processed folder of mailbox 'unit' holds 37 messages handled before" in said
    assert "mailbot restore" in said and "mailbot rebuild" in said and "--fresh" in said
    assert not (state / "db.json").exists(), "no empty store was made in its place"
    created = {"ews": "CreateFolder", "graph": "create_folder"}[server.kind]
    moved = {"ews": "MoveItem", "graph": "move"}[server.kind]
    assert not {created, moved} & server.calls(), "counting made or moved nothing"
    assert len(server.store.folder("Processed").items) == 37

    assert once(server.config, state, "--fresh") == 0, "--fresh starts an empty store anyway"
    assert (state / "db.json").exists()
    assert once(server.config, state) == 0, "with a store there, the history is no reason to stop"


@pytest.mark.parametrize("processed", ["missing", "empty"])
def test_a_first_start_beside_no_history_starts(
        server: Server, processed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file_handled(server.store, 4, name="Archive")   # mail elsewhere is not the bot's history
    if processed == "empty":
        file_handled(server.store, 0)
    state = tmp_path / "state"
    assert once(server.config, state) == 0, capsys.readouterr().err
    assert (state / "db.json").exists()


def test_a_server_that_cannot_be_reached_cannot_tell_so_no_store_is_started(
        server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.stop()
    state = tmp_path / "state"
    code = once(server.config, state)
    said = capsys.readouterr().err
    assert code == 3, said     # a mailbox unreachable (docs/operations.md, "Exit codes")
    assert "Connection refused" in said or "ConnectError" in said, said
    assert ("mailbox 'unit' could not be read to see whether it holds mail handled before"
            in said), said
    assert "pass --fresh to start anyway" in said
    assert "Traceback" not in said
    assert not (state / "db.json").exists()
