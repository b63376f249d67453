"""ruff and mypy run as part of the tests (mypy strict on the core: see pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", "mailbot", "tests", "bench")
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_is_clean_and_strict_on_the_core() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout[-4000:]
