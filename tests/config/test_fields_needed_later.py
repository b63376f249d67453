"""Issue 11, R-CONF: which step needs which field is data in routing.yaml, and
`check-config` prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.service.config_file import read_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_routes_name_the_fields_their_later_steps_need() -> None:
    """R-OFSTED, R-DEATH, T-NAT-3W: Ofsted, Form A and the national details are later
    steps' fields, not required before routing."""
    config = read_config(ROOT / "routing.yaml")
    later = {(r, s.id): s.needs for r, route in config.routes.items()
             for _, s in route.later_needs()}
    assert later == {
        ("standard_ofsted", "ofsted"): ("ofsted_required",),
        ("standard_death", "form_a"): ("form_a_sent",),
        ("standard_death", "ofsted"): ("ofsted_required",),
        ("national", "threshold"): ("national_alert", "attempts_to_locate", "known_locality",
                                    "exceptional"),
    }
    for cat in config.categories.values():
        assert not set(cat.requires) & {"ofsted_required", "form_a_sent", "national_alert"}


def test_check_config_prints_the_fields_needed_later(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(ROOT / "routing.yaml")]) == 0
    out = capsys.readouterr().out
    section = out.split("Fields needed later", 1)[1]
    assert "the alert is routed without them" in section.splitlines()[0]
    for row in ("standard_ofsted  ofsted     ofsted_required     Ofsted notification required",
                "standard_death   form_a     form_a_sent         Form A sent to the Board",
                "national         threshold  attempts_to_locate  Agencies contacted / reasonable "
                "attempts"):
        assert row in section, row
    assert "ok  no alert is held back for a later step's field" in out
