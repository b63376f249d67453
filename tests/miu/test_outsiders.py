"""R-OLA, R-CASCADE: messages from outside the council are recorded, never
answered; the national custodian list is the only outside address that can
ever receive anything, whatever arrives in either inbox."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from mailbot.core.config import load_config
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import MessageKind
from tests.miu.conftest import MIU, SAMPLE_ALERT, SAMPLE_FOUND, miu_bot
from tests.workflow.conftest import ROOT, form_body

GOLDEN = Path(__file__).parents[1] / "register" / "golden"
CUSTODIANS = ["custodians@alerts.example"]
OUTSIDER = "cp.lead@othercouncil.example"


@pytest.mark.parametrize("path", [*sorted(GOLDEN.glob("*.eml")), SAMPLE_ALERT, SAMPLE_FOUND],
                         ids=lambda p: p.stem[:12])
def test_every_known_phrasing_of_another_councils_notice_reads_as_one(path: Path,
                                                                     config: object) -> None:
    """Golden 06 ("national notification") and 10 ("Missing Child Alert") included."""
    got = read_message(path.read_bytes(), config)   # type: ignore[arg-type]
    assert got.kind is MessageKind.OLA_NOTIFICATION, got.why


def test_no_outside_sender_is_answered_and_only_custodians_are_outside(tmp_path: Path) -> None:
    data = copy.deepcopy(yaml.safe_load((ROOT / "routing.yaml").read_text()))
    data["cascade"] = {"by_bot": True, "custodians": CUSTODIANS, "marking": "OFFICIAL-SENSITIVE"}
    bot = miu_bot(tmp_path, config=load_config(data))
    try:
        # notifications to either inbox are recorded; nothing goes back
        assert bot.notify(SAMPLE_ALERT.read_bytes(), "unit").outgoing == ()
        question = bot.notify((GOLDEN / "06-partial-no-dob.eml").read_bytes()).outgoing[0]
        # an outside message that the reader did not class as a notice, but reads as one
        loose = bot.email("Duty Team <duty@borderland.example>", "Please circulate",
                          "Borderland Council\r\nChild missing from home since 01/11/2026.\r\n"
                          "Child: Sam PLAIN, born 01/02/2015\r\n", to=MIU)
        assert bot.notify(loose).note.startswith("register: OLA-2026-0003 opened")
        # an outside question, an outside "reply" with a stolen reply address, an outside form
        asking = bot.email(f"Nosy <{OUTSIDER}>", "Do you know this family?",
                           "Could you send us what Kent holds on the EXAMPLE family?", to=MIU)
        assert bot.notify(asking).disposition == "needs_attention"
        stolen = bot.email(f"Nosy <{OUTSIDER}>", f"RE: {question.subject}", "ENTRY OLA-2026-0001",
                           to=f"safeguardingunitalerts+{question.reply_token}@kent.test")
        taken = bot.notify(stolen, "unit")    # read as a notice: at most the unit is asked
        assert [r.email for o in taken.outgoing for r in o.to] in ([], [MIU])
        assert question.context["task"]["id"] in {t.id for t in bot.desk.open_tasks()}, \
            "an outsider cannot answer for the unit"
        outside_form = bot.email(f"Nosy <{OUTSIDER}>", "Alert", form_body("C8"))
        assert bot.notify(outside_form, "unit").outgoing == ()
        assert bot.notify(SAMPLE_FOUND.read_bytes()).outgoing == ()
    finally:
        bot.close()
    for raw in bot.sent_mail():
        envelope = raw.split(b"\r\n", 1)[0].decode().split(":", 1)[1]
        for address in (a.strip().lower() for a in envelope.split(",")):
            assert address.endswith("@kent.test") or address in CUSTODIANS, address
    everyone = {r.email for _, o in bot.record.sent for r in (*o.to, *o.cc, *o.bcc)}
    assert not {OUTSIDER, "duty@borderland.example"} & everyone
