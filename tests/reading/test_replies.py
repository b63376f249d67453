"""A reply's own words, and the command they start with (conservatively)."""

from __future__ import annotations

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.mail.read import read_message
from mailbot.core.intake.mail.reply_text import parse_command, strip_quotes
from mailbot.core.values.mail import Command, MessageKind, ReplyCommand
from tests.reading.helpers import raw


def test_outlook_from_sent_block_starts_the_quote() -> None:
    text = ("RETURN the police reference is missing\n\nFrom: Safeguarding Unit Alerts "
            "<safeguardingunitalerts@kent.test>\nSent: 16 November 2026 10:02\nTo: Sue\n"
            "Subject: [KA-2026-0001] Alert\n\nReply APPROVE or RETURN\n")
    assert strip_quotes(text) == "RETURN the police reference is missing"


def test_outlook_underscores_and_original_message_markers_start_the_quote() -> None:
    assert strip_quotes("ok\n________________________________\nFrom: X\nSent: y\n\nAPPROVE") == "ok"
    assert strip_quotes("fine\n-----Original Message-----\nAPPROVE") == "fine"


def test_on_wrote_over_two_lines_starts_the_quote() -> None:
    text = ("Done, dates recorded.\n\nOn Mon, 16 Nov 2026 at 10:02, Safeguarding Unit Alerts <\n"
            "safeguardingunitalerts@kent.test> wrote:\n> Please record the dates\n")
    assert strip_quotes(text) == "Done, dates recorded."


def test_chevron_lines_are_quoted_wherever_they_are() -> None:
    assert strip_quotes("> APPROVE\nRETURN: no") == "RETURN: no"


def test_a_bottom_posted_reply_keeps_the_words_under_the_quote() -> None:
    text = "On Mon 16 Nov, Alerts wrote:\n> Reply APPROVE or RETURN\n\nAPPROVED\n"
    assert strip_quotes(text) == "APPROVED"


def test_german_and_french_clients_quote_headers_are_recognised() -> None:
    assert strip_quotes("JA\nVon: Alerts\nGesendet: Montag\nAn: x") == "JA"
    assert strip_quotes("OUI\nLe lun. 16 nov. 2026, Alerts a écrit :\n> x") == "OUI"


@pytest.mark.parametrize("text, command, argument", [
    ("APPROVE", Command.APPROVE, ""), ("approved - all actions taken", Command.APPROVE,
                                      "all actions taken"),
    ("Agreed.", Command.APPROVE, ""), ("Yes, approve", Command.APPROVE, ""),
    ("**APPROVE**", Command.APPROVE, ""),
    ("RETURN\nThe police reference is missing.\nAnd the DOB.", Command.RETURN,
     "The police reference is missing.\nAnd the DOB."),
    ("Rejected: no strategy meeting date", Command.RETURN, "no strategy meeting date"),
    ("FORWARD director", Command.FORWARD, "director"),
    ("Forward to the Director and AD SQA\nthanks", Command.FORWARD, "the Director and AD SQA"),
    ("DE-ALERT child found safe", Command.DEALERT, "child found safe"),
    ("dealert", Command.DEALERT, ""), ("DONE: dates on Liberi", Command.DONE, "dates on Liberi"),
    ("Completed", Command.DONE, ""), ("Hi Sue,\nAPPROVE", Command.APPROVE, ""),
])
def test_commands_are_read_from_the_first_words(text: str, command: Command, argument: str) -> None:
    got = parse_command(text)
    assert got is not None and (got.command, got.argument, got.unclear) == (command, argument, "")
    assert isinstance(got, ReplyCommand)


@pytest.mark.parametrize("text", [
    "OK", "yes", "Thanks", "Approvals are with Sue", "Return interview done on 18/11",
    "Returning to the office on Monday", "Can you call me?", "",
    "Forwarding this was a mistake",
])
def test_anything_else_is_no_command(text: str) -> None:
    """Conservative: a word that merely looks like a command is not one."""
    assert parse_command(text) is None


@pytest.mark.parametrize("text, why", [
    ("Approve?", "it reads as a question"),
    ("Should I approve this one", "it reads as a question"),
    ("Not yet approved", 'it says "Not yet"'),
    ("Don't approve", 'it says "Don\'t"'),
    ("I can't approve this", 'it says "can\'t"'),
    ("I approve", "it does not start with APPROVE"),
    ("approve not yet", 'it says "not yet"'),
    ("Approve / return", "it gives more than one answer (APPROVE and RETURN)"),
    ("Approve and forward to director", "it gives more than one answer (APPROVE and FORWARD)"),
    ("Return or approve?", "it gives more than one answer (RETURN and another)"),
    ("Approved if the dates are added", 'it makes the approval depend on something ("if")'),
    ("Approved - pending the strategy meeting date",
     'it makes the approval depend on something ("pending")'),
    ("Done - not the Ofsted one", 'it says "not"'),
    ("Forward to director?", "it reads as a question"),
])
def test_a_first_line_that_does_not_plainly_say_its_command_is_not_acted_on(text: str,
                                                                             why: str) -> None:
    """Issue 10, "what they meant, or ask": a question, a negation, two answers or a
    condition is not an approval; the reason is kept to tell the sender."""
    got = parse_command(text)
    assert got is not None and got.unclear == why


@pytest.mark.parametrize("text", [
    "Approved, no concerns", "Approved. Thanks", "Yes approved",
    "RETURN - the dates are not on the form", "Return: not enough detail",
    "Return - can't approve without dates", "Returned, see below", "Hi Sue\nApproved",
])
def test_plain_answers_with_ordinary_words_stay_clear(text: str) -> None:
    """A RETURN's reasons may say "not" or name another word; an approval may say "no concerns"."""
    got = parse_command(text)
    assert got is not None and got.unclear == ""


def test_r_upd_a_form_line_naming_de_alert_is_a_form_not_a_hedged_answer(config: Config) -> None:
    """A de-alert form whose subject names the reference starts "Alert type: De-alert": that
    is the form's field, not a reply that hedges (issue 10's "not at the start" rule)."""
    body = ("Hello,\nAlert type: De-alert\nAlert reference: KA-2026-0007\n"
            "Date and time found: 07/12/2026 09:05\n")
    got = read_message(raw(body, subject="De-alert KA-2026-0007",
                           sender="Sue Manager <sue.manager@kent.test>"), config)
    assert got.kind is MessageKind.DEALERT, got.why
