"""The demo's state (three alerts: KA-2026-0001 and -0003 closed, -0002 open), made once
per test module, and copied for each test that changes it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from mailbot.core.values.alert import Alert
from mailbot.demo import Demo, script

CLOSED, OPEN = ("KA-2026-0001", "KA-2026-0003"), "KA-2026-0002"
# the closed alerts' children, as the example forms name them
DEMO_CHILDREN = {"KA-2026-0001": ["Jordan Example", "4410293"],
                 "KA-2026-0003": ["Robin Example", "5001299"]}


def make_demo_state(folder: Path) -> None:
    demo = Demo(folder, io.StringIO())
    try:
        script(demo)
    finally:
        demo.close()


def copy_state(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    (target / "lock").unlink(missing_ok=True)
    return target


def details(alert: Alert) -> list[str]:
    """What must go with the alert's personal data: the child's name and Liberi ID."""
    return [v for v in (alert.form.child_name, alert.form.case_id) if v]
