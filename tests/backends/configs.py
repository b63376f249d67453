"""routing.yaml files for the CLI tests: the shipped one with the unit mailbox (and
perhaps the sender) moved onto a test server, written as an administrator would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mailbot.service.bootstrap import DEFAULT_CONFIG
from tests.exchange.fake_entra import FakeEntra
from tests.exchange.fake_ews import FakeEws
from tests.exchange.fake_graph import FakeGraph

ADDRESS = "safeguardingunitalerts@kent.test"


def routing_yaml(folder: Path, unit: dict[str, Any], sender: dict[str, Any] | None = None,
                 **top: Any) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["mailboxes"] = {"unit": unit}
    if sender is not None:
        data["sender"] = sender
    data.update(top)
    path = folder / "routing.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def graph_account(graph: FakeGraph, entra: FakeEntra, secret: str) -> dict[str, Any]:
    """A Graph mailbox entry as docs/microsoft-365.md writes one, on the fakes."""
    return {"backend": "graph", "address": ADDRESS, "tenant_id": entra.tenant,
            "client_id": entra.client_id, "client_secret": f"env:{secret}",
            "base_url": graph.base_url, "authority": entra.authority}


def ews_account(ews: FakeEws, secret: str) -> dict[str, Any]:
    """An EWS mailbox entry as docs/exchange.md writes one (Basic), on the fake."""
    return {"backend": "ews", "address": ADDRESS, "service_endpoint": ews.endpoint,
            "auth": "basic", "username": ews.username, "password": f"env:{secret}"}
