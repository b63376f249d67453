"""R-CONF: routing.yaml is validated; a bad file stops with file, key path and what."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from mailbot.cli import main
from mailbot.core.config import load_config
from mailbot.errors import ConfigError
from mailbot.service import config_file
from mailbot.service.config_file import read_config

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = yaml.safe_load((ROOT / "routing.yaml").read_text())


def broken(change: Any) -> list[str]:
    data = copy.deepcopy(SHIPPED)
    change(data)
    with pytest.raises(ConfigError) as caught:
        load_config(data, "routing.yaml")
    assert str(caught.value).startswith("routing.yaml: configuration is not valid")
    return caught.value.problems


def test_r_conf_shipped_file_carries_the_example_county(config: Any) -> None:
    assert config.area_of("thanet") == "east"
    assert config.person(config.holder("sm", "east")).email == "sue.manager@kent.test"
    assert config.person(config.holder("director", None)).email == "director@kent.test"
    assert set(config.categories) == {f"C{i}" for i in range(1, 10)}
    assert config.timers.return_interview.fixed.total_seconds() == 72 * 3600


def test_r_conf_unknown_role_in_a_route_names_the_key_path() -> None:
    problems = broken(lambda d: d["routes"]["cic"]["stages"][1].update(role="chief"))
    assert "routes.cic.stages[1].role: unknown role 'chief'" in problems


def test_r_conf_district_in_two_areas() -> None:
    problems = broken(lambda d: d["areas"]["west"]["districts"].append("Thanet"))
    assert any(p.startswith("areas.west.districts: district 'Thanet' is also in area 'east'")
               for p in problems)


def test_r_conf_negative_interval() -> None:
    problems = broken(lambda d: d["timers"].update(review_interval="-3d"))
    assert any(p.startswith("timers.review_interval: must not be negative") for p in problems)


def test_r_conf_missing_person() -> None:
    problems = broken(lambda d: d["areas"]["north"]["roles"].update(sm="nobody.here"))
    assert "areas.north.roles.sm: person 'nobody.here' is not in people" in problems


def test_r_conf_every_type_problem_reported_at_once() -> None:
    def change(d: dict[str, Any]) -> None:
        d["timers"]["qa"]["due"] = "soon"
        d["people"]["sue.manager"]["email"] = "not-an-address"

    problems = broken(change)
    assert any(p.startswith("timers.qa.due:") and "not a duration" in p for p in problems)
    assert any(p.startswith("people.sue.manager.email:") for p in problems)


def test_r_conf_missing_key_and_unknown_key() -> None:
    problems = broken(lambda d: (d.pop("timers"), d.update(colour="blue")))
    assert "timers: is missing" in problems and "colour: is not a known key" in problems


def test_check_config_prints_every_route_as_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(ROOT / "routing.yaml")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out
    for words in ("C8 Child in Care", "R-CIC", "after 2d missing", "T-NAT-3W", "approval  sm",
                  "Time limits"):
        assert words in out, words


def test_check_config_bad_file_exits_2_naming_the_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "routing.yaml"
    bad.write_text("schema: 1\norganisation: [unclosed\n")
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "line" in err


def test_routing_files_read_by_libyaml_are_what_the_pure_python_loader_reads() -> None:
    """read_config uses PyYAML's C loader (start-up cost, docs/decisions.md): same data."""
    files = [ROOT / "routing.yaml", *sorted((ROOT / "examples").rglob("*.yaml"))]
    for path in files:
        text = path.read_text()
        assert yaml.load(text, Loader=config_file._SAFE_LOADER) == yaml.safe_load(text), path
    assert config_file._SAFE_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def test_a_broken_file_is_reported_in_the_pure_python_loaders_words(tmp_path: Path) -> None:
    bad = tmp_path / "routing.yaml"
    bad.write_text("schema: 1\norganisation:\n  name: Kent\n   code: x\n")
    with pytest.raises(ConfigError) as caught:
        read_config(bad)
    assert caught.value.problems == [
        "line 4, column 8: not valid YAML (mapping values are not allowed here)"]
