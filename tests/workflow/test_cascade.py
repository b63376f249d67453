"""R-CASCADE: the national custodian list is the only outside destination."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
import yaml

from mailbot.core.config import load_config
from tests.workflow.conftest import MONDAY, ROOT, Bot

CUSTODIANS = ["custodians@alerts.example", "designated.officers@alerts.example"]


@pytest.fixture
def cascading(tmp_path: Path) -> Iterator[Bot]:
    data = copy.deepcopy(yaml.safe_load((ROOT / "routing.yaml").read_text()))
    data["cascade"] = {"by_bot": True, "custodians": CUSTODIANS, "marking": "OFFICIAL-SENSITIVE"}
    bot = Bot(tmp_path / "state", MONDAY, config=load_config(data))
    yield bot
    bot.close()


def sign_off(bot: Bot, **changes: str) -> str:
    ref = bot.send_form("C7", sender="Dee Lead <dee.lead@kent.test>", **changes)
    bot.answer("sm.south@kent.test", ref, "APPROVE")
    bot.at(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    for who in ("sm.south@kent.test", "pdo.south@kent.test", "sm.sqa@kent.test"):
        bot.answer(who, ref, "APPROVE")
    return ref


def test_r_cascade_bot_sends_the_signed_off_alert_to_the_custodians_in_blind_copy(
        cascading: Bot) -> None:
    ref = sign_off(cascading)
    cascades = [o for _, o in cascading.record.sent if o.purpose == "national_cascade"]
    assert len(cascades) == 1
    out = cascades[0]
    assert out.subject.startswith("OFFICIAL-SENSITIVE:")
    assert [r.email for r in out.bcc] == CUSTODIANS
    assert [r.email for r in out.to] == ["sm.sqa@kent.test"]
    assert out.context["missing_since"].startswith("Mon 9 Nov 2026")
    assert cascading.alert(ref).national.status == "issued"
    # the rendered mail keeps the custodians out of the headers
    sent = [m for m in cascading.service.sender.sent() if b"national_cascade" in m]
    assert len(sent) == 1
    headers = message_from_bytes(sent[0].split(b"\n", 1)[1] if sent[0].startswith(b"X-Mailbot-Envelope")
                                 else sent[0], policy=default)
    assert "custodians@" not in str(headers.get("To", "")) + str(headers.get("Cc", ""))
    assert headers.get("Bcc") is None


def test_r_cascade_reissue_and_found_go_to_the_same_list(cascading: Bot) -> None:
    ref = sign_off(cascading)
    cascading.at(datetime(2027, 5, 20, 9, 0, tzinfo=UTC))
    cascading.answer("pdo.south@kent.test", ref, "DONE", purpose="task_request")
    cascading.update("Dee Lead <dee.lead@kent.test>", ref,
                     "Alert type: Updated alert\r\nDate and time found: 20/05/2027 08:00")
    kinds = [o.context["kind"] for _, o in cascading.record.sent if o.purpose == "national_cascade"]
    assert kinds == ["alert", "reissue", "found"]


def test_r_cascade_internal_updates_never_reach_the_custodians(cascading: Bot) -> None:
    ref = sign_off(cascading)
    cascading.update("Dee Lead <dee.lead@kent.test>", ref,
                     "Alert type: Updated alert\r\nSummary of concern: sighting in Leeds")
    updates = [o for _, o in cascading.record.sent if o.purpose == "alert_notice"
               and o.context.get("notice") == "update"]
    assert updates and all(r.email.endswith("@kent.test") for o in updates for r in o.to)


def test_no_outside_address_is_reached_whatever_a_form_says(cascading: Bot) -> None:
    outside = "someone@elsewhere.example"
    ref = cascading.send_form("C7", sender="Dee Lead <dee.lead@kent.test>",
                              **{"Social worker": f"Kit Worker <{outside}>",
                                 "Team manager": f"Dee Lead <{outside}>",
                                 "Submitted by": f"Dee Lead <{outside}>"})
    assert ref is None, "a form naming an outside address is not routed"
    ref = sign_off(cascading, **{"Submitted by": "Dee Lead <dee.lead@kent.test>"})
    cascading.update("Dee Lead <dee.lead@kent.test>", ref,
                     f"Alert type: Updated alert\r\nTeam manager: Dee Lead <{outside}>")
    cascading.at(datetime(2028, 1, 1, tzinfo=UTC))
    allowed = set(CUSTODIANS)
    for raw in cascading.service.sender.sent():
        envelope = raw.split(b"\n", 1)[0].decode()
        assert envelope.startswith("X-Mailbot-Envelope-To:")
        for address in envelope.split(":", 1)[1].split(","):
            address = address.strip().lower()
            assert address.endswith("@kent.test") or address in allowed, address
