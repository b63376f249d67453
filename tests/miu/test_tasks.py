"""R-MIU through the service: what reaches the MIU is a task with an owner, a
deadline and a reference; it is chased like any step, shown in `mailbot status`
and the digest, and closed by the unit's reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.core.intake.mail.read import read_message
from mailbot.ports import InboxMessage
from mailbot.service.views import status_table
from tests.miu.conftest import MIU, SAMPLE_ALERT, MiuBot, miu_bot

GOLDEN = Path(__file__).parents[1] / "register" / "golden"
NO_DOB = (GOLDEN / "06-partial-no-dob.eml").read_bytes()      # opened, the unit asked to confirm


def other_council(authority: str, domain: str, subject: str, body: str) -> bytes:
    return (f"From: Child Protection <cp@{domain}>\r\nTo: {MIU}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 16 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{abs(hash(body))}@{domain}>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Issuing authority: {authority}\r\n{body}\r\n").encode()


def test_r_miu_the_48_hour_task_is_chased_shown_and_closed_by_done(bot: MiuBot) -> None:
    ref = bot.send_form("C8")                       # missing since Sun 15/11 16:00 UTC
    bot.answer("sue.manager@kent.test", ref, "APPROVE")
    bot.answer("ad.east@kent.test", ref, "APPROVE")
    bot.at(datetime(2026, 11, 17, 16, 0, tzinfo=UTC))          # T-48H
    [task] = bot.record.to(MIU, "task_request", ref)
    assert task.context["task"]["task"] == "record_missing_48h" and task.reply_token
    assert bot.alert(ref).wait("miu_48h").due_at == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)

    bot.at(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))           # Monday: the digest
    chased = [o.context["stage"] for o in bot.record.to(MIU, "reminder", ref)]
    assert chased[:2] == ["before", "overdue"], "chased like any step (T-QA)"
    status = status_table(bot.service.store.load(), bot.config, bot.now)
    row = next(line for line in status.split("Open tasks")[1].splitlines()
               if "record the 48 hours missing on Liberi" in line)
    assert row.startswith("Management Information Unit") and ref in row and "OVERDUE" in row
    assert "Jordan" not in status
    miu_tasks = [t for t in bot.digests()[-1]["tasks_open"] if t["role"] == "miu"]
    assert miu_tasks == [{"role": "miu", "role_title": "Management Information Unit",
                          "open": 1, "overdue": 1}]

    bot.answer(MIU, ref, "DONE - recorded on Liberi", purpose="task_request", mailbox="miu")
    assert bot.alert(ref).wait("miu_48h") is None
    assert any(e.what == "task_done" and e.detail["task"] == "record_missing_48h"
               for e in bot.record.events(ref))
    chasers = len(bot.record.to(MIU, "reminder", ref))
    bot.at(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert len(bot.record.to(MIU, "reminder", ref)) == chasers, "a task done is not chased"


def test_r_miu_a_register_question_is_chased_until_confirm_closes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bot = miu_bot(tmp_path)
    decision = bot.notify(NO_DOB)
    [question] = decision.outgoing
    assert (question.purpose, [r.email for r in question.to]) == ("register_task", [MIU])
    assert question.context["task"]["kind"] == "check_details" and question.reply_token
    assert "Jesse" not in question.subject and "Jesse" not in decision.note
    [mail] = [m for m in bot.sent_mail() if question.message_id.encode() in m]
    rendered = message_from_bytes(mail.split(b"\r\n", 1)[1], policy=default)
    assert rendered["Reply-To"] == f"safeguardingunitalerts+{question.reply_token}@kent.test"
    body = rendered.get_body(("plain",)).get_content()
    assert body.startswith("OFFICIAL-SENSITIVE") and "CONFIRM" in body and "the date of birth" in body

    due = datetime(2026, 11, 17, 17, 0, tzinfo=UTC)           # task_due: 2 working days
    assert question.context["due_at"] == due.isoformat()
    bot.at(due - timedelta(minutes=1))
    assert len(bot.questions()) == 1
    bot.at(due)                                               # unanswered: chased
    assert [o.context["chaser"] for o in bot.questions()] == [0, 1]
    bot.close()
    assert main(["status", "--state", str(tmp_path / "state")]) == 0
    status = capsys.readouterr().out
    assert "register: check details, chased 1 time" in status and "OLA-2026-0001" in status
    assert "Jesse" not in status

    bot = miu_bot(tmp_path, datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
    answered = bot.reply("Confirmed, checked with Highmoor", to=question)
    assert answered.disposition == "processed" and answered.outgoing == ()
    [entry] = bot.register.list()
    assert entry.unconfirmed == () and entry.history[-1].what == "details confirmed by the unit"
    assert bot.desk.open_tasks() == ()
    bot.at(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert bot.questions() == [], "an answered question is not chased"
    bot.close()


def test_r_ola_which_entry_questions_take_new_or_entry_and_refuse_anything_else(
        bot: MiuBot) -> None:
    bot.notify(SAMPLE_ALERT.read_bytes())                     # OLA-2026-0001, Other Council
    child = "Child: Taylor EXAMPLE, born 04/04/2018\r\nDate missing: 20/10/2026"
    asked = bot.notify(other_council("Elsewhere Council", "elsewhere.example",
                                     "National alert - missing child", child))
    [question] = asked.outgoing
    assert question.context["task"]["kind"] == "which_entry"
    assert question.context["task"]["entry_ids"] == ["OLA-2026-0001"]
    assert [e.id for e in bot.register.list()] == ["OLA-2026-0001"], "nothing guessed"

    refused = bot.reply("CONFIRM", to=question)
    assert refused.disposition == "rejected"
    assert "ENTRY OLA-YYYY-NNNN or NEW or DONE" in refused.outgoing[0].context["why"]
    stranger = bot.reply("ENTRY OLA-2026-0001", sender="sue.manager@kent.test", to=question)
    assert stranger.disposition == "rejected" and len(bot.desk.open_tasks()) == 1
    assert bot.reply("NEW", to=question).disposition == "processed"
    assert [(e.id, e.authority) for e in bot.register.list()] == [
        ("OLA-2026-0001", "Other Council"), ("OLA-2026-0002", "Elsewhere Council")]

    found = bot.notify(other_council("Thirdshire Council", "thirdshire.example",
                                     "FOUND - national alert", "Taylor EXAMPLE (born 04/04/2018) "
                                     "has been located and is safe."))
    [question] = found.outgoing
    assert question.context["task"]["entry_ids"] == ["OLA-2026-0001", "OLA-2026-0002"]
    bot.reply("Entry OLA-2026-0001 - same child, confirmed by phone", to=question)
    assert [(e.id, e.status) for e in bot.register.list()] == [
        ("OLA-2026-0002", "open"), ("OLA-2026-0001", "closed")]
    assert bot.desk.open_tasks() == ()


def test_the_bots_own_mail_in_the_miu_inbox_is_never_new_work(bot: MiuBot) -> None:
    ref = bot.send_form("C6", sender="Morgan Lead <morgan.lead@kent.test>")
    bot.answer("sm.north@kent.test", ref, "APPROVE")          # R-MIU task to miu
    bot.notify(NO_DOB)                                        # a register question to miu
    to_miu = [m.split(b"\r\n", 1)[1] for m in bot.sent_mail() if MIU.encode() in m.split(b"\r\n")[0]]
    assert len(to_miu) >= 2
    alerts, entries = bot.service.store.load().alerts, bot.register.entries()
    for raw in to_miu:                                        # the MIU inbox receives them too
        decision = bot.notify(raw)
        assert (decision.outgoing, decision.disposition) == ((), "processed")
    assert bot.service.store.load().alerts == alerts and bot.register.entries() == entries


def test_an_alert_form_in_the_miu_inbox_raises_nothing(bot: MiuBot) -> None:
    copy = bot.email("Tara Manager <tara.manager@kent.test>", "Alert C8", "x", to=MIU,
                     headers={"Cc": "safeguardingunitalerts@kent.test"})
    from tests.workflow.conftest import form_body

    copy = copy.replace(b"\r\n\r\nx\r\n", b"\r\n\r\n" + form_body("C8").encode() + b"\r\n")
    assert bot.notify(copy).disposition == "processed", "a Cc of the unit's copy: handled there"
    alone = copy.replace(b"Cc: safeguardingunitalerts@kent.test\r\n", b"")
    assert bot.notify(alone).disposition == "needs_attention", "kept for a person"
    assert bot.service.store.load().alerts == {} and bot.record.sent == []
    bot.at(bot.now + timedelta(days=1))


def test_a_notification_decided_again_after_a_crash_asks_nothing_twice(bot: MiuBot) -> None:
    """The desk writes nothing itself: the register's change goes into the service's
    one commit. Decided again after a crash before that commit, the same message
    gives the same change and asks under the same Message-IDs."""
    message = InboxMessage(mailbox="miu", uid="1", raw=NO_DOB)
    incoming = read_message(NO_DOB, bot.config)
    state, ctx = bot.service.store.load(), bot.service.ctx()
    first = bot.desk(state, incoming, ctx, message)
    again = bot.desk(state, incoming, ctx, message)     # the first commit never happened
    assert first is not None and again is not None and first.register is not None
    assert [o.message_id for o in again.decision.outgoing] == \
        [o.message_id for o in first.decision.outgoing] != []
    assert again.register == first.register
    assert bot.register.entries() == () and bot.desk.open_tasks() == (), \
        "nothing is in the register before the commit"
    bot.service.store.commit(first.decision, register=first.register)
    assert len(bot.register.entries()) == 1 and len(bot.desk.open_tasks()) == 1
    assert bot.register.counts(bot.now)["opened"] == 1
