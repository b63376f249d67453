"""What the operations tests share: a routing.yaml with one mailbox or the sender on a
closed loopback port, a bot on an injected clock over a real state folder, and the
outage mail the store's outbox recorded."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from mailbot.core.config import Config, load_config
from mailbot.ports import Store
from mailbot.records import OutboxEntry
from mailbot.service.bootstrap import bootstrap
from mailbot.service.service import Service
from mailbot.simulation import SimClock

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
PASSWORD_ENV = "MAILBOT_OPS_TEST_PASSWORD"


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then let go."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def imap_down(port: int) -> dict[str, Any]:
    return {"backend": "imap", "address": "miu@kent.test", "host": "127.0.0.1", "port": port,
            "username": "miu@kent.test", "password": f"env:{PASSWORD_ENV}",
            "security": "none", "timeout": 2}


def smtp_down(port: int) -> dict[str, Any]:
    return {"backend": "smtp", "host": "127.0.0.1", "port": port, "security": "none",
            "timeout": 2}


def config_file(folder: Path, edit: Callable[[dict[str, Any]], object] | None = None) -> Path:
    data = yaml.safe_load((ROOT / "routing.yaml").read_text())
    if edit is not None:
        edit(data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "routing.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def config(edit: Callable[[dict[str, Any]], object] | None = None) -> Config:
    data = yaml.safe_load((ROOT / "routing.yaml").read_text())
    if edit is not None:
        edit(data)
    return load_config(data)


class Bot:
    """The real service on `state`, its clock in the test's hand; restartable."""

    def __init__(self, state: Path, cfg: Config, at: datetime = START) -> None:
        self.state, self.clock = state, SimClock(at)
        self.service: Service = bootstrap(cfg, state, clock=self.clock)

    def once_at(self, later: timedelta) -> int:
        self.clock.t = self.clock.t + later
        return self.service.once()

    def restart(self, cfg: Config) -> None:
        self.close()
        self.service = bootstrap(cfg, self.state, clock=self.clock)

    def close(self) -> None:
        for mailbox in self.service.mailboxes.values():
            mailbox.close()
        self.service.store.close()

    @property
    def store(self) -> Store:
        return self.service.store

    def outage_mail(self, purpose: str) -> list[OutboxEntry]:
        """Every outbox entry of this purpose, sent or not, each id once."""
        found = {e.message_id: e for e in self.store.sent_log(START - timedelta(days=1))}
        found.update((e.message_id, e) for e in self.store.pending_outbox())
        return [e for e in found.values() if e.purpose == purpose]

    def sent_files(self, purpose: str) -> list[bytes]:
        """The .eml files the file sender wrote for this purpose."""
        folder = self.state / "outbox" / "new"
        files = [p.read_bytes() for p in sorted(folder.glob("*"))] if folder.is_dir() else []
        return [f for f in files if f"X-Mailbot-Purpose: {purpose}".encode() in f]


def child_words(forms: list[Path]) -> list[str]:
    """Each form's child's name (whole, and each part but the shared surname) and
    Liberi number: what must never reach a log or a notice that is no alert's."""
    words: set[str] = set()
    for form in forms:
        text = re.sub(r"<[^>]+>", " ", form.read_text(errors="replace"))
        for label in ("Child's name", "Liberi ID"):
            found = re.search(rf"{label}\s*:?\s*([^\r\n]+)", text)
            if found:
                value = found.group(1).strip()
                words.add(value)
                words.update(p for p in value.split() if p != "Example")
    return sorted(w for w in words if w)
