"""read_message never raises, whatever the bytes (hypothesis), and the core stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.core.config import Config
from mailbot.core.intake.form.html_form import html_blocks
from mailbot.core.intake.mail.read import read_message
from mailbot.core.values.mail import Incoming

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.eml"))
SEEDS = [p.read_bytes() for p in GOLDEN if p.stat().st_size < 20_000]
READING = Path(__file__).resolve().parents[2] / "mailbot" / "core" / "reading"
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_read_as_some_kind(config: Config, data: bytes) -> None:
    got = read_message(data, config)
    assert isinstance(got, Incoming)
    assert "unreadable" not in got.why     # handled by the reader, not its last-resort catch


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A golden message with a few bytes replaced, inserted or cut out."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "cut"]))
        chunk = draw(st.binary(min_size=1, max_size=12) | st.sampled_from(
            [b"\r\n", b"--", b"=?utf-8?b?", b"<", b"\xff", b":", b"\r\n\r\n", b";"]))
        if action == "insert":
            data[at:at] = chunk
        elif action == "replace":
            data[at: at + len(chunk)] = chunk
        else:
            del data[at: at + len(chunk)]
    return bytes(data)


@SETTINGS
@given(data=mutated())
def test_mutated_golden_messages_read_as_some_kind(config: Config, data: bytes) -> None:
    got = read_message(data, config)
    assert isinstance(got, Incoming) and got.why and "unreadable" not in got.why


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from("<>/=\"' abtdrpl&;#x0\n:☒"), max_size=300))
def test_any_markup_parses_to_blocks(text: str) -> None:
    assert isinstance(html_blocks(text), list)


FORBIDDEN = {"imaplib", "smtplib", "socket", "tinydb", "requests", "httpx", "msal", "exchangelib",
             "subprocess", "imapclient", "urllib", "os", "pathlib", "time", "random", "logging"}
HEAVY = {"docx", "matplotlib", "exchangelib", "msal"}


def test_reading_is_pure_and_imports_heavy_libraries_lazily() -> None:
    for path in sorted(READING.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                for name in names:
                    top = name.split(".")[0]
                    assert top not in FORBIDDEN, f"{path.name} imports {name}"
                    assert not name.startswith(("mailbot.adapters", "mailbot.service")), path.name
        for node in tree.body:   # module level: no heavy import
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                assert not {n.split(".")[0] for n in names} & HEAVY, f"{path.name} imports {names}"
