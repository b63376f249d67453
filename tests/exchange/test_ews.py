"""The EWS adapter (exchangelib, real HTTP) against the fake EWS endpoint on loopback."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.microsoft.ews_mailbox import EwsMailbox
from mailbot.adapters.microsoft.ews_sender import EwsSender
from mailbot.adapters.microsoft.mime import ITEM_CLASS_HEADER, mark_item_class
from mailbot.errors import ConfigError, TransportError
from mailbot.ports import RenderedMail
from tests.exchange import contract
from tests.exchange.conftest import DictCursors
from tests.exchange.fake_ews import FakeEws, T

ADDRESS = "safeguardingunitalerts@kent.test"


def mailbox(fake: FakeEws, **overrides: Any) -> EwsMailbox:
    settings: dict[str, Any] = dict(email=ADDRESS, service_endpoint=fake.endpoint, auth="basic",
                                    username=fake.username, password=fake.password)
    return EwsMailbox("unit", **(settings | overrides))


def raw(n: int, extra: str = "") -> bytes:
    return (f"From: sam.worker@kent.test\r\nTo: {ADDRESS}\r\nSubject: alert {n}\r\n"
            f"Message-ID: <m{n}@kent.test>\r\n{extra}\r\nbody {n}\r\n").encode()


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
def test_ews_mailbox_keeps_the_mailbox_contract(ews_server: FakeEws, check: Any) -> None:
    check(lambda: mailbox(ews_server), ews_server.store.deliver)


def test_fetch_yields_each_inbox_message_as_mime_oldest_first(ews_server: FakeEws) -> None:
    for n in (1, 2, 3):
        ews_server.store.deliver(raw(n))
    ews_server.store.deliver(raw(9), folder="sentitems")
    got = list(mailbox(ews_server).fetch())
    assert [m.raw for m in got] == [raw(1), raw(2), raw(3)]
    assert all(m.mailbox == "unit" and m.uid.startswith("AAMk") for m in got)
    # an Exchange Online EWS allow-list recognises the bot by this
    assert {ua.split()[0] for ua in ews_server.user_agents} == {"mailbot/0.1.0"}


def test_fetch_reads_mime_in_batches_after_listing_every_id(ews_server: FakeEws) -> None:
    for n in range(5):
        ews_server.store.deliver(raw(n))
    assert len(list(mailbox(ews_server, batch=2).fetch())) == 5
    assert ews_server.calls["FindItem"] == 1 and ews_server.calls["GetItem"] == 3


@pytest.mark.parametrize(("folder", "name"), [
    ("processed", "Processed"), ("needs_attention", "Needs-Attention"), ("rejected", "Rejected")])
def test_acknowledge_moves_into_a_folder_under_the_inbox_made_when_missing(
        ews_server: FakeEws, folder: Any, name: str) -> None:
    ews_server.store.deliver(raw(1))
    box = mailbox(ews_server)
    (message,) = box.fetch()
    box.acknowledge(message, folder)
    target = ews_server.store.folder(name)
    assert ews_server.store.path(target) == f"Inbox/{name}"
    assert ews_server.store.messages(name) == [raw(1)]
    assert ews_server.store.messages("inbox") == []


def test_acknowledge_uses_folders_named_in_the_settings_and_an_existing_one(
        ews_server: FakeEws) -> None:
    inbox = ews_server.store.folder("inbox")
    ews_server.store.create_folder(inbox.id, "Done")
    ews_server.store.deliver(raw(1))
    box = mailbox(ews_server, folders=("Done", "Look", "No"))
    box.acknowledge(next(box.fetch()), "processed")
    assert ews_server.store.messages("Done") == [raw(1)]
    assert ews_server.calls["CreateFolder"] == 0


def test_acknowledging_a_message_a_person_deleted_is_not_an_error(ews_server: FakeEws) -> None:
    uid = ews_server.store.deliver(raw(1))
    box = mailbox(ews_server)
    (message,) = box.fetch()
    ews_server.store.delete(uid)
    box.acknowledge(message, "processed")   # must not raise


def test_a_target_folder_a_person_deleted_is_made_again(ews_server: FakeEws) -> None:
    ews_server.store.deliver(raw(1))
    ews_server.store.deliver(raw(2))
    box = mailbox(ews_server)
    first, second = box.fetch()
    box.acknowledge(first, "processed")
    with ews_server.store.lock:
        del ews_server.store.folders[ews_server.store.folder("Processed").id]
    box.acknowledge(second, "processed")
    assert ews_server.store.messages("Processed") == [raw(2)]
    assert ews_server.calls["CreateFolder"] == 2


def test_a_message_deleted_between_listing_and_reading_is_skipped(ews_server: FakeEws) -> None:
    ids = [ews_server.store.deliver(raw(n)) for n in (1, 2, 3)]
    batch = mailbox(ews_server, batch=1).fetch()
    assert next(batch).raw == raw(1)
    ews_server.store.delete(ids[1])
    assert [m.raw for m in batch] == [raw(3)]


def test_server_busy_is_waited_out_using_the_servers_back_off(ews_server: FakeEws) -> None:
    ews_server.store.deliver(raw(1))
    ews_server.throttle("FindItem", times=2, back_off_ms=10)
    box = mailbox(ews_server)
    assert [m.raw for m in box.fetch()] == [raw(1)]
    assert ews_server.calls["FindItem"] == 3
    assert box.connection.retries == 2


def test_a_server_that_stays_busy_becomes_a_transport_error(ews_server: FakeEws) -> None:
    ews_server.throttle("FindItem", times=20, back_off_ms=1)
    with pytest.raises(TransportError, match="busy"):
        list(mailbox(ews_server).fetch())
    assert ews_server.calls["FindItem"] == 6   # the first try and five back-offs


def test_a_wrong_password_is_a_transport_error_naming_the_account(ews_server: FakeEws) -> None:
    with pytest.raises(TransportError, match="svc-mailbot was refused access to " + ADDRESS):
        list(mailbox(ews_server, password="wrong").fetch())
    assert ews_server.calls["GetFolder"] == 0   # refused at the door, and not retried


def test_an_unreachable_server_is_a_transport_error() -> None:
    box = EwsMailbox("unit", email=ADDRESS, service_endpoint="http://127.0.0.1:9/EWS/Exchange.asmx",
                     auth="ntlm", username="KENT\\svc-mailbot", password="x")
    with pytest.raises(TransportError, match=r"127\.0\.0\.1:9"):
        list(box.fetch())


def test_oauth_client_credentials_get_a_token_and_impersonate_the_shared_mailbox(
        ews_server: FakeEws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks http
    ews_server.store.deliver(raw(1))
    box = EwsMailbox("unit", email=ADDRESS, service_endpoint=ews_server.endpoint, auth="oauth",
                     client_id=ews_server.client_id, client_secret=ews_server.client_secret,
                     tenant_id="kent", token_url=ews_server.token_url)
    assert [m.raw for m in box.fetch()] == [raw(1)]
    assert ews_server.calls["token"] >= 1
    assert set(ews_server.impersonated) == {ADDRESS}


def test_a_refused_client_secret_is_a_transport_error(
        ews_server: FakeEws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    box = EwsMailbox("unit", email=ADDRESS, service_endpoint=ews_server.endpoint, auth="oauth",
                     client_id=ews_server.client_id, client_secret="stale", tenant_id="kent",
                     token_url=ews_server.token_url)
    with pytest.raises(TransportError, match="refused access"):
        list(box.fetch())


OOF = "IPM.Note.Rules.OofTemplate.Microsoft"


def test_an_out_of_office_item_whose_mime_does_not_say_so_is_marked(ews_server: FakeEws) -> None:
    ews_server.store.deliver(raw(1), item_class=OOF)
    (message,) = mailbox(ews_server).fetch()
    assert message.raw == f"{ITEM_CLASS_HEADER}: {OOF}\r\n".encode() + raw(1)


def test_auto_replies_and_reports_that_say_so_in_their_mime_are_left_alone() -> None:
    oof = raw(1, "Auto-Submitted: auto-replied\r\n")
    report = raw(2, 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n')
    assert mark_item_class(oof, OOF) == oof
    assert mark_item_class(report, "REPORT.IPM.Note.NDR") == report
    assert mark_item_class(raw(3), "IPM.Note") == raw(3)
    assert mark_item_class(raw(4), "REPORT.IPM.Note.NDR").startswith(
        b"X-Mailbot-Item-Class: REPORT.IPM.Note.NDR\r\n")


def test_send_hands_over_the_rendered_mime_and_saves_a_copy_in_sent_items(
        ews_server: FakeEws) -> None:
    sender = mailbox(ews_server).sender()
    data = raw(7).replace(ADDRESS.encode(), b"sm.north@kent.test")
    sender.send(RenderedMail("m7@kent.test", ("sm.north@kent.test", "miu@kent.test"), data))
    sent = b"X-Mailbot-Outbox-Id: <m7@kent.test>\r\n" + data   # the rendered MIME, named
    assert ews_server.store.sent == [sent]
    assert ews_server.store.messages("sentitems") == [sent]
    (created,) = ews_server.created
    assert base64.b64decode(created.findtext(f"{{{T}}}MimeContent") or "") == sent
    bcc = [e.text for e in created.iter(f"{{{T}}}EmailAddress")]
    assert bcc == ["miu@kent.test"]   # in the envelope but not the headers


def test_already_sent_looks_for_the_message_id_in_sent_items(ews_server: FakeEws) -> None:
    sender = mailbox(ews_server).sender()
    assert sender.already_sent("m7@kent.test") is False
    sender.send(RenderedMail("m7@kent.test", ("sm.north@kent.test",), raw(7)))
    assert sender.already_sent("m7@kent.test") is True
    ews_server.store.deliver(raw(8))      # in the inbox, not Sent Items
    assert sender.already_sent("m8@kent.test") is False


def test_check_connects_lists_folders_and_counts_unread_and_changes_nothing(
        ews_server: FakeEws) -> None:
    ews_server.store.deliver(raw(1))
    ews_server.store.deliver(raw(2))
    ews_server.store.create_folder(ews_server.store.folder("inbox").id, "Processed")
    report = mailbox(ews_server).check()
    assert report["inbox_unread"] == 2 and report["inbox_total"] == 2
    assert "Inbox" in report["folders"] and report["inbox_folders"] == ["Processed"]
    assert report["targets"]["Processed"] == "present"
    assert report["targets"]["Rejected"].startswith("missing")
    assert not {"CreateFolder", "CreateItem", "MoveItem"} & set(ews_server.calls)


def test_settings_take_secrets_from_the_environment_or_a_file(
        ews_server: FakeEws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EWS_PASSWORD", ews_server.password)
    (tmp_path / "pw").write_text(ews_server.password + "\n")
    for n, secret in enumerate(("env:EWS_PASSWORD", f"file:{tmp_path / 'pw'}")):
        ews_server.store.deliver(raw(n))
        box = EwsMailbox.from_settings("unit", {
            "backend": "ews", "address": ADDRESS, "service_endpoint": ews_server.endpoint,
            "auth": "basic", "username": ews_server.username, "password": secret,
            "folders": {"processed": "Done"}}, cursor_store=DictCursors())
        box.acknowledge(next(box.fetch()), "processed")
    assert ews_server.store.messages("Done") == [raw(0), raw(1)]


def test_a_sender_entry_with_the_mailbox_keys_sends_as_that_mailbox(
        ews_server: FakeEws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EWS_PASSWORD", ews_server.password)
    sender = EwsSender.from_settings({
        "backend": "ews", "address": ADDRESS, "service_endpoint": ews_server.endpoint,
        "auth": "basic", "username": ews_server.username, "password": "env:EWS_PASSWORD"})
    sender.send(RenderedMail("m7@kent.test", ("sm.north@kent.test",), raw(7)))
    assert ews_server.store.messages("sentitems") == [b"X-Mailbot-Outbox-Id: <m7@kent.test>\r\n" + raw(7)]
    with pytest.raises(ConfigError, match=r"sender\.folders: is not a known key"):
        EwsSender.from_settings({"backend": "ews", "address": ADDRESS, "auth": "basic",
                                 "service_endpoint": ews_server.endpoint, "folders": {}})


@pytest.mark.parametrize(("change", "problem"), [
    ({"password": "hunter2"}, "secret must be given as env:NAME"),
    ({"password": "env:MAILBOT_NO_SUCH_VARIABLE"}, "MAILBOT_NO_SUCH_VARIABLE is not set"),
    ({"colour": "blue"}, "colour: is not a known key"),
    ({"auth": "oauth", "password": None}, "auth oauth needs client_id"),
    ({"folders": {"archived": "X"}}, "a mapping of processed"),
])
def test_bad_settings_are_a_config_error_that_says_where(change: dict[str, Any], problem: str) -> None:
    settings = {"backend": "ews", "address": ADDRESS, "auth": "basic", "username": "u",
                "service_endpoint": "https://mail.kent.test/EWS/Exchange.asmx", "password": "env:HOME"}
    settings = {k: v for k, v in (settings | change).items() if v is not None}
    with pytest.raises(ConfigError, match=problem):
        EwsMailbox.from_settings("unit", settings)


def test_importing_the_adapters_loads_neither_exchangelib_nor_msal() -> None:
    """Heavy libraries load on first use, so `mailbot --help` and maildir setups stay light."""
    code = ("import sys, mailbot.adapters.microsoft.ews_mailbox, mailbot.adapters.microsoft.graph_mailbox; "
            "print(sorted(m for m in ('exchangelib', 'msal') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_check_reads_the_headers_of_the_newest_few_in_inbox_and_processed_and_changes_nothing(
        ews_server: FakeEws) -> None:
    """For check-mailbox's Authentication-Results report: newest first, at most `sample`
    per folder, from the MIME fetch() reads; nothing created, moved, or marked read."""
    processed = ews_server.store.create_folder(ews_server.store.folder("inbox").id, "Processed")
    for n in range(1, 4):
        ews_server.store.deliver(raw(n), processed.id)
    ews_server.store.deliver(raw(4))

    recent = mailbox(ews_server).check(sample=2)["recent_headers"]

    assert [(folder, head.split(b"Subject: ")[1].split(b"\r\n")[0], b"body" in head)
            for folder, head in recent] == [
        ("Inbox", b"alert 4", False), ("Processed", b"alert 3", False),
        ("Processed", b"alert 2", False)]
    assert not {"CreateFolder", "CreateItem", "MoveItem", "UpdateItem"} & set(ews_server.calls)
    assert not any(i.is_read for f in ews_server.store.folders.values() for i in f.items.values())


def test_exchange_online_refuses_an_app_not_on_its_allow_list_and_the_error_names_the_setting(
        ews_server: FakeEws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 §1: since 1 October 2026 Exchange Online answers EWS only for application
    IDs on Set-OrganizationConfig -EwsAllowedAppIDs; the User-Agent no longer lets an
    app in. The refusal says which setting, with the app's client ID, and is permanent."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    ews_server.store.deliver(raw(1))
    ews_server.ews_allowed_app_ids = {"another-app"}

    def box() -> EwsMailbox:
        return EwsMailbox("unit", email=ADDRESS, service_endpoint=ews_server.endpoint,
                          auth="oauth", client_id=ews_server.client_id,
                          client_secret=ews_server.client_secret, tenant_id="kent",
                          token_url=ews_server.token_url)

    with pytest.raises(TransportError) as refused:
        list(box().fetch())
    message = str(refused.value)
    assert "EwsAllowedAppIDs" in message and ews_server.client_id in message
    assert "backend: graph" in message and refused.value.permanent
    assert ews_server.calls["refused_app"] >= 1
    ews_server.ews_allowed_app_ids.add(ews_server.client_id)
    assert [m.raw for m in box().fetch()] == [raw(1)], "on the list, it is answered"


def test_exchange_online_is_told_from_its_host_and_warned_about_with_the_date() -> None:
    from datetime import date

    from mailbot.adapters.microsoft import exchange_online
    assert exchange_online.is_exchange_online("https://outlook.office365.com/EWS/Exchange.asmx")
    assert exchange_online.is_exchange_online("https://OUTLOOK.office365.us/ews/exchange.asmx")
    assert not exchange_online.is_exchange_online("https://mail.kent.gov.uk/EWS/Exchange.asmx")
    assert not exchange_online.is_exchange_online("https://outlook.office365.com.evil.test/EWS")
    found = exchange_online.warnings(
        {"unit": {"backend": "ews", "service_endpoint": "https://outlook.office365.com/EWS/Exchange.asmx"},
         "miu": {"backend": "ews", "service_endpoint": "https://mail.kent.gov.uk/EWS/Exchange.asmx"},
         "other": {"backend": "graph"}},
        {"backend": "ews", "service_endpoint": "https://outlook.office365.com/EWS/Exchange.asmx"},
        date(2026, 12, 4))
    assert len(found) == 2 and found[0].startswith("mailboxes.unit:") and found[1].startswith("sender:")
    assert "in 118 days, on 1 April 2027" in found[0]
    late = exchange_online.warning("sender", "https://outlook.office365.com/EWS", date(2027, 4, 2))
    assert "since 1 April 2027: this will not work" in late


@pytest.mark.parametrize("code", ["ErrorMimeContentConversionFailed", "ErrorItemCorrupt",
                                  "ErrorCorruptData"])
def test_a_message_exchange_cannot_give_as_mime_is_set_aside_and_the_rest_are_read(
        ews_server: FakeEws, code: str, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 13 §6: EWS answers such errors per item, as values beside the others. That
    message goes to Needs-Attention unread; the rest of the inbox is read, not one
    broken message failing every poll for ever."""
    ids = [ews_server.store.deliver(raw(n)) for n in range(3)]
    ews_server.unreadable[ids[1]] = code
    box = mailbox(ews_server)
    assert [m.raw for m in box.fetch()] == [raw(0), raw(2)]
    assert ews_server.store.messages("Needs-Attention") == [raw(1)]
    assert code in caplog.text and "Needs-Attention" in caplog.text
    assert [m.raw for m in box.fetch()] == [raw(0), raw(2)], "and not offered again"


def test_an_unreadable_message_that_cannot_be_moved_is_reported_and_stays(
        ews_server: FakeEws, caplog: pytest.LogCaptureFixture) -> None:
    from tests.exchange.fake_ews import _fault
    ids = [ews_server.store.deliver(raw(n)) for n in range(2)]
    ews_server.unreadable[ids[0]] = "ErrorItemCorrupt"
    ews_server.faults.add("MoveItem", lambda: (500, {"Content-Type": "text/xml"},
                                               _fault("ErrorInternalServerError", "no")), 10)
    assert [m.raw for m in mailbox(ews_server).fetch()] == [raw(1)]
    assert raw(0) in ews_server.store.messages("inbox")
    assert "stays in the inbox for a person" in caplog.text


def test_the_sent_copy_is_found_where_exchange_rewrote_the_message_id(ews_server: FakeEws) -> None:
    """Issue 13 §3: MS-OXCMAIL lets a server give a message a Message-ID of its own. The
    sent copy is then found by the outbox header, searched as the named property
    Exchange keeps it as (ExtendedFieldURI in the InternetHeaders set)."""
    from mailbot.ports import RenderedMail
    ews_server.rewrite_message_ids = True
    sender = mailbox(ews_server).sender()
    sender.send(RenderedMail("m21@kent.test", (ADDRESS,), raw(21)))
    (copy,) = ews_server.store.messages("sentitems")
    assert b"Message-ID: <m21@kent.test>" not in copy and b"X-Mailbot-Outbox-Id: <m21@kent.test>" in copy
    assert sender.already_sent("m21@kent.test") is True
    assert sender.already_sent("m22@kent.test") is False


def test_a_back_off_of_minutes_is_honoured_across_polls_without_asking_again(
        ews_server: FakeEws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 §7: EWS throttling documents back-offs of minutes (its example: 297 s).
    A poll does not sleep that long, nor does the next poll ask again before it ends:
    the server's wait is kept by the connection and honoured; after it, all is read."""
    import time

    from mailbot.adapters.microsoft import ews_connection
    ews_server.store.deliver(raw(1))
    ews_server.throttle("FindItem", times=1, back_off_ms=297_000)
    box = mailbox(ews_server)
    with pytest.raises(TransportError, match="297"):
        list(box.fetch())
    assert ews_server.calls["FindItem"] == 1
    with pytest.raises(TransportError, match=r"not asked again for 29\d s"):
        list(box.fetch())
    assert ews_server.calls["FindItem"] == 1, "asked again before the server's wait was over"
    real = time.monotonic
    monkeypatch.setattr(ews_connection.time, "monotonic", lambda: real() + 300)
    assert [m.raw for m in box.fetch()] == [raw(1)]


def test_a_message_answered_server_busy_in_a_batch_is_read_after_the_wait_and_the_rest_at_once(
        ews_server: FakeEws) -> None:
    """Issue 13 §7: GetItem answers one item of a batch ErrorServerBusy (its own response
    message, with BackOffMilliseconds) and the others as usual. The others are read at
    once, each once; that one is asked for again after the wait, and read."""
    uids = [ews_server.store.deliver(raw(n)) for n in (1, 2, 3)]
    ews_server.busy_item(uids[1], times=1, back_off_ms=20)
    got = [m.raw for m in mailbox(ews_server).fetch()]
    assert got == [raw(1), raw(3), raw(2)], "an item was read twice, or lost"
    assert ews_server.calls["GetItem"] == 2, "the whole batch was asked for again"


def test_a_long_back_off_on_one_message_ends_the_pass_after_the_rest_and_is_kept(
        ews_server: FakeEws, cursors: DictCursors) -> None:
    """A per-item ErrorServerBusy asking for 297 s: the other messages of that answer are
    read, the pass ends as a wait (ServerBusy, not a failure), the end of the wait is
    saved in the mailbox's cursors, and a new connection (a new process) on the same
    cursors makes no call before it."""
    from mailbot.errors import ServerBusy
    uids = [ews_server.store.deliver(raw(n)) for n in (1, 2, 3)]
    ews_server.busy_item(uids[1], times=1, back_off_ms=297_000)
    got: list[bytes] = []
    with pytest.raises(ServerBusy, match="297 s") as waited:
        for message in mailbox(ews_server, cursor_store=cursors).fetch():
            got.append(message.raw)
    assert got == [raw(1), raw(3)]
    assert 290 < waited.value.until - __import__("time").time() <= 297
    assert float(cursors.values["unit:ews-busy"]) == pytest.approx(waited.value.until, abs=1)
    calls = sum(ews_server.calls.values())
    with pytest.raises(ServerBusy, match=r"not asked again for 29\d s"):
        list(mailbox(ews_server, cursor_store=cursors).fetch())
    assert sum(ews_server.calls.values()) == calls, "a new process asked during the wait"


def test_a_damaged_saved_wait_neither_crashes_nor_silences_the_mailbox_for_long(
        ews_server: FakeEws, cursors: DictCursors) -> None:
    """Hostile state: the saved end of a wait unreadable (read as no wait), or absurdly
    far off (a clock set wrong): believed for an hour at most, never for days."""
    from mailbot.errors import ServerBusy
    ews_server.store.deliver(raw(1))
    cursors.values["unit:ews-busy"] = "not a time"
    assert [m.raw for m in mailbox(ews_server, cursor_store=cursors).fetch()] == [raw(1)]
    cursors.values["unit:ews-busy"] = "1e12"
    with pytest.raises(ServerBusy) as waited:
        list(mailbox(ews_server, cursor_store=cursors).fetch())
    assert waited.value.until - __import__("time").time() <= 3600
