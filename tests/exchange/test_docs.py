"""The routing.yaml examples in docs/exchange.md and docs/microsoft-365.md are accepted as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mailbot.adapters.microsoft.ews_mailbox import EwsMailbox
from mailbot.adapters.microsoft.ews_sender import EwsSender
from mailbot.adapters.microsoft.graph_mailbox import GraphMailbox
from mailbot.adapters.microsoft.graph_sender import GraphSender
from tests.exchange.conftest import DictCursors

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("doc", ["exchange.md", "microsoft-365.md"])
def test_the_documented_routing_yaml_entries_are_accepted(
        doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (DOCS / doc).read_text()
    # the secrets the examples point at, made real for the test
    for name in set(re.findall(r"env:(\w+)", text)):
        monkeypatch.setenv(name, "s3cret")
    text = text.replace("file:/etc/mailbot/", f"file:{tmp_path}/")
    for name in set(re.findall(rf"file:{re.escape(str(tmp_path))}/([\w.-]+)", text)):
        (tmp_path / name).write_text("s3cret\n")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    mailboxes = {k: v for b in blocks for k, v in b.get("mailboxes", {}).items()}
    senders = [b["sender"] for b in blocks if "sender" in b]
    assert mailboxes and senders, f"{doc} lost its routing.yaml examples"
    for name, spec in mailboxes.items():
        reader = EwsMailbox if spec["backend"] == "ews" else GraphMailbox
        assert reader.from_settings(name, spec, cursor_store=DictCursors()).name == name
    for spec in senders:
        writer = EwsSender if spec["backend"] == "ews" else GraphSender
        writer.from_settings(spec)
