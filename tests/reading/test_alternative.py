"""Issue 11 §9: reading takes the richer part. A `multipart/alternative` whose plain
part is a stub ("See below", a signature) and whose HTML part holds the form or the
national alert is read from the HTML (R-ALL for forms, R-OLA for notifications)."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.mail.alternative import is_stub, richer_text
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import MessageKind
from tests.miu.conftest import SAMPLE_ALERT, MiuBot
from tests.reading.helpers import FORM
from tests.workflow.conftest import MONDAY, Bot


def alternative(plain: str, html_body: str, *, sender: str = "Sam Worker <sam.worker@kent.test>",
                to: str = "safeguardingunitalerts@kent.test", subject: str = "Alert C9",
                message_id: str = "<alt.1@kent.test>") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"], msg["Message-ID"] = "Mon, 07 Dec 2026 10:00:00 +0000", message_id
    msg.set_content(plain)
    msg.add_alternative(html_body, subtype="html")
    return msg.as_bytes(policy=SMTP)


def as_html(text: str) -> str:
    rows = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return f"<html><body><div style='font-family:Calibri'>{rows}</div></body></html>"


@pytest.mark.parametrize("stub", ["See below", "Please view this message in HTML.",
                                  "Sam Worker\nSocial Worker, Thanet CIC team\n01234 567890",
                                  ""])
def test_a_stub_plain_part_is_read_from_the_html(stub: str, config: Config) -> None:
    inc = read_message(alternative(stub, as_html(FORM)), config)
    assert inc.kind is MessageKind.NEW_FORM, inc.why
    assert inc.form is not None and inc.form.source == "html"
    assert (inc.form.form.category, inc.form.form.district) == ("C9", "Thanet")
    assert "Summary of concern: Test summary." in inc.body_text


def test_a_real_plain_part_is_kept(config: Config) -> None:
    """The plain part is what the sender wrote: a message of its own is read from it, even
    beside a longer HTML part (a disclaimer only the HTML carries)."""
    plain = ("APPROVE\n\nHappy for this to go on. I have spoken to the team manager about the "
             "plan this morning, we agree the next review date, and the social worker will "
             "visit the family again on Thursday with the health visitor.")
    longer = plain + "\n" + "Kent County Council disclaimer. " * 30
    assert richer_text(plain, longer) == plain.strip()
    assert not is_stub(plain, longer)
    raw = alternative(plain, as_html(longer), subject="RE: [KA-2026-0001] Alert for QA")
    assert "disclaimer" not in read_message(raw, config).body_text


def test_a_reply_reads_the_same_from_either_part(config: Config) -> None:
    """A one-word plain reply beside an HTML reply quoting the request: the first line is
    the command either way."""
    quoted = ("APPROVE\nFrom: Safeguarding Unit Alerts <safeguardingunitalerts@kent.test>\n"
              "Sent: Monday 7 December 2026 09:00\nSubject: [KA-2026-0001] Alert for QA\n"
              + "Reply APPROVE or RETURN with your reasons on the first line. " * 5)
    raw = alternative("APPROVE", as_html(quoted), subject="RE: [KA-2026-0001] Alert for QA")
    inc = read_message(raw, config)
    assert inc.new_text.splitlines()[0] == "APPROVE"


def test_r_all_a_form_in_html_behind_a_stub_is_raised(tmp_path: Path) -> None:
    """Through the service: the form behind "See below" opens an alert and is routed."""
    bot = Bot(tmp_path / "state", MONDAY)
    try:
        bot.deliver(alternative("See below", as_html(FORM)))
        [alert] = bot.service.store.load().alerts.values()
        assert alert.category == "C9" and alert.waits, "the alert was raised and routed"
    finally:
        bot.close()


def test_r_ola_a_national_alert_in_html_behind_a_stub_enters_the_register(tmp_path: Path) -> None:
    """Another council's national alert whose plain part says only "See below"."""
    sample = SAMPLE_ALERT.read_bytes().decode()
    head, _, body = sample.partition("\n\n")
    frm = next(line.split(": ", 1)[1] for line in head.splitlines() if line.startswith("From:"))
    subject = next(line.split(": ", 1)[1] for line in head.splitlines()
                   if line.startswith("Subject:"))
    raw = alternative("See below", as_html(body), sender=frm, to="miu@kent.test", subject=subject,
                      message_id="<ola-html.1@othercouncil.example>")
    bot = MiuBot(tmp_path / "state", MONDAY)
    try:
        bot.notify(raw)
        [entry] = bot.register.list()
        assert [c.name for c in entry.children] == ["Taylor EXAMPLE"]
    finally:
        bot.close()
