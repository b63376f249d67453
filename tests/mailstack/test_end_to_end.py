"""Issue 3, end to end on real Dovecot + Postfix: a C8 and a C7 alert through every step.

The tests play the people. A Team Manager sends the form by SMTP; each manager
reads the request in their own IMAP mailbox and replies by SMTP to its Reply-To
address, quoting its Message-ID; the bot reads the unit and MIU inboxes over
IMAP and sends over SMTP. The clock is the only thing not real: the service
runs in-process on a clock the test moves (T-48H, T-NAT-3W).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.mailstack.bot import PASSWORD_ENV, County, LiveBot, People, ids_by_recipient, text_of
from tests.support.mailstack import PASSWORD, MailStack

pytestmark = pytest.mark.mailstack
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
MIU_FOLDERS = ("INBOX", "Processed")   # the bot files its own mail to MIU out of the inbox


@pytest.fixture
def county(mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> County:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return County.create(mailstack, tmp_path)


@pytest.fixture
def bot(county: County) -> Iterator[LiveBot]:
    live = LiveBot(county, MONDAY)
    yield live
    live.close()


def step_of(request: EmailMessage) -> str:
    """The step a request asks about, from its Message-ID (`ka-2026-0001.sm_qa.1.TOKEN@`)."""
    return str(request["Message-ID"]).strip("<>").split(".")[1]


def answer(bot: LiveBot, who: str, request: EmailMessage, text: str) -> None:
    bot.receive(bot.people.reply(who, request, text))


def assert_each_message_once(stack: MailStack, people: list[str]) -> None:
    for who, ids in ids_by_recipient(stack, people, MIU_FOLDERS).items():
        twice = [mid for mid, n in Counter(ids).items() if n > 1]
        assert twice == [], f"{who} received these more than once: {twice}"


def test_r_cic_c8_alert_through_return_every_approval_t_48h_and_de_alert(
        county: County, bot: LiveBot) -> None:
    people: People = bot.people
    tm, sm, ad = county.email("tara.manager"), county.person("sue.manager"), county.person("ed.east")
    director, pdo = county.person("dana.director"), county.person("pam.east")
    sm_sqa, miu = county.person("sam.quality"), county.miu

    bot.receive(people.send_form(tm, "C8"))
    ref = bot.only_ref()
    receipt = people.wait_mail(tm, "submitter_receipt", ref)[0]
    assert "Jordan" not in str(receipt["Subject"]) + text_of(receipt), "a receipt carries initials only"
    first = people.wait_mail(sm, "approval_request", ref)[0]
    assert step_of(first) == "sm_qa" and "+" in str(first["Reply-To"])

    # R-CIC: the SM returns it; the TM updates it on the same reference; the SM is asked again
    answer(bot, sm, first, "RETURN\r\nPlease add the outcome of the strategy meeting.")
    returned = people.wait_mail(tm, "submitter_returned", ref)[0]
    assert "strategy meeting" in text_of(returned)
    assert bot.alert(ref).status == "returned"
    bot.receive(people.update(tm, ref, "Alert type: Updated alert\r\n"
                                       "Strategy meeting date: 18/11/2026"))
    second = people.wait_mail(sm, "approval_request", ref, count=2)[-1]
    assert second["Message-ID"] != first["Message-ID"] and second["Reply-To"] != first["Reply-To"]

    answer(bot, sm, second, "APPROVE")
    answer(bot, ad, people.wait_mail(ad, "approval_request", ref)[0], "Approved.")
    for who in (director, pdo, sm_sqa):
        assert people.wait_mail(who, "alert_notice", ref), who
    task = people.wait_mail(pdo, "task_request", ref)[0]
    decision = people.wait_mail(director, "approval_request", ref)[0]
    assert step_of(decision) == "director_decision"

    answer(bot, pdo, task, "DONE - spoke to the district team")
    answer(bot, director, decision, "FORWARD corporate director")
    assert people.wait_mail(county.person("corporate.director"), "alert_notice", ref)
    assert bot.alert(ref).waits == ()
    assert people.mail(miu, ref=ref, folders=MIU_FOLDERS) == [], "MIU hears at 48 hours, not before"

    # T-48H: missing since 15/11 16:00, so MIU is told on 17/11 at 16:00 (R-MIU: a task)
    bot.at(datetime(2026, 11, 17, 15, 59, tzinfo=UTC))
    assert people.mail(miu, ref=ref, folders=MIU_FOLDERS) == []
    bot.at(datetime(2026, 11, 17, 16, 0, tzinfo=UTC))
    at_48h = people.wait_mail(miu, None, ref, folders=MIU_FOLDERS)
    assert len(at_48h) == 1 and "48 hours" in text_of(at_48h[0])
    if at_48h[0]["Reply-To"]:
        answer(bot, miu, at_48h[0], "DONE recorded on Liberi")

    bot.receive(people.update(tm, ref, "Alert type: De-alert"))
    told = [sm, ad, director, pdo, sm_sqa, miu]
    for who in told:
        assert people.wait_mail(who, "alert_notice", ref, folders=MIU_FOLDERS, subject="De-alert")
    closed = bot.alert(ref)
    assert closed.status == "closed" and ref not in bot.service.store.load().alerts
    events = [e.what for e in bot.service.store.events(ref)]
    assert events.count("approved") == 3 and "returned" in events and events[-1] == "dealerted"
    assert_each_message_once(county.stack, [tm, *told, county.person("corporate.director")])
    assert people.mail(county.bot) == [], "the unit inbox is left empty"


def test_r_nat_c7_alert_held_three_weeks_then_national_chain_and_miu_cascade(
        county: County, bot: LiveBot) -> None:
    people: People = bot.people
    tm, sm, pdo = county.email("dee.lead"), county.person("sol.south"), county.person("pat.south")
    sm_sqa, miu, ad = county.person("sam.quality"), county.miu, county.person("ada.south")

    bot.receive(people.send_form(tm, "C7"))     # missing since 09/11/2026 10:00
    ref = bot.only_ref()
    answer(bot, sm, people.wait_mail(sm, "approval_request", ref)[0], "APPROVE")
    assert people.wait_mail(ad, "alert_notice", ref)                          # R-CPCIN
    held = people.wait_mail(sm, "deadline_notice", ref)[0]
    assert bot.alert(ref).status == "held" and "30 Nov 2026" in text_of(held)  # T-NAT-3W

    # R-MIU: the MIU inbox's own task, answered from the MIU mailbox
    dates = people.wait_mail(miu, "task_request", ref, folders=MIU_FOLDERS)[0]
    answer(bot, miu, dates, "DONE dates recorded on Liberi")
    assert bot.alert(ref).wait("miu_dates") is None

    bot.at(datetime(2026, 11, 30, 9, 59, tzinfo=UTC))
    assert bot.alert(ref).status == "held"
    bot.at(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    national = people.wait_mail(sm, "approval_request", ref, count=2)[-1]
    assert step_of(national) == "nat_sm_qa"

    answer(bot, sm, national, "APPROVE")
    pdo_qa = people.wait_mail(pdo, "approval_request", ref)[0]
    assert step_of(pdo_qa) == "nat_pdo_qa"
    answer(bot, pdo, pdo_qa, "APPROVE")
    signoff = people.wait_mail(sm_sqa, "approval_request", ref)[0]
    assert step_of(signoff) == "nat_signoff"
    answer(bot, sm_sqa, signoff, "APPROVE\r\nSigned off.")
    cascade = [m for m in people.wait_mail(miu, "task_request", ref, count=2, folders=MIU_FOLDERS)
               if m["Message-ID"] != dates["Message-ID"]]
    assert len(cascade) == 1 and "cascade" in text_of(cascade[0]).lower()    # R-CASCADE by MIU
    answer(bot, miu, cascade[0], "DONE cascaded to the national list")

    alert = bot.alert(ref)
    assert alert.national.status == "issued" and alert.national.issued_at is not None
    assert alert.waits == () and any(c.rule == "T-NAT-6M" for c in alert.clocks)
    outside = [e for e in bot.service.store.sent_log(MONDAY)
               if any(not a.endswith("@kent.test") for a in e.envelope_to)]
    assert outside == [], "by_bot is false: nothing goes to the custodian list from the bot"
    assert_each_message_once(county.stack, [tm, sm, pdo, sm_sqa, miu, ad])
