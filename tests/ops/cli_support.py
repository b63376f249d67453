"""The real `mailbot` command in a subprocess, on routing.yaml files as an administrator
writes them, for the operations tests (issue 14)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
FORM = (ROOT / "examples" / "forms" / "c8-child-in-care-missing.eml").read_bytes()


def mailbot(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m mailbot ARGS`, as cron would run it: its code, stdout and stderr."""
    return subprocess.run([sys.executable, "-m", "mailbot", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=timeout, env=environment(env))


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **(extra or {})}


def routing_yaml(folder: Path, *, mailboxes: dict[str, Any] | None = None,
                 sender: dict[str, Any] | None = None, **edits: Any) -> Path:
    """The shipped routing.yaml, its mailboxes and sender replaced as given."""
    data = yaml.safe_load((ROOT / "routing.yaml").read_text())
    if mailboxes is not None:
        data["mailboxes"] = mailboxes
    if sender is not None:
        data["sender"] = sender
    for section, values in edits.items():
        data[section].update(values)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "routing.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go: a connection is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, f"a raw traceback:\n{result.stderr[-3000:]}"
