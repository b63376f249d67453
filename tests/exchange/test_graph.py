"""The Graph adapter (httpx, real HTTP) against the fake Microsoft Graph on loopback."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.microsoft.graph_mailbox import GraphMailbox
from mailbot.adapters.microsoft.graph_sender import GraphSender
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import RenderedMail
from tests.exchange import contract
from tests.exchange.conftest import DictCursors
from tests.exchange.fake_graph import TOKEN, FakeGraph

ADDRESS = "safeguardingunitalerts@kent.test"
KEY = "unit:graph-inbox"


class Sleeps(list[float]):
    """Stands in for time.sleep: records the waits the server asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def mailbox(fake: FakeGraph, cursors: DictCursors, **overrides: Any) -> GraphMailbox:
    settings: dict[str, Any] = dict(
        mailbox=ADDRESS, tenant_id="kent", client_id="app-id", base_url=fake.base_url,
        token_provider=lambda: TOKEN, cursor_store=cursors, sleep=Sleeps())
    return GraphMailbox("unit", **(settings | overrides))


def outbox_id(message_id: str) -> bytes:
    """The header the Graph sender puts first, naming the outbox entry (issue 13 §3)."""
    return f"X-Mailbot-Outbox-Id: <{message_id}>\r\n".encode()


def raw(n: int) -> bytes:
    return (f"From: sam.worker@kent.test\r\nTo: {ADDRESS}\r\nSubject: alert {n}\r\n"
            f"Message-ID: <m{n}@kent.test>\r\n\r\nbody {n}\r\n").encode()


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
def test_graph_mailbox_keeps_the_mailbox_contract(
        graph_server: FakeGraph, cursors: DictCursors, check: Any) -> None:
    check(lambda: mailbox(graph_server, cursors, page_size=2), graph_server.store.deliver)


def test_fetch_follows_delta_pages_and_yields_mime_oldest_first(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    for n in range(5):
        graph_server.store.deliver(raw(n))
    got = list(mailbox(graph_server, cursors, page_size=2).fetch())
    assert [m.raw for m in got] == [raw(n) for n in range(5)]
    assert graph_server.calls["delta"] == 3 and graph_server.calls["mime"] == 5
    assert all('IdType="ImmutableId"' in p for p in graph_server.prefer)


def test_the_cursor_moves_only_after_the_shell_has_taken_the_whole_batch(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    for n in range(3):
        graph_server.store.deliver(raw(n))
    batch = mailbox(graph_server, cursors).fetch()
    next(batch), next(batch), next(batch)
    assert cursors.writes == 0, "the delta link was saved before the last message was handled"
    assert list(batch) == []
    saved = json.loads(cursors.values[KEY])
    assert "$deltatoken=" in saved["delta"] and len(saved["inbox"]) == 3


def test_a_restart_resumes_from_the_saved_delta_link(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    graph_server.store.deliver(raw(1))
    first = mailbox(graph_server, cursors)
    for message in first.fetch():
        first.acknowledge(message, "processed")
    graph_server.store.deliver(raw(2))
    assert [m.raw for m in mailbox(graph_server, cursors).fetch()] == [raw(2)]
    assert graph_server.calls["delta"] == 2   # one full listing, then one delta round


def test_a_crash_mid_batch_loses_nothing_and_replays_from_the_old_cursor(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """The shell handled 1 and took 2, then died; 3 and 4 arrived meanwhile."""
    for n in (0, 1):
        graph_server.store.deliver(raw(n))
    settled = mailbox(graph_server, cursors)
    list(settled.fetch())                        # a batch fully taken: cursor saved
    for message in settled.fetch():
        settled.acknowledge(message, "processed")
    before = dict(cursors.values)
    for n in (2, 3):
        graph_server.store.deliver(raw(n))
    crashing = mailbox(graph_server, cursors)
    batch = crashing.fetch()
    crashing.acknowledge(next(batch), "processed")
    assert next(batch).raw == raw(3)
    del batch
    assert cursors.values == before
    graph_server.store.deliver(raw(4))
    assert [m.raw for m in mailbox(graph_server, cursors).fetch()] == [raw(3), raw(4)]


@pytest.mark.parametrize("expired_as", [(410, "SyncStateNotFound"), (400, "syncStateNotFound"),
                                        (400, "resyncRequired")])
def test_an_expired_delta_token_starts_again_with_a_full_listing(
        graph_server: FakeGraph, cursors: DictCursors, expired_as: tuple[int, str]) -> None:
    """Issue 13 §5: Graph says a delta token is spent with 410 or with 400 and a code;
    either way the inbox is listed again, never a poll that fails for ever."""
    graph_server.store.deliver(raw(1))
    box = mailbox(graph_server, cursors)
    assert len(list(box.fetch())) == 1          # fetched, not yet acknowledged
    graph_server.store.deliver(raw(2))
    graph_server.expire_delta_tokens(expired_as)
    assert [m.raw for m in box.fetch()] == [raw(1), raw(2)]
    assert graph_server.calls["delta"] == 3     # first listing, the 410, the new listing
    assert "$deltatoken=" in json.loads(cursors.values[KEY])["delta"]


def test_an_unreadable_cursor_means_a_full_listing_not_a_crash(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    graph_server.store.deliver(raw(1))
    cursors.values[KEY] = "{not json"
    assert [m.raw for m in mailbox(graph_server, cursors).fetch()] == [raw(1)]


def test_messages_moved_away_by_a_person_are_not_fetched_again(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    first = graph_server.store.deliver(raw(1))
    graph_server.store.deliver(raw(2))
    box = mailbox(graph_server, cursors)
    assert len(list(box.fetch())) == 2
    graph_server.store.move(first, graph_server.store.folder("deleteditems").id)
    assert [m.raw for m in box.fetch()] == [raw(2)]


@pytest.mark.parametrize(("folder", "name"), [
    ("processed", "Processed"), ("needs_attention", "Needs-Attention"), ("rejected", "Rejected")])
def test_acknowledge_moves_into_a_folder_under_the_inbox_made_when_missing(
        graph_server: FakeGraph, cursors: DictCursors, folder: Any, name: str) -> None:
    graph_server.store.deliver(raw(1))
    box = mailbox(graph_server, cursors)
    box.acknowledge(next(box.fetch()), folder)
    assert graph_server.store.path(graph_server.store.folder(name)) == f"Inbox/{name}"
    assert graph_server.store.messages(name) == [raw(1)]
    assert graph_server.store.messages("inbox") == []


def test_acknowledging_a_deleted_message_is_not_an_error(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    uid = graph_server.store.deliver(raw(1))
    box = mailbox(graph_server, cursors)
    (message,) = box.fetch()
    graph_server.store.delete(uid)
    box.acknowledge(message, "processed")


def test_a_target_folder_a_person_deleted_is_made_again(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    graph_server.store.deliver(raw(1))
    graph_server.store.deliver(raw(2))
    box = mailbox(graph_server, cursors)
    first, second = box.fetch()
    box.acknowledge(first, "processed")
    with graph_server.store.lock:
        del graph_server.store.folders[graph_server.store.folder("Processed").id]
    box.acknowledge(second, "processed")
    assert graph_server.store.messages("Processed") == [raw(2)]
    assert graph_server.calls["create_folder"] == 2


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_waits_as_long_as_retry_after_says_then_succeeds(
        graph_server: FakeGraph, cursors: DictCursors, status: int) -> None:
    graph_server.store.deliver(raw(1))
    graph_server.throttle("mime", times=2, status=status, retry_after="7")
    sleeps = Sleeps()
    box = mailbox(graph_server, cursors, sleep=sleeps)
    assert [m.raw for m in box.fetch()] == [raw(1)]
    assert sleeps == [7.0, 7.0] and box.client.retries == 2
    assert graph_server.calls["mime"] == 3


def test_throttling_that_does_not_stop_is_a_transport_error(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    graph_server.throttle("delta", times=10, retry_after="1")
    with pytest.raises(TransportError, match="429 TooManyRequests"):
        list(mailbox(graph_server, cursors).fetch())
    assert graph_server.calls["delta"] == 5     # the first try and four retries


def test_a_refused_token_says_what_the_app_registration_lacks(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    box = mailbox(graph_server, cursors, token_provider=lambda: "expired")
    with pytest.raises(TransportError, match=r"lacks Mail\.ReadWrite"):
        list(box.fetch())
    assert graph_server.calls["delta"] == 2     # one retry with a fresh token


def test_a_mailbox_outside_the_apps_scope_is_a_transport_error(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    graph_server.forbidden = True
    with pytest.raises(TransportError, match=r"403 ErrorAccessDenied.*lacks Mail\.ReadWrite"):
        mailbox(graph_server, cursors).check()


def test_an_unreachable_graph_is_a_transport_error(cursors: DictCursors) -> None:
    sleeps = Sleeps()
    box = GraphMailbox("unit", mailbox=ADDRESS, tenant_id="kent", client_id="app-id",
                       base_url="http://127.0.0.1:9/v1.0", token_provider=lambda: TOKEN,
                       cursor_store=cursors, sleep=sleeps)
    with pytest.raises(TransportError, match="ConnectError"):
        list(box.fetch())
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_no_more_than_four_requests_are_in_flight_per_mailbox(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    box = mailbox(graph_server, cursors)
    sender = box.sender()
    graph_server.gate = 5     # the fake holds each request until five were in flight at once
    workers = [threading.Thread(target=sender.already_sent, args=(f"m{n}@kent.test",))
               for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert graph_server.max_in_flight == 4


def test_send_posts_the_mime_base64_as_text_plain_keeping_the_message_id(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    sender = mailbox(graph_server, cursors).sender()
    data = raw(7).replace(ADDRESS.encode(), b"sm.north@kent.test")
    sender.send(RenderedMail("m7@kent.test", ("sm.north@kent.test", "miu@kent.test"), data))
    ((content_type, body),) = graph_server.sent_bodies
    assert content_type == "text/plain"
    sent = b"Bcc: miu@kent.test\r\n" + outbox_id("m7@kent.test") + data
    assert base64.b64decode(body) == sent
    assert graph_server.store.sent == [sent]
    assert sender.already_sent("m7@kent.test") is True
    assert sender.already_sent("m8@kent.test") is False


def test_check_lists_folders_and_counts_unread_and_changes_nothing(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    graph_server.store.deliver(raw(1))
    graph_server.store.create_folder(graph_server.store.folder("inbox").id, "Rejected")
    report = mailbox(graph_server, cursors).check()
    assert report["inbox_unread"] == 1 and report["inbox_total"] == 1
    assert "Inbox" in report["folders"] and report["inbox_folders"] == ["Rejected"]
    assert report["targets"]["Rejected"] == "present"
    assert report["targets"]["Processed"].startswith("missing")
    assert not {"create_folder", "move", "send_mail"} & set(graph_server.calls)
    assert cursors.writes == 0


def test_settings_accept_a_secret_or_a_certificate_but_not_both(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cursors: DictCursors) -> None:
    monkeypatch.setenv("GRAPH_SECRET", "s3cret")
    base = {"backend": "graph", "address": ADDRESS, "tenant_id": "kent", "client_id": "app-id"}
    GraphMailbox.from_settings("unit", base | {"client_secret": "env:GRAPH_SECRET"},
                               cursor_store=cursors)
    pem = tmp_path / "app.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\n")
    box = GraphMailbox.from_settings(
        "unit", base | {"certificate": f"file:{pem}", "thumbprint": "AB12"}, cursor_store=cursors)
    assert box.name == "unit"   # nothing connects until first use
    for bad in ({}, {"client_secret": "env:GRAPH_SECRET", "certificate": f"file:{pem}",
                     "thumbprint": "AB12"}, {"certificate": f"file:{pem}"}):
        with pytest.raises(ConfigError, match="give client_secret, or certificate"):
            GraphMailbox.from_settings("unit", base | bad, cursor_store=cursors)
    sender = GraphSender.from_settings(base | {"client_secret": "env:GRAPH_SECRET"})
    assert sender.client.mailbox == ADDRESS
    with pytest.raises(ConfigError, match=r"sender\.folders: is not a known key"):
        GraphSender.from_settings(base | {"client_secret": "env:GRAPH_SECRET", "folders": {}})


def test_a_retry_after_longer_than_the_patience_is_a_transport_error_at_once(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """The shell retries on its next cycle instead of blocking for ten minutes."""
    graph_server.throttle("delta", times=1, retry_after="600")
    sleeps = Sleeps()
    with pytest.raises(TransportError, match="gave up after 0 retries"):
        list(mailbox(graph_server, cursors, sleep=sleeps).fetch())
    assert sleeps == []


def test_check_reads_the_headers_of_the_newest_few_in_inbox_and_processed_and_changes_nothing(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """For check-mailbox's Authentication-Results report: newest first, at most `sample`
    per folder, from the same $value MIME fetch() reads; no delta, no cursor, nothing
    moved or marked read."""
    processed = graph_server.store.create_folder(graph_server.store.folder("inbox").id, "Processed")
    for n in range(1, 4):
        graph_server.store.deliver(raw(n), processed.id)
    graph_server.store.deliver(raw(4))

    recent = mailbox(graph_server, cursors).check(sample=2)["recent_headers"]

    assert [(folder, head.split(b"Subject: ")[1].split(b"\r\n")[0], b"body" in head)
            for folder, head in recent] == [
        ("Inbox", b"alert 4", False), ("Processed", b"alert 3", False),
        ("Processed", b"alert 2", False)]
    assert not {"create_folder", "move", "send_mail", "delta"} & set(graph_server.calls)
    assert cursors.writes == 0
    assert not any(i.is_read for f in graph_server.store.folders.values() for i in f.items.values())


def test_a_batch_of_moves_goes_in_json_batches_of_twenty(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """Issue 12: 25 handled messages are moved in JSON batches of 20 and 5 (one batch
    asks where each is, one moves those still in the inbox), not 25 calls and 25
    more; every inner request asks for immutable ids; the answers come back in
    another order than asked (the fake reverses them) and are matched by id."""
    for n in range(25):
        graph_server.store.deliver(raw(n))
    box = mailbox(graph_server, cursors)
    messages = list(box.fetch())
    folders: list[Any] = ["processed"] * 20 + ["rejected", "needs_attention"] + ["processed"] * 3
    before = len(graph_server.prefer)
    box.acknowledge_many(list(zip(messages, folders, strict=True)))
    assert graph_server.calls["batch"] == 4
    assert graph_server.calls["move"] == 25, "each inner move is served (and counted) once"
    assert graph_server.calls["get_message"] == 25
    assert sorted(graph_server.store.messages("Processed")) == sorted(
        raw(n) for n in range(25) if n not in (20, 21))
    assert graph_server.store.messages("Rejected") == [raw(20)]
    assert graph_server.store.messages("Needs-Attention") == [raw(21)]
    assert graph_server.store.messages("inbox") == []
    assert all('IdType="ImmutableId"' in p for p in graph_server.prefer[before:])


def test_a_move_the_batch_could_not_make_is_made_on_its_own(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """A throttled inner move (429 inside a 200 batch) is made again on its own; one a
    person moved away between reading and filing (its immutable id still resolves) is
    left where they put it, not pulled back into Processed."""
    for n in range(4):
        graph_server.store.deliver(raw(n))
    box = mailbox(graph_server, cursors)
    messages = list(box.fetch())
    graph_server.store.move(messages[1].uid, graph_server.store.folder("deleteditems").id)
    graph_server.throttle("move", times=1, retry_after="3")
    box.acknowledge_many([(m, "processed") for m in messages])
    assert graph_server.calls["batch"] == 2
    assert graph_server.calls["move"] == 4, "three in the batch (one throttled), then that one"
    assert sorted(graph_server.store.messages("Processed")) == sorted(raw(n) for n in (0, 2, 3))
    assert graph_server.store.messages("deleteditems") == [raw(1)], "a person's move stands"
    assert graph_server.store.messages("inbox") == []


def test_acknowledge_leaves_a_message_a_person_filed_meanwhile(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """Immutable ids survive a move: acknowledging one message a person moved to Deleted
    Items after it was read leaves it there."""
    graph_server.store.deliver(raw(1))
    box = mailbox(graph_server, cursors)
    (message,) = box.fetch()
    graph_server.store.move(message.uid, graph_server.store.folder("deleteditems").id)
    box.acknowledge(message, "processed")
    assert graph_server.store.messages("deleteditems") == [raw(1)]
    assert graph_server.calls["move"] == 0


def graph_sender(fake: FakeGraph, sleeps: Sleeps, *, timeout: float = 60.0,
                 base_url: str | None = None) -> GraphSender:
    from mailbot.adapters.microsoft.graph_client import GraphClient
    return GraphSender(GraphClient(mailbox=ADDRESS, tenant_id="kent", client_id="app-id",
                                   base_url=base_url or fake.base_url, token_provider=lambda: TOKEN,
                                   sleep=sleeps, timeout=timeout))


@pytest.mark.parametrize("after", [504, 503, 500])
def test_a_5xx_after_graph_took_the_mail_is_not_sent_again_but_left_uncertain(
        graph_server: FakeGraph, after: int) -> None:
    """Issue 13 §2: sendMail is not idempotent. Graph can take the message and still
    answer 5xx; sending again would send it twice. The send is reported as maybe
    sent (the outbox then asks Sent Items), and made once."""
    graph_server.deliver_then_fail(after)
    sleeps = Sleeps()
    sender = graph_sender(graph_server, sleeps)
    with pytest.raises(TransportError) as raised:
        sender.send(RenderedMail("m9@kent.test", (ADDRESS,), raw(9)))
    assert raised.value.maybe_sent, "a send that may have left must be checked, not resent"
    assert graph_server.calls["send_mail"] == 1 and sleeps == []
    assert graph_server.store.sent == [outbox_id("m9@kent.test") + raw(9)]
    assert sender.already_sent("m9@kent.test") is True


def test_a_send_that_stalls_past_the_timeout_is_uncertain_not_repeated(
        graph_server: FakeGraph) -> None:
    graph_server.deliver_then_fail(2.0)
    sender = graph_sender(graph_server, Sleeps(), timeout=0.5)
    with pytest.raises(TransportError) as raised:
        sender.send(RenderedMail("m10@kent.test", (ADDRESS,), raw(10)))
    assert raised.value.maybe_sent
    assert graph_server.calls["send_mail"] == 1
    assert graph_server.store.sent == [outbox_id("m10@kent.test") + raw(10)]


def test_a_throttled_send_is_sent_again_after_the_wait_it_asked_for(
        graph_server: FakeGraph) -> None:
    """429 means Graph did not process the request: sending again is safe."""
    graph_server.throttle("send_mail", times=1, retry_after="5")
    sleeps = Sleeps()
    graph_sender(graph_server, sleeps).send(
        RenderedMail("m11@kent.test", (ADDRESS,), raw(11)))
    assert sleeps == [5.0] and graph_server.calls["send_mail"] == 2
    assert graph_server.store.sent == [outbox_id("m11@kent.test") + raw(11)]


def test_a_send_that_never_connected_is_tried_again_and_is_not_maybe_sent(
        graph_server: FakeGraph) -> None:
    """A connection refused before a byte was written cannot have sent anything."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1.0"
    sleeps = Sleeps()
    with pytest.raises(TransportError) as raised:
        graph_sender(graph_server, sleeps, base_url=closed).send(
            RenderedMail("m12@kent.test", (ADDRESS,), raw(12)))
    assert not raised.value.maybe_sent
    assert len(sleeps) == 4, "retried with back-off, as any call that never left"


def test_another_400_on_the_delta_query_is_an_error_not_a_relisting(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    graph_server.store.deliver(raw(1))
    box = mailbox(graph_server, cursors)
    list(box.fetch())
    graph_server.expire_delta_tokens((400, "BadRequest"))
    with pytest.raises(TransportError, match="400 BadRequest"):
        list(box.fetch())


def test_the_sent_copy_is_found_where_exchange_rewrote_the_message_id(
        graph_server: FakeGraph) -> None:
    """Issue 13 §3: MS-OXCMAIL lets a server give a message a Message-ID of its own.
    The sent copy is then found by the outbox header, so exactly-once does not rest
    on Exchange keeping ours; another message's header does not count."""
    graph_server.rewrite_message_ids = True
    sender = graph_sender(graph_server, Sleeps())
    sender.send(RenderedMail("m13@kent.test", (ADDRESS,), raw(13)))
    (copy,) = graph_server.store.messages("sentitems")
    import email
    assert email.message_from_bytes(copy)["Message-ID"] != "<m13@kent.test>", "rewritten"
    assert sender.already_sent("m13@kent.test") is True
    assert sender.already_sent("m14@kent.test") is False
    assert graph_server.calls["search_folder"] == 4, "by Message-ID, then by the header: twice"


def test_a_message_a_person_soft_deleted_meanwhile_still_resolves_and_is_left_deleted(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """Issue 13 §4: Shift+Delete puts a message in Recoverable Items/Deletions, still in
    the mailbox, so its immutable id resolves (GET answers 200 with that parentFolderId);
    acknowledging it leaves it there rather than moving it back into Processed."""
    graph_server.store.deliver(raw(1))
    box = mailbox(graph_server, cursors)
    (message,) = box.fetch()
    graph_server.store.soft_delete(message.uid)
    box.acknowledge(message, "processed")
    assert graph_server.calls["get_message"] == 1, "the soft-deleted message did not resolve"
    assert graph_server.store.messages("recoverableitemsdeletions") == [raw(1)]
    assert graph_server.calls["move"] == 0
    assert list(box.fetch()) == []


class Clock:
    """A monotonic clock the test moves: the fake's window and the client's budget."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_over_the_mailboxs_request_limit_graph_answers_429_and_the_wait_holds_across_processes(
        cursors: DictCursors, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 §7: Outlook allows an app 10,000 requests per mailbox in 10 minutes (here
    the fake's limit is 5) and answers 429 ApplicationThrottled with a Retry-After
    of minutes past it. The wait is kept with the cursors: neither this mailbox nor a
    new one on the same cursors (a new `mailbot once`) asks before it has passed."""
    import time

    from mailbot.errors import ServerBusy
    clock = Clock()
    with FakeGraph(request_limit=5, clock=clock) as fake:
        for n in range(8):
            fake.store.deliver(raw(n))
        first = mailbox(fake, cursors)
        with pytest.raises(ServerBusy, match="429 ApplicationThrottled") as waited:
            list(first.fetch())
        assert fake.over_limit == 1 and 590 < waited.value.until - time.time() <= 601
        assert "unit:graph-busy" in cursors.values
        made = sum(fake.calls.values())
        for box in (first, mailbox(fake, cursors)):   # the next poll; the next process
            with pytest.raises(ServerBusy, match="not asked again"):
                list(box.fetch())
        assert sum(fake.calls.values()) == made, "Graph was asked again inside its Retry-After"
        clock.t += 610
        real, mono = time.time, time.monotonic
        monkeypatch.setattr(time, "time", lambda: real() + 610)
        monkeypatch.setattr(time, "monotonic", lambda: mono() + 610)
        fake.request_limit = 10_000
        assert len(list(mailbox(fake, cursors).fetch())) == 8
        assert "unit:graph-busy" not in cursors.values, "a wait that is over was kept"


def test_the_client_makes_no_request_over_the_mailboxs_budget_and_says_how_long_to_wait(
        graph_server: FakeGraph, cursors: DictCursors) -> None:
    """The budget is spent before each request (a JSON batch: one per inner request);
    once spent, ServerBusy names the limit and the wait, and Graph is not called."""
    from mailbot.errors import ServerBusy
    clock = Clock()
    box = mailbox(graph_server, cursors, request_budget=(3, 600.0), clock=clock)
    for _ in range(3):
        box.client.request("GET", "/mailFolders/inbox?$select=id")
    clock.t += 100
    made = sum(graph_server.calls.values())
    with pytest.raises(ServerBusy, match=r"3 of the 3 requests .* in 10 minutes; not asked again for 500 s"):
        box.client.request("GET", "/mailFolders/inbox?$select=id")
    assert sum(graph_server.calls.values()) == made
    clock.t += 500
    box.client.request("GET", "/mailFolders/inbox?$select=id")
