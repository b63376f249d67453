"""Issue 11, point 1: no internal words in anything a person reads.

Requirement ids (R-ABSENT, T-QA), role and step keys (`sm`, `sm_qa`), message kinds
(`approval_request`), form field keys (`form_a_sent`) and `key=value` dumps stay in
headers, logs and `explain`'s brackets; they never appear in an email's subject or
body, in `status` or in the demo's timeline. Checked on every message kind the
templates render (the gallery's samples) and on the real mail of a whole demo run."""

from __future__ import annotations

import email
import io
import re
from email.message import EmailMessage
from email.policy import default
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mailbot.adapters.render import Renderer
from mailbot.core.config import Config
from mailbot.demo import run_demo
from tests.render.samples import NOW, contexts, outgoing

RULE_ID = re.compile(r"(?<![\w-])(?:R|T)-[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w-])")
SNAKE = re.compile(r"(?<![\w./@+-])[a-z]+(?:_[a-z0-9]+)+(?![\w@-])")
KEY_VALUE = re.compile(r"(?<![\w/?&])[a-z_]+=[^\s]")
ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+|mailto:\S+|https?://\S+")


def internal_words(text: str, config: Config) -> list[str]:
    """Tokens a reader should not see: rule ids, keys with underscores, key=value,
    and the roles' and steps' keys as words of their own (`(sm)`, `ad_qa`)."""
    text = ADDRESS.sub(" ", text)
    found = RULE_ID.findall(text) + SNAKE.findall(text) + KEY_VALUE.findall(text)
    keys = {k for k in config.roles if len(k) > 1}
    found += [m for m in re.findall(r"\(([a-z_]+)\)", text) if m in keys]
    return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def readable(msg: EmailMessage) -> str:
    """What a person reads of a mail: the subject, the plain part, the HTML's text."""
    parts = [str(msg["Subject"])]
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    if plain is not None:
        parts.append(plain.get_content())
    if html is not None:
        parts.append(html_text(html.get_content()))
    return "\n".join(parts)


@pytest.mark.parametrize("purpose", sorted(contexts()))
def test_every_message_kind_reads_in_the_procedures_words(
        renderer: Renderer, config: Config, purpose: str) -> None:
    msg = email.message_from_bytes(renderer.render(outgoing(purpose), NOW).data, policy=default)
    assert isinstance(msg, EmailMessage)
    assert internal_words(readable(msg), config) == []


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    keep = tmp_path_factory.mktemp("demo") / "state"
    out = io.StringIO()
    assert run_demo(keep, out=out) == 0
    return out.getvalue(), keep


def test_the_demos_mail_reads_in_the_procedures_words(demo: tuple[str, Path],
                                                      config: Config) -> None:
    _, state = demo
    mails = sorted((state / "outbox").rglob("*.eml"))
    assert len(mails) > 100
    bad: dict[str, list[str]] = {}
    kinds = set()
    for path in mails:
        msg = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(msg, EmailMessage)
        kinds.add(str(msg["X-Mailbot-Purpose"]))
        found = internal_words(readable(msg), config)
        if found:
            bad[f"{msg['X-Mailbot-Purpose']} {path.name}"] = found
    assert len(kinds) >= 10
    assert not bad, f"internal words in {len(bad)} mails: {dict(list(bad.items())[:8])}"


def test_the_demo_timeline_and_status_read_in_the_procedures_words(
        demo: tuple[str, Path], config: Config) -> None:
    timeline, _ = demo
    assert "Open alerts now" in timeline and "=>" in timeline
    lines = [line for line in timeline.splitlines()
             if line.strip() and internal_words(line, config)]
    assert lines == [], f"{len(lines)} timeline lines with internal words: {lines[:10]}"


def test_the_detector_finds_what_it_is_for(config: Config) -> None:
    """The check above can fail: each kind of internal word is caught."""
    for text in ("why: R-CIC", "T-72H: the return interview", "waiting on sm_qa",
                 "Sue Manager (sm)", "clock=review", "an approval_request to Sue"):
        assert internal_words(text, config), text
    for text in ("Reply to alerts+t0k3n@kent.test", "Service Manager quality check",
                 "KA-2026-0042 (J.L.S.) is due Tue 17 Nov 2026 09:00 GMT", "C7, Dover"):
        assert internal_words(text, config) == [], text
