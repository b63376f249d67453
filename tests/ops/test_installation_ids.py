"""Issue 14 §7: every Message-ID carries the store's installation id, so a store made
after the old one was lost never makes an id the old one made; ids without it (the
stores and the mail from before) still read, and replies to them are still matched."""

from __future__ import annotations

import email
import json
import shutil
from email.policy import default
from pathlib import Path

from mailbot.adapters.file_sender import FileSender
from mailbot.adapters.store import Store
from mailbot.core import ids
from mailbot.core.intake.mail.classify import is_bot_message_id
from mailbot.service.bootstrap import DEFAULT_CONFIG as DEFAULT_CONFIG_PATH
from mailbot.service.config_file import read_config
from mailbot.simulation import Simulation
from tests.workflow.conftest import MONDAY, form_body


def simulation(tmp: Path) -> Simulation:
    """The shipped configuration, its Sent folder (the file sender's) outside the state."""
    config = read_config(DEFAULT_CONFIG_PATH)
    config = config.model_copy(update={"sender": {"backend": "file", "path": str(tmp / "sent")}})
    return Simulation(tmp / "state", MONDAY, config=config)


def send_form(sim: Simulation, child: str) -> str:
    before = set(sim.service.store.load().alerts)
    sim.deliver(sim.email("Tara Manager <tara.manager@kent.test>", "Alert C8",
                          form_body("C8", **{"Child's name": child})))
    (ref,) = set(sim.service.store.load().alerts) - before
    return ref


def receipts(tmp: Path) -> list[str]:
    found = []
    for raw in FileSender(tmp / "sent").sent():
        msg = email.message_from_bytes(raw, policy=default)
        if msg["X-Mailbot-Purpose"] == "submitter_receipt":
            found.append(str(msg["Message-ID"]).strip("<>"))
    return found


def test_a_store_made_after_the_old_one_was_deleted_sends_its_own_receipt(tmp_path: Path) -> None:
    first = simulation(tmp_path)
    assert send_form(first, "Jordan Example") == "KA-2026-0001"
    old = first.service.store.installation
    first.close()
    shutil.rmtree(tmp_path / "state")    # the store deleted (its Maildir with it, here)

    second = simulation(tmp_path)
    assert send_form(second, "Kim Other") == "KA-2026-0001", "the reference is issued again"
    new = second.service.store.installation
    (entry,) = [e for e in second.service.store.sent_log(MONDAY)
                if e.purpose == "submitter_receipt"]
    second.close()
    assert old != new and len(new) == 8
    ids_sent = receipts(tmp_path)
    assert len(ids_sent) == 2, "the new store's receipt was written, not taken for the old one's"
    assert entry.message_id in ids_sent and entry.message_id.endswith(f".{new}@kent.test")
    assert all(i.split("@")[0].endswith(f".{old}") or i.split("@")[0].endswith(f".{new}")
               for i in ids_sent)


def test_the_installation_id_is_kept_by_the_store_across_opens_and_compactions(
        tmp_path: Path) -> None:
    with Store.open(tmp_path / "state") as store:
        made = store.installation
        store.set_cursor("unit", "1")
    meta = json.loads((tmp_path / "state" / "db.json").read_bytes())["meta"]["1"]
    assert meta["installation"] == made
    with Store.open(tmp_path / "state") as store:
        assert store.installation == made


def test_a_store_from_before_installation_ids_keeps_its_ids_and_replies_to_them_still_count(
        tmp_path: Path) -> None:
    sim = simulation(tmp_path)
    sim.close()
    db = tmp_path / "state" / "db.json"
    data = json.loads(db.read_bytes())
    del data["meta"]["1"]["installation"]          # as a store made before issue 14
    db.write_text(json.dumps(data))

    sim = Simulation(tmp_path / "state", MONDAY, config=sim.config)
    try:
        assert sim.service.store.installation == ""
        ref = send_form(sim, "Jordan Example")
        request = sim.request("sue.manager@kent.test", ref)
        assert ids.parse_request_id(request.message_id) is not None
        assert request.message_id.count(".") == 4, f"an old-format id: {request.message_id}"
        sim.answer("sue.manager@kent.test", ref, "APPROVE")
        assert "sm_qa" not in [w.id for w in sim.service.store.load().alerts[ref].waits], \
            "the reply to the old-format request was matched and acted on"
    finally:
        sim.close()


def test_old_and_new_ids_name_the_same_step() -> None:
    token = "0123456789abcdef0123"
    old = ids.request_id("KA-2026-0001", "sm_qa", 1, token, "kent.test")
    new = ids.request_id("KA-2026-0001", "sm_qa", 1, token, "kent.test", installation="9f3a0c1d")
    assert new == "ka-2026-0001.sm_qa.1.0123456789abcdef0123.9f3a0c1d@kent.test"
    assert ids.parse_request_id(old) == ids.parse_request_id(new) is not None
    config = read_config(DEFAULT_CONFIG_PATH)
    assert is_bot_message_id(old, config) and is_bot_message_id(new, config)
    assert ids.message_id("KA-2026-0001", "alert_notice", "2", "kent.test",
                          installation="9f3a0c1d") == "ka-2026-0001.alert_notice.2.9f3a0c1d@kent.test"
