"""The README's two commands stay true, and the demo tells the story it promises."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DEMO_COMMAND = "bash scripts/setup && .venv/bin/mailbot demo"
TEST_COMMAND = "bash scripts/test"


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    commands = re.findall(r"^    (\S.*)$", README, re.M)
    assert DEMO_COMMAND in commands and TEST_COMMAND in commands
    ci = (ROOT / ".ci" / "run").read_text()
    assert TEST_COMMAND in ci
    test_script = (ROOT / "scripts" / "test").read_text()
    assert "scripts/setup" in test_script and "install-mailstack" in test_script
    assert "pytest" in test_script


def run_demo(cwd: Path, mailbot: list[str]) -> str:
    result = subprocess.run([*mailbot, "demo"], cwd=cwd, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_demo_prints_the_timeline_through_every_clock() -> None:
    out = run_demo(ROOT, [sys.executable, "-m", "mailbot"])
    for words in [
        "request for approval to Sue Manager (Service Manager)",   # R-CIC: sm QA
        "KA-2026-0001 approved",
        "alert to Management Information Unit",            # T-48H
        "missing for 48 hours",
        "deadline notice (return interview overdue)",      # T-72H
        "national alert held for three weeks",             # T-NAT-3W
        "national alert signed off",
        "national alert cascaded",
        "task (re-issue the national alert)",              # T-NAT-6M
        "deadline notice (national alert nearing lapse)",  # T-NAT-12M
        "task (cascade the national \"found\" notice)",    # T-NAT-FOUND
        "owner out of office: handed to deputy",
        "answer about the form's problems to Jo New",
        "weekly digest",
    ]:
        assert words in out, f"the demo's timeline lacks {words!r}"
    assert "Jordan" not in out and "Alex Sample" not in out, "the timeline names no child"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_readme_demo_command_works_in_a_fresh_clone(tmp_path: Path) -> None:
    """As a new user would: clone, then the README's demo command, word for word."""
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                      capture_output=True).returncode != 0:
        pytest.skip("not a git checkout with commits")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    result = subprocess.run(["bash", "-c", DEMO_COMMAND], cwd=clone, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "national alert cascaded" in result.stdout
