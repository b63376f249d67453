"""Start-up cost (docs/decisions.md): a command imports only the libraries it uses.

`bench/startup.py` gives the times; this pins the cause, without timing anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# each costs a command 20 ms to 0.5 s to import, and none is needed to show the status
NOT_AT_START = ("holidays", "jinja2", "email_validator", "exchangelib", "msal", "httpx", "docx",
                "pypdf", "PIL", "icalendar")
PROBE = ("import sys\nfrom mailbot.cli import main\nmain(sys.argv[1:])\n"
         f"print(sorted(m for m in {NOT_AT_START!r} if m in sys.modules), file=sys.stderr)\n")


@pytest.mark.parametrize("command", [["status", "--state", "{state}"], ["check-config"]])
def test_a_command_does_not_import_what_it_does_not_use(tmp_path: Path, command: list[str]) -> None:
    argv = [a.format(state=tmp_path / "state") for a in command]
    if "--state" in argv:   # a store to show (issue 14 §2: a missing one is an error)
        from mailbot.adapters.store import Store

        Store.open(tmp_path / "state").close()
    result = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1] == "[]", \
        f"`mailbot {' '.join(argv)}` imported {result.stderr.splitlines()[-1]} at start-up"
