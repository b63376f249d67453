"""Issue 3: who may move an alert, and mail the bot must never answer, on the real stack.

Forged approvals (the wrong sender; the right sender without the step's token; a
spent token replayed; a DMARC failure reported by the organisation's own server),
automatic mail from the corpus (an out-of-office, a bounce), a bounce of the bot's
own request (the approver has left: Postfix itself bounces it) and the bot's own
mail coming back to it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.mailstack.bot import PASSWORD_ENV, County, LiveBot, People, text_of
from tests.support.mailstack import PASSWORD, MailStack

pytestmark = pytest.mark.mailstack
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
TRUSTED = "mail.kent.test"


@dataclass
class Raised:
    """A C8 alert from Thanet, waiting on the East Service Manager's QA."""

    county: County
    bot: LiveBot
    people: People
    ref: str
    tm: str
    sm: str
    ad: str
    request: EmailMessage

    def answer(self, who: str, text: str, *, request: EmailMessage | None = None,
               sender: str | None = None, headers: dict[str, str] | None = None) -> str:
        mid = self.people.reply(who, request or self.request, text, sender=sender,
                                headers=headers)
        self.bot.receive(mid)
        return mid

    def filed(self, message_id: str) -> str:
        """Where the bot put a message it handled."""
        for folder in ("Processed", "Needs-Attention", "Rejected"):
            if self.people.holds(self.county.bot, message_id, folder):
                return folder
        raise AssertionError(f"{message_id} was not filed")

    def outbox_size(self) -> int:
        store: Any = self.bot.service.store
        return len(store.sent_log(datetime(2000, 1, 1, tzinfo=UTC))) + len(store.pending_outbox())


@pytest.fixture
def raise_alert(mailstack: MailStack, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Raised]]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    bots: list[LiveBot] = []

    def make(edit: Callable[[dict[str, Any]], None] | None = None) -> Raised:
        """The request as the SM reads it; for an SM who has left, the bot's sent copy."""
        county = County.create(mailstack, tmp_path, edit=edit)
        bot = LiveBot(county, MONDAY)
        bots.append(bot)
        people = bot.people
        tm, sm = county.email("tara.manager"), county.person("sue.manager")
        bot.receive(people.send_form(tm, "C8"))
        ref = bot.only_ref()
        where = (sm, ("INBOX",)) if not sm.startswith("gone-") else (county.bot, ("Sent",))
        request = people.wait_mail(where[0], "approval_request", ref, folders=where[1])[0]
        return Raised(county, bot, people, ref, tm, sm, county.person("ed.east"), request)

    yield make
    for bot in bots:
        bot.close()


def test_an_approval_from_the_wrong_sender_moves_nothing_and_is_rejected(
        raise_alert: Callable[..., Raised]) -> None:
    case = raise_alert()
    forged = case.answer(case.tm, "APPROVE", request=case.request)   # the TM answers the SM's request

    assert case.bot.alert(case.ref).wait("sm_qa") is not None
    refused = case.people.wait_mail(case.tm, "reply_refused")
    assert "Jordan" not in text_of(refused[0]), "a refusal carries no case details"
    assert case.people.mail(case.ad) == [], "the AD was not asked"
    assert case.filed(forged) == "Rejected"


def test_the_right_sender_without_the_steps_token_moves_nothing(
        raise_alert: Callable[..., Raised]) -> None:
    case = raise_alert()
    # a fresh mail to the bot's plain address, naming the reference: no token anywhere
    fresh = case.people.send(case.sm, case.county.bot, f"RE: [{case.ref}] Alert for QA", "APPROVE")
    case.bot.receive(fresh)

    assert case.bot.alert(case.ref).wait("sm_qa") is not None
    assert case.people.mail(case.ad) == []
    assert case.filed(fresh) == "Rejected"


def test_a_replayed_approval_token_is_spent_after_a_return(raise_alert: Callable[..., Raised]) -> None:
    case = raise_alert()
    case.answer(case.sm, "RETURN\r\nPlease add the police reference.")
    case.bot.receive(case.people.update(case.tm, case.ref, "Alert type: Updated alert\r\n"
                                                           "Police reference: KP-26-118843"))
    second = case.people.wait_mail(case.sm, "approval_request", case.ref, count=2)[-1]

    case.answer(case.sm, "APPROVE", request=case.request)   # answers the first, spent request

    wait = case.bot.alert(case.ref).wait("sm_qa")
    assert wait is not None and wait.attempt == 2, "the second request still waits"
    assert case.people.mail(case.ad) == []
    case.answer(case.sm, "APPROVE", request=second)
    assert case.people.wait_mail(case.ad, "approval_request", case.ref)


def test_a_reply_failing_dmarc_at_the_trusted_server_moves_nothing(
        raise_alert: Callable[..., Raised]) -> None:
    case = raise_alert(lambda data: data["organisation"].update(trusted_authserv_id=TRUSTED))
    header = {"Authentication-Results":
              f"{TRUSTED}; dmarc=fail (p=reject dis=none) header.from=kent.test"}

    failed = case.answer(case.sm, "APPROVE", headers=header)

    assert case.bot.alert(case.ref).wait("sm_qa") is not None
    assert case.filed(failed) == "Rejected"
    assert case.people.mail(case.ad) == []
    passing = {"Authentication-Results": f"{TRUSTED}; dmarc=pass header.from=kent.test"}
    case.answer(case.sm, "APPROVE", headers=passing)
    assert case.people.wait_mail(case.ad, "approval_request", case.ref), \
        "the same reply passing DMARC is accepted"


def corpus_mail(shared_dir: Path, name: str, sender: str, to: str) -> bytes:
    """A corpus message as it would reach the unit inbox: from someone inside the
    council (so an answer could be delivered), to the bot."""
    raw = (shared_dir / "corpus" / "sisimai-set-of-emails" / name).read_bytes()
    head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    head = re.sub(rb"(?mi)^From:.*$", f"From: {sender}".encode(), head, count=1)
    head = re.sub(rb"(?mi)^To:.*$", f"To: {to}".encode(), head, count=1)
    return head + sep + body


def test_an_out_of_office_and_a_bounce_from_the_corpus_are_never_answered(
        raise_alert: Callable[..., Raised], shared_dir: Path) -> None:
    case = raise_alert()
    postmaster = case.county.email("postmaster")
    before = case.outbox_size()
    away = corpus_mail(shared_dir, "bsd/rfc3834-02.eml", f"Tara <{case.tm}>", case.county.bot)
    bounce = corpus_mail(shared_dir, "bsd/lhost-office365-01.eml", postmaster, case.county.bot)
    ids = []
    for raw, envelope in ((away, case.tm), (bounce, "")):
        case.county.stack.deliver(raw, case.county.bot, sender=envelope)
        ids.append(re.search(rb"(?mi)^Message-ID:\s*<([^>]+)>", raw).group(1).decode())  # type: ignore[union-attr]
        case.bot.receive(ids[-1])

    assert case.outbox_size() == before, "nothing was queued in answer"
    assert [case.filed(m) for m in ids] == ["Processed", "Needs-Attention"]
    assert case.people.mail(case.tm, kind="reply_refused") == []
    assert case.people.mail(postmaster) == []
    assert case.bot.alert(case.ref).wait("sm_qa") is not None


def test_a_bounce_of_the_approval_request_is_tied_to_its_alert_and_hands_the_step_to_the_deputy(
        raise_alert: Callable[..., Raised]) -> None:
    def approver_has_left(data: dict[str, Any]) -> None:
        person = data["people"]["sue.manager"]
        person["email"] = "gone-" + person["email"]    # Postfix accepts, then bounces it

    case = raise_alert(approver_has_left)
    deputy = case.county.person("sol.south")
    bounce = wait_for_bounce(case)
    case.bot.receive(bounce)

    alert = case.bot.alert(case.ref)
    assert "delivery_failed" in [e.what for e in case.bot.service.store.events(case.ref)]
    assert alert.wait("sm_qa") is not None and alert.wait("sm_qa").escalated_to, \
        "the step now also waits on the deputy"
    assert case.people.wait_mail(deputy, "approval_request", case.ref)
    assert case.filed(bounce) == "Needs-Attention", "a person sees the bounce"
    case.answer(deputy, "APPROVE", request=case.people.mail(deputy, kind="approval_request")[0])
    assert case.people.wait_mail(case.ad, "approval_request", case.ref), "the deputy's answer counts"


def wait_for_bounce(case: Raised, timeout: float = 10.0) -> str:
    """The Message-ID of Postfix's delivery status notification in the bot's inbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for raw in case.county.stack.mailbox_messages(case.county.bot):
            if b"multipart/report" in raw and case.request["Message-ID"].encode() in raw:
                found = re.search(rb"(?mi)^Message-ID:\s*<([^>]+)>", raw)
                assert found is not None
                return found.group(1).decode()
        time.sleep(0.05)
    raise AssertionError("Postfix sent no bounce:\n" + case.county.stack.logs()[-2000:])


def test_the_bots_own_request_sent_back_to_it_is_filed_and_never_answered(
        raise_alert: Callable[..., Raised]) -> None:
    case = raise_alert()
    before = case.outbox_size()
    # the SM's mail rule redirects the request, bytes unchanged, to the unit inbox
    raw = case.county.stack.mailbox_messages(case.sm)[0]
    case.county.stack.deliver(raw, case.county.bot, sender=case.sm)
    case.bot.receive(str(case.request["Message-ID"]).strip("<>"))

    assert case.outbox_size() == before
    assert case.bot.alert(case.ref).wait("sm_qa") is not None
    assert case.filed(str(case.request["Message-ID"]).strip("<>")) == "Processed"
