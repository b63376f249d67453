"""After an outage of the mail server, the outbox's pauses (60 s, 5, 15, 60 minutes)
must not hold mail once the server takes mail again (issue 14 §1: loud when broken,
and quick when mended): the first send that goes through releases the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.errors import TransportError
from mailbot.fakes import FakeSender, FixedClock
from mailbot.service.bootstrap import bootstrap
from tests.workflow.conftest import form_body


def _form(n: int) -> bytes:
    body = form_body("C8", **{"Child's name": f"Robin Case{n}", "Liberi ID": f"77{n:05d}"})
    return (f"From: Tara Manager <tara.manager@kent.test>\r\nTo: safeguardingunitalerts@kent.test"
            f"\r\nSubject: Alert C8\r\nDate: Mon, 16 Nov 2026 09:0{n} +0000\r\n"
            f"Message-ID: <recovery.{n}@kent.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def test_mail_backing_off_after_an_outage_goes_when_the_sender_takes_mail_again(
        tmp_path: Path) -> None:
    sender, clock = FakeSender(), FixedClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    service = bootstrap(None, tmp_path / "state", sender=sender, clock=clock)
    try:
        sender.fail = TransportError("SMTP mail.kent.test:587: connection refused")
        for n in range(3):
            service.mailboxes["unit"].deliver(_form(n))  # type: ignore[attr-defined]
        for _ in range(12):       # twenty minutes down: each pass tries one, which pauses
            service.once()
            clock.advance(timedelta(minutes=2))
        store = service.store
        pausing = [e for e in store.pending_outbox() if e.retry_at and e.retry_at > clock.t]
        assert len(pausing) >= 3 and max(e.retry_at for e in pausing) - clock.t > \
            timedelta(minutes=10), "the outage left mail paused for long"
        waiting = {e.message_id for e in store.pending_outbox()}

        sender.fail = None        # the server is back; a new form comes in
        service.mailboxes["unit"].deliver(_form(7))  # type: ignore[attr-defined]
        clock.advance(timedelta(minutes=1))
        service.once()

        assert store.pending_outbox() == [], "all of it went in the pass that proved it back"
        ids = [m.message_id for m in sender.mail]
        assert waiting <= set(ids) and len(ids) == len(set(ids)), "each once"
    finally:
        service.store.close()


def test_a_priority_one_alerts_mail_pauses_a_minute_at_most(tmp_path: Path) -> None:
    sender, clock = FakeSender(), FixedClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    service = bootstrap(None, tmp_path / "state", sender=sender, clock=clock)
    try:
        sender.fail = TransportError("SMTP mail.kent.test:587: connection refused")
        body = form_body("C1")
        service.mailboxes["unit"].deliver((  # type: ignore[attr-defined]
            "From: Tara Manager <tara.manager@kent.test>\r\nTo: safeguardingunitalerts@kent.test"
            "\r\nSubject: Alert C1\r\nDate: Mon, 16 Nov 2026 09:00 +0000\r\n"
            "Message-ID: <p1@kent.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode())
        for _ in range(8):
            service.once()
            clock.advance(timedelta(seconds=61))
        tried = [e for e in service.store.pending_outbox() if e.urgent and e.attempts]
        assert tried and max(e.attempts for e in tried) >= 5, "tried again and again"
        assert all(e.retry_at is not None and e.sending_at is not None and
                   e.retry_at - e.sending_at <= timedelta(seconds=60) for e in tried), \
            "urgent mail was paused for minutes (the fifth failure pauses an hour)"
    finally:
        service.store.close()
