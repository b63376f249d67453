"""These tests drive the pure core on plain values (STYLE.md): they import nothing of the
shell (service, adapters, simulation, CLI), so the store, templates and mail transports
cannot make them pass, fail or slow down."""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHELL = ("mailbot.adapters", "mailbot.service", "mailbot.simulation", "mailbot.cli",
         "mailbot.demo", "mailbot.ports", "tests.workflow", "tests.clock", "tests.support")


def test_the_core_tests_import_only_the_core() -> None:
    found = []
    for path in sorted(HERE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            found += [f"{path.name}:{node.lineno} imports {n}" for n in names if n.startswith(SHELL)]
    assert found == [], "tests/core must not reach the shell:\n" + "\n".join(found)
