"""The service's promises, the same on every mail backend: Maildir + file outbox,
IMAP on Dovecot + SMTP into Postfix, the EWS fake and the Graph fake.

Each test drives the real service (`bootstrap`, the real store, templates and
renderer) through the backend's real adapters, and checks what a person would
see in the mailbox and in what was sent. Requirement ids: R-STD (QA request,
approval), R-EXACTLY-ONCE is the issue's "handled once, sent once, none lost".
"""

from __future__ import annotations

import email
import email.policy
import itertools
from collections import Counter
from datetime import timedelta
from email.utils import format_datetime, getaddresses

import pytest

from tests.backends.conftest import Backend, Crash
from tests.workflow.conftest import form_body

_serial = itertools.count(1)
SUBMITTER = "Kim Lead <kim.lead@kent.test>"
SM = "sm.west@kent.test"       # quality-assures a Maidstone alert (R-STD)
AD = "ad.west@kent.test"


def mail(backend: Backend, sender: str, subject: str, body: str, **headers: str) -> bytes:
    recipient = headers.pop("to", "safeguardingunitalerts@kent.test")
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (f"From: {sender}\r\nTo: {recipient}\r\n"
            f"Subject: {subject}\r\nDate: {format_datetime(backend.clock.now())}\r\n"
            f"Message-ID: <{backend.name}.{next(_serial)}@kent.test>\r\n{extra}"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n").encode()


def new_form(backend: Backend, n: int = 1) -> bytes:
    return mail(backend, SUBMITTER, f"Alert C3 ({n})", form_body("C3", Liberi_ID=f"77{n:05d}"))


def message_id(raw: bytes) -> str:
    head = email.message_from_bytes(raw, policy=email.policy.compat32)
    return str(head.get("Message-ID", "")).strip().strip("<>")


def parsed(raw: bytes) -> email.message.Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def to(raw: bytes) -> set[str]:
    head = parsed(raw)
    return {a.lower() for _, a in getaddresses(head.get_all("To", []) + head.get_all("Cc", []))}


def sent(backend: Backend, service: object) -> list[bytes]:
    """What left, once the mail system has it all (Postfix files the SMTP copy a moment later)."""
    store = service.store  # type: ignore[attr-defined]
    expected = len(store.sent_log(backend.clock.now() - timedelta(days=7)))
    return backend.sent_messages(expected)


def alerts(service: object) -> dict[str, object]:
    return dict(service.store.load().alerts)  # type: ignore[attr-defined]


def ids(messages: list[bytes]) -> list[str]:
    return [message_id(m) for m in messages]


def assert_each_once(messages: list[bytes], what: str) -> None:
    twice = {mid: n for mid, n in Counter(ids(messages)).items() if n > 1}
    assert not twice, f"{what} more than once: {twice}"


# -- the tests ----------------------------------------------------------------------


def test_a_new_form_is_recorded_moved_to_processed_and_the_sm_is_asked(backend: Backend) -> None:
    """R-STD: the form becomes an alert, leaves the inbox for Processed, and the SM's
    QA request goes out through the backend with the Message-ID the core chose."""
    service = backend.service()
    form = new_form(backend)
    backend.deliver(form)
    assert service.once() == 1

    (ref,) = alerts(service)
    assert backend.list_folder("inbox") == [], "the form was left in the inbox"
    assert ids(backend.list_folder("processed")) == [message_id(form)]
    chosen = {o.message_id for _, o in backend.record.sent if o.purpose == "approval_request"}
    out = sent(backend, service)
    to_sm = [m for m in out if SM in to(m)]
    assert ids(to_sm) == sorted(chosen), f"the QA request on {ref} did not leave as the core made it"
    assert ref in str(parsed(to_sm[0])["Subject"]), "the request's subject does not name the alert"
    assert_each_once(out, "a message was sent")


def test_an_approve_reply_moves_the_alert_to_the_next_step(backend: Backend) -> None:
    """R-STD: the SM answers the request they received, as their mail program would."""
    service = backend.service()
    backend.deliver(new_form(backend))
    service.once()
    (ref,) = alerts(service)
    (request,) = [m for m in sent(backend, service) if SM in to(m)]
    head = parsed(request)
    reply = mail(backend, f"Wyn West <{SM}>", f"RE: {head['Subject']}", "APPROVE\r\n\r\nLooks right.",
                 to=str(head.get("Reply-To") or head["From"]),
                 In_Reply_To=f"<{message_id(request)}>", References=f"<{message_id(request)}>")
    backend.deliver(reply)
    assert service.once() == 1

    alert = service.store.load().alerts[ref]
    assert alert.wait("sm_qa") is None, "the SM's APPROVE was not taken"
    assert alert.wait("ad_review") is not None
    out = sent(backend, service)
    assert [m for m in out if AD in to(m)], "the AD was not asked after the SM approved"
    assert len(backend.list_folder("processed")) == 2 and backend.list_folder("inbox") == []
    assert_each_once(out, "a message was sent")


def test_the_same_message_delivered_twice_is_handled_once(backend: Backend) -> None:
    service = backend.service()
    form = new_form(backend)
    backend.deliver(form)
    backend.deliver(form)
    service.once()

    assert len(alerts(service)) == 1, "one form delivered twice raised two alerts"
    assert backend.list_folder("inbox") == [], "the second copy was left in the inbox"
    assert ids(backend.list_folder("processed")) == [message_id(form)] * 2
    out = sent(backend, service)
    assert len([m for m in out if SM in to(m)]) == 1, "the SM was asked twice about one form"
    assert_each_once(out, "a message was sent")


def test_a_restart_mid_batch_handles_every_message_exactly_once(backend: Backend) -> None:
    """The bot dies after recording the 2nd of 4 forms, before moving the batch and
    before sending the 2nd's mail; a new bot on the same state folder finishes: none
    lost, none twice."""
    forms = [new_form(backend, n) for n in range(1, 5)]
    for form in forms:
        backend.deliver(form)
    dying = backend.service(crash_after=2)
    with pytest.raises(Crash):
        dying.once()
    backend.crash(dying)
    assert len(backend.list_folder("inbox")) == 4, \
        "the crash should leave the batch, moved only after its commits, in the inbox"

    service = backend.service()
    service.once()
    assert sorted(alerts(service)) == [f"KA-2026-000{n}" for n in range(1, 5)]
    assert backend.list_folder("inbox") == []
    assert sorted(ids(backend.list_folder("processed"))) == sorted(ids(forms))
    out = sent(backend, service)
    assert len([m for m in out if SM in to(m)]) == 4, "each form's QA request should leave once"
    assert_each_once(out, "a message was sent")
    raised = [e for e in backend.record.events() if e.what == "raised"]
    assert len(raised) == 4, "an alert was raised twice across the restart"


def test_a_transient_failure_is_retried_and_nothing_is_lost(backend: Backend) -> None:
    """Throttling (EWS ErrorServerBusy, Graph 429), servers restarted (Dovecot,
    Postfix) or an outbox that cannot be written: the service carries on later."""
    service = backend.service()
    first = new_form(backend, 1)
    backend.deliver(first)
    service.once()                            # connections open, one alert done
    before = sent(backend, service)

    second = new_form(backend, 2)
    with backend.outage():
        backend.deliver(second)
        service.once()
        service.once()
        assert len(alerts(service)) == 2, "the form that came during the outage was not read"
        assert backend.sent_messages(0) == before, "something was sent while sending was down"

    backend.clock.t += timedelta(hours=1)     # past the outbox's retry time
    service.once()
    assert backend.list_folder("inbox") == []
    assert sorted(ids(backend.list_folder("processed"))) == sorted(ids([first, second]))
    out = sent(backend, service)
    assert len([m for m in out if SM in to(m)]) == 2, "the QA request held by the outage was lost"
    assert_each_once(out, "a message was sent")
    assert service.store.pending_outbox() == []
