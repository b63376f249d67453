"""Issue 10 (8): urgent mail is never held (T-QA: "a Priority One alert is urgent").

The per-address sending caps (`limits`) never hold a Priority One alert's mail, nor
any message whose deadline falls within the window of the cap that would hold it;
urgent mail goes first in every flush."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from mailbot.core.config import load_config
from mailbot.core.values.mail import Outgoing, Recipient
from mailbot.core.values.state import Decision
from mailbot.ports import RenderedMail
from tests.render.samples import outgoing
from tests.workflow.conftest import MONDAY, ROOT, Bot

SUE = Recipient(name="Sue Manager", email="sue.manager@kent.test")


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[Bot]:
    """One message an hour to any address."""
    data = copy.deepcopy(yaml.safe_load((ROOT / "routing.yaml").read_text()))
    data["limits"] = {**data["limits"], "per_address_per_hour": 1}
    bot = Bot(tmp_path / "state", MONDAY, config=load_config(data))
    yield bot
    bot.close()


def _held(bot: Bot) -> list[tuple[str | None, str]]:
    return [(e.ref, e.purpose) for e in bot.service.store.pending_outbox()
            if "cap" in e.last_error]


def _sent_to_sue(bot: Bot) -> list[tuple[str | None, str]]:
    return [(e.ref, e.purpose) for e in bot.service.store.sent_log(bot.now - timedelta(days=1))
            if SUE.email in e.envelope_to]


def _queue(bot: Bot, *outs: Outgoing) -> None:
    """Mail the core decided on, committed to the outbox as the service does."""
    service = bot.service
    service.store.commit(Decision(state=service.store.load()),
                         outbox=service._render(outs, bot.now))


def test_a_priority_one_alerts_mail_is_marked_urgent_and_others_are_not(bot: Bot) -> None:
    c1 = bot.send_form("C1", sender="Pat Head <pat.head@kent.test>")
    c8 = bot.send_form("C8")
    assert {o.urgent for _, o in bot.record.sent if o.ref == c1} == {True}
    assert {o.urgent for _, o in bot.record.sent if o.ref == c8} == {False}


def test_the_caps_never_hold_a_priority_one_alerts_mail(capped: Bot) -> None:
    first = capped.send_form("C8")                                  # Sue's one this hour
    second = capped.send_form("C8", **{"Liberi ID": "9990001"})
    c1 = capped.send_form("C1", sender="Pat Head <pat.head@kent.test>")
    assert (second, "approval_request") in _held(capped), "ordinary mail waits for the cap"
    assert (c1, "approval_request") in _sent_to_sue(capped), \
        "the Service Manager was not told of a child's death because of a sending cap"
    assert (first, "approval_request") in _sent_to_sue(capped)
    assert all(ref != c1 for ref, _ in _held(capped))


def test_mail_due_within_the_caps_window_is_not_held(capped: Bot) -> None:
    capped.send_form("C8")                                          # Sue's one this hour
    soon = (capped.now + timedelta(minutes=30)).isoformat()
    later = (capped.now + timedelta(hours=3)).isoformat()
    _queue(capped,
           outgoing("reminder", to=(SUE,), message_id="soon.reminder@kent.test",
                    context={**outgoing("reminder").context, "due_at": soon}),
           outgoing("reminder", to=(SUE,), message_id="later.reminder@kent.test",
                    context={**outgoing("reminder").context, "due_at": later}))
    capped.service.flush()
    waiting = {e.message_id for e in capped.service.store.pending_outbox()}
    assert "soon.reminder@kent.test" not in waiting, "a reminder due in 30 minutes was held"
    assert "later.reminder@kent.test" in waiting, "one due in 3 hours waits for the cap"


def test_urgent_mail_goes_first_in_every_flush(bot: Bot) -> None:
    order: list[str] = []
    real = bot.service.sender

    class Recording:
        def send(self, mail: RenderedMail) -> None:
            order.append(mail.message_id)
            real.send(mail)

        def already_sent(self, message_id: str) -> bool | None:
            return real.already_sent(message_id)

    bot.service.sender = Recording()
    _queue(bot, outgoing("reminder", message_id="ordinary.1@kent.test"),
           outgoing("reminder", message_id="ordinary.2@kent.test"),
           outgoing("reminder", message_id="urgent.1@kent.test", urgent=True))
    bot.service.flush()
    assert order == ["urgent.1@kent.test", "ordinary.1@kent.test", "ordinary.2@kent.test"]
