"""The state folder's lock works on Windows as on Linux: nothing POSIX-only on start-up.

Windows itself cannot be run here. What is shown instead: the lock is the
cross-platform filelock library's; no module of mailbot imports a POSIX-only
module or calls a POSIX-only function outside adapters/store/portable.py; and
`once` and `status` run in a Python from which fcntl, termios and the POSIX-only
os functions have been taken away, as they are absent on Windows.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.adapters.maildir import MaildirMailbox
from mailbot.adapters.store import Store
from mailbot.adapters.store.lock import LOCK_NAME
from mailbot.cli import main
from mailbot.errors import StoreError

from .conftest import FORM, ROOT, mailbot

POSIX_ONLY_MODULES = {"fcntl", "termios", "pwd", "grp", "resource", "posix", "tty", "pty"}
POSIX_ONLY_OS = {"pread", "pwrite", "O_DIRECTORY", "sync", "fchmod", "fchown", "getuid",
                 "geteuid", "setsid", "fork", "O_NOFOLLOW", "statvfs", "mkfifo"}
PORTABLE = ROOT / "mailbot" / "adapters" / "store" / "portable.py"

# what a Windows Python lacks, taken away before anything else is imported
LIKE_WINDOWS = """
import os, sys
for name in ("fcntl", "termios", "resource", "tty", "pty"):
    sys.modules[name] = None        # `import fcntl` now raises ImportError
for name in ("pread", "pwrite", "O_DIRECTORY", "sync"):
    if hasattr(os, name):
        delattr(os, name)
"""


def test_no_mailbot_module_imports_a_posix_only_module_or_calls_posix_only_os() -> None:
    found = []
    for path in sorted((ROOT / "mailbot").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}"
                      for n in names if n in POSIX_ONLY_MODULES]
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "os" and node.attr in POSIX_ONLY_OS and path != PORTABLE):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} uses os.{node.attr}")
    assert found == [], "POSIX-only calls would stop mailbot on Windows:\n" + "\n".join(found)


def test_once_and_status_run_where_fcntl_and_posix_only_os_calls_are_missing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(LIKE_WINDOWS)
    state = tmp_path / "state"
    MaildirMailbox("unit", state / "mail" / "unit").deliver(FORM)

    once = mailbot("once", "--init", "--state", str(state), python_path=str(site))
    assert once.returncode == 0, once.stderr
    assert "handled 1 message(s)" in once.stdout
    status = mailbot("status", "--state", str(state), python_path=str(site))
    assert status.returncode == 0, status.stderr
    assert "KA-" in status.stdout and "Traceback" not in status.stderr

    # and the Python those ran in really lacked them (the sitecustomize was in force)
    check = ("import os, sys; import mailbot.cli, mailbot.adapters.store.store; "
             "sys.exit(0 if sys.modules['fcntl'] is None and not hasattr(os, 'pread') else 3)")
    ran = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])},
                         check=False)
    assert ran.returncode == 0, "the Windows-like Python still had fcntl or os.pread: " + ran.stderr


def test_status_answers_while_another_process_holds_the_folder_and_explain_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`status` reads what was last committed without the lock (the bot holds it as long
    as it runs); `explain`, which opens the store, is refused as before."""
    state = tmp_path / "state"
    with Store.open(state):
        assert main(["status", "--state", str(state)]) == 0
        assert "No open alerts." in capsys.readouterr().out
        assert main(["explain", "KA-2026-0001", "--state", str(state)]) == 5   # ExitCode.STORE
    err = capsys.readouterr().err
    assert "in use by another mailbot process" in err and str(state) in err


def test_a_lock_path_that_is_a_folder_is_refused_in_plain_words(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / LOCK_NAME).mkdir(parents=True)
    with pytest.raises(StoreError, match=r"lock is a folder, where mailbot keeps a file"):
        Store.open(state)


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Store.open(state):
        assert (state / LOCK_NAME).stat().st_mode & 0o777 == 0o600
