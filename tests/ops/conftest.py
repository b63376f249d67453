"""Running mailbot as an administrator would: real processes, real state folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORM = (ROOT / "examples" / "forms" / "c8-child-in-care-missing.eml").read_bytes()


def mailbot(*args: str, umask: int = 0o022, python_path: str | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`mailbot ARGS` in a process of its own, under a permissive umask (022, the usual
    default), so a test cannot pass only because the runner's umask is strict."""
    paths = [p for p in (python_path, str(ROOT), os.environ.get("PYTHONPATH")) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    code = (f"import os, sys; os.umask({umask:#o}); from mailbot.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def loose_paths(folder: Path) -> list[str]:
    """Every path under `folder` (itself included) that is not a 0700 folder or 0600 file."""
    found = []
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode & 0o777
        wanted = 0o700 if path.is_dir() else 0o600
        if mode != wanted:
            found.append(f"{path.relative_to(folder.parent)} {mode:o}")
    return found
