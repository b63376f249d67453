"""The shape STYLE.md asks for: a pure core that imports no adapter and does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "mailbot" / "core"
FORBIDDEN_MODULES = {
    "os", "socket", "ssl", "pathlib", "shutil", "subprocess", "tempfile", "time", "random",
    "secrets", "logging", "threading", "imaplib", "smtplib", "poplib", "http", "urllib", "mailbox",
    "tinydb", "requests", "httpx", "msal", "exchangelib", "imapclient", "schedule", "jinja2",
    "matplotlib", "sqlite3", "fcntl", "yaml",
}
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval", "__import__"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in FORBIDDEN_MODULES or name.startswith(("mailbot.adapters", "mailbot.service",
                                                             "mailbot.cli", "mailbot.demo",
                                                             "mailbot.simulation")):
                found.append(f"{path.name}:{node.lineno} imports {name}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in FORBIDDEN_CALLS:
            found.append(f"{path.name}:{node.lineno} calls {node.func.id}()")
        if isinstance(node, ast.Attribute) and node.attr in ("now", "utcnow", "today") and \
                isinstance(node.value, ast.Name) and node.value.id in ("datetime", "date"):
            found.append(f"{path.name}:{node.lineno} reads the clock ({node.value.id}.{node.attr})")
    return found


def test_core_imports_no_adapter_and_does_no_io() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    problems = [v for f in files for v in _violations(f)]
    assert problems == [], "the core must stay pure:\n" + "\n".join(problems)


def test_the_purity_check_catches_what_it_claims(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import socket\nfrom mailbot.adapters.store import Store\n"
                   "from datetime import datetime\nx = datetime.now()\nopen('f')\n")
    assert len(_violations(bad)) == 4
