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


# -- issue 9: no import cycles, and a layout a newcomer can read ------------------

PACKAGE = CORE.parent


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(path: Path, known: set[str]) -> set[str]:
    """Every mailbot module `path` imports, at any depth of the file (a deferred import
    inside a function counts: hiding a cycle there is still a cycle)."""
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("mailbot"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mailbot"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    files = sorted(root.rglob("*.py"))
    known = {_module_name(f, root) for f in files}
    return {_module_name(f, root): _imports_of(f, known) for f in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_mailbot_modules() -> None:
    graph = import_graph()
    assert len(graph) > 50
    assert cycles(graph) == [], "import cycles (a module reaches itself):\n" + "\n".join(
        " -> ".join(c) for c in cycles(graph))


def test_the_cycle_check_catches_a_deferred_import(tmp_path: Path) -> None:
    pkg = tmp_path / "mailbot"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from mailbot import b\n")
    (pkg / "b.py").write_text("def f():\n    from mailbot import a  # deferred, hides the cycle\n")
    (pkg / "c.py").write_text("from mailbot.a import thing\n")
    assert cycles(import_graph(pkg)) == [["mailbot.a", "mailbot.b"]]


# A newcomer's questions, each answered by a path (issue 9). The README's layout
# table names the same places.
WHERE = {
    "where are national alerts renewed": ("mailbot/core/national/renewal.py", "def reissued"),
    "where is a reminder scheduled": ("mailbot/core/clocks/reminders.py", "def nudge"),
    "when does a reminder fall due": ("mailbot/core/clocks/due.py", "def earliest"),
    "where is a reply's sender checked": ("mailbot/core/authority/policy.py", "def judge"),
    "which step a reply answers": ("mailbot/core/authority/sender_check.py", "def find_wait"),
    "where is a form read": ("mailbot/core/intake/mail/read.py", "def read_message"),
    "where is a form checked": ("mailbot/core/intake/form/validate.py", "def validate_form"),
    "where is the three-week gate": ("mailbot/core/national/gate.py", "def national_gate"),
    "where is the return interview clock": ("mailbot/core/clocks/return_interview.py", "def start"),
    "where is the week of the digest": ("mailbot/core/clocks/calendar.py", "def digest_week"),
    "where is working time counted": ("mailbot/core/clocks/business_time.py", "def add_working_time"),
    "where is a UK date read": ("mailbot/core/dates.py", "def parse_date"),
    "where is the 12-month purge of the register": ("mailbot/core/register/purge.py", "def purge_due"),
}


def test_a_newcomer_finds_each_concept_by_its_path() -> None:
    root = PACKAGE.parent
    readme = (root / "README.md").read_text()
    for question, (path, definition) in WHERE.items():
        text = (root / path).read_text()
        assert definition in text, f"{question}: {path} should hold `{definition}`"
        folder = str(Path(path).parent.relative_to("mailbot")) + "/"
        assert f"`{folder}" in readme or f"`{path.removeprefix('mailbot/')}`" in readme, \
            f"{question}: the README's layout table should name {folder}"


def test_core_modules_stay_readable() -> None:
    """Modules mostly 50-250 lines (STYLE.md); none of the core's over 300."""
    long = {str(f.relative_to(PACKAGE.parent)): n for f in sorted(CORE.rglob("*.py"))
            if (n := len(f.read_text().splitlines())) > 300}
    assert long == {}, f"core modules over 300 lines: {long}"


# -- issue 9: the shell depends on ports only -------------------------------------------

SERVICE = PACKAGE / "service"
COMPOSITION_ROOT = SERVICE / "bootstrap.py"


def _adapter_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        found += [f"{path.name}:{node.lineno} imports {n}" for n in names
                  if n.startswith("mailbot.adapters")]
    return found


def _function_level_imports(path: Path) -> list[str]:
    """Imports inside a function or method. One may stay where its line says why
    with a `# heavy:` comment (a large optional library loaded only when needed)."""
    text = path.read_text()
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text, str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import | ast.ImportFrom) and \
                    "# heavy:" not in lines[inner.lineno - 1]:
                found.append(f"{path.parent.name}/{path.name}:{inner.lineno} "
                             f"{ast.unparse(inner)} (in {node.name})")
    return sorted(set(found))


def test_the_shell_imports_no_adapter_but_in_the_composition_root() -> None:
    files = [f for f in sorted(SERVICE.rglob("*.py")) if f != COMPOSITION_ROOT]
    assert len(files) >= 4
    problems = [v for f in files for v in _adapter_imports(f)]
    assert problems == [], ("the shell reaches past its ports (only bootstrap.py builds "
                            "adapters):\n" + "\n".join(problems))


def test_the_core_and_the_shell_import_at_the_top_of_the_module() -> None:
    files = sorted(CORE.rglob("*.py")) + sorted(SERVICE.rglob("*.py"))
    problems = [v for f in files for v in _function_level_imports(f)]
    assert problems == [], ("imports inside functions (hiding a dependency or a cycle); "
                            "move them to the top, or say `# heavy: why`:\n" + "\n".join(problems))


def test_the_shell_checks_catch_what_they_claim(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from mailbot.adapters.store import Store\nimport mailbot.adapters.smtp\n"
                   "def f():\n    import json\n    import docx  # heavy: Word files only\n"
                   "    from mailbot.adapters import x\n")
    assert len(_adapter_imports(bad)) == 3
    assert [f.split(" ", 1)[1] for f in _function_level_imports(bad)] == [
        "import json (in f)", "from mailbot.adapters import x (in f)"]


def test_the_ports_name_what_the_store_takes_and_gives() -> None:
    """No `Any` in the ports: the records the store takes and gives are typed."""
    tree = ast.parse((PACKAGE / "ports.py").read_text())
    anys = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "Any"]
    assert anys == [], f"mailbot/ports.py uses Any on lines {anys}"
