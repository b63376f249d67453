"""Issue 10 (7): hand-overs happen once (T-QA).

Repeated out-of-office replies or bounces for the same request hand the step to the
deputy once; the later ones are recorded on the alert, and nothing is sent again."""

from __future__ import annotations

from tests.workflow.conftest import ROOT, Bot

SUE = "sue.manager@kent.test"        # the Service Manager a Thanet C8 waits on
SOL = "sm.south@kent.test"           # her deputy
OOF = (ROOT / "examples" / "replies" / "sue-out-of-office.eml").read_bytes()


def _oof(n: int) -> bytes:
    return OOF.replace(b"<demo-sue-oof@kent.test>", f"<demo-sue-oof-{n}@kent.test>".encode())


def _bounce(bot: Bot, message_id: str, n: int) -> bytes:
    body = (
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.kent.test\r\n"
        f"\r\nFinal-Recipient: rfc822; {SUE}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{message_id}>\r\n"
        "--b--\r\n")
    return (f"From: MAILER-DAEMON@kent.test\r\nTo: safeguardingunitalerts@kent.test\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{n}@kent.test>\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; "
            f'report-type=delivery-status; boundary="b"\r\n\r\n{body}').encode()


def _handovers(bot: Bot, ref: str) -> list[str]:
    return [e.what for e in bot.service.store.events(ref)
            if e.what in ("out_of_office", "bounced", "out_of_office_again", "bounced_again")]


def test_repeated_out_of_office_replies_hand_the_step_to_the_deputy_once(bot: Bot) -> None:
    ref = bot.send_form("C8")
    for n in range(3):
        bot.deliver(_oof(n))
    assert bot.purposes_to(SOL, ref) == ["approval_request"], "the deputy is asked once"
    assert _handovers(bot, ref) == ["out_of_office", "out_of_office_again",
                                    "out_of_office_again"]
    assert bot.alert(ref).wait("sm_qa").escalated_to == ("sol.south",)


def test_repeated_bounces_hand_the_step_to_the_deputy_once(bot: Bot) -> None:
    ref = bot.send_form("C8")
    request = bot.request(SUE, ref).message_id
    for n in range(3):
        bot.deliver(_bounce(bot, request, n))
    assert bot.purposes_to(SOL, ref) == ["approval_request"], "the deputy is asked once"
    assert _handovers(bot, ref) == ["bounced", "bounced_again", "bounced_again"]


def test_a_bounce_after_an_out_of_office_does_not_hand_over_again(bot: Bot) -> None:
    ref = bot.send_form("C8")
    request = bot.request(SUE, ref).message_id
    bot.deliver(_oof(0))
    bot.deliver(_bounce(bot, request, 0))
    bot.deliver(_oof(1))
    assert bot.purposes_to(SOL, ref) == ["approval_request"]
    assert _handovers(bot, ref) == ["out_of_office", "bounced_again", "out_of_office_again"]


def test_a_bounce_that_does_not_return_the_request_itself_moves_no_step(bot: Bot) -> None:
    """Issue 10: a bounce is only as good as what it returns. One naming the alert's
    notice (whose Message-ID a colleague could have seen) is recorded for a person;
    only a bounce of the request, which carries the step's token, hands it over."""
    ref = bot.send_form("C8")
    notice = f"{ref.lower()}.alert_notice.9@kent.test"
    bot.deliver(_bounce(bot, notice, 0))
    assert bot.alert(ref).wait("sm_qa").escalated_to == ()
    assert bot.purposes_to(SOL, ref) == []


def test_a_forged_out_of_office_moves_no_step(bot: Bot) -> None:
    """Issue 10: an out-of-office failing the council's own DMARC check is not the owner's."""
    ref = bot.send_form("C8")
    raw = b"Authentication-Results: mx.kent.test; dmarc=fail header.from=kent.test\n" + _oof(0)
    assert b"dmarc=fail" in raw
    bot.deliver(raw)
    assert bot.alert(ref).wait("sm_qa").escalated_to == ()
