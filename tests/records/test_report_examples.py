"""The example report under docs/records/ is what `mailbot report` makes of the demo's
data today (regenerate with `.venv/bin/python docs/records/regenerate_report.py`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "records"
REGENERATE = "run .venv/bin/python docs/records/regenerate_report.py if the change is intended"


def test_the_example_report_csvs_are_current() -> None:
    spec = importlib.util.spec_from_file_location("regenerate_report", DOCS / "regenerate_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made: dict[str, bytes] = module.render_report()
    assert sorted(made) == ["report-alerts.csv", "report-clocks.csv"]
    for name, data in made.items():
        committed = DOCS / name
        assert committed.exists(), f"docs/records/{name} is missing: {REGENERATE}"
        assert committed.read_bytes() == data, f"docs/records/{name} is stale: {REGENERATE}"
        assert b"Example" not in data, "the example names no child"
