"""Write the example management information report (docs/records/report-*.csv) from the
demo's data: `mailbot demo` into a temporary folder, then `mailbot report` for the
demo's first four weeks. tests/records/test_report_examples.py checks they are current.

    .venv/bin/python docs/records/regenerate_report.py
"""

from __future__ import annotations

import io
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from mailbot.adapters.csv_report import csv_bytes  # noqa: E402 (after the path above)
from mailbot.core.report import ALERT_COLUMNS, CLOCK_COLUMNS  # noqa: E402
from mailbot.demo import Demo, script  # noqa: E402
from mailbot.service.report import tables  # noqa: E402

FIRST, LAST = date(2026, 11, 16), date(2026, 12, 13)
NAMES = {"alerts": "report-alerts.csv", "clocks": "report-clocks.csv"}


def render_report() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="mailbot-report-") as folder:
        demo = Demo(Path(folder) / "state", io.StringIO())
        try:
            script(demo)
            alerts, clocks = tables(demo.service, FIRST, LAST)
        finally:
            demo.close()
    return {NAMES["alerts"]: csv_bytes(ALERT_COLUMNS, alerts),
            NAMES["clocks"]: csv_bytes(CLOCK_COLUMNS, clocks)}


if __name__ == "__main__":
    for name, data in render_report().items():
        (HERE / name).write_bytes(data)
        print(f"wrote {HERE / name} ({len(data)} bytes)")
