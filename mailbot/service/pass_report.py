"""What a pass leaves to say (issue 14 §1): the exit code of `once`, the lines on
stderr that go with it, and the banner `run` starts with.

A mailbox that could not be read does not stop the others or the clock; the pass
does all it can, and then says which mailbox, so that cron or Task Scheduler
sees a non-zero exit. Mail the sender would not take stays in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailbot.core.config import Config
from mailbot.core.config.checks.mail import DEFAULT_MAILBOX, DEFAULT_SENDER
from mailbot.errors import ExitCode
from mailbot.records import OutboxEntry
from mailbot.service.service import Service


def once_outcome(service: Service) -> tuple[ExitCode, list[str]]:
    """The exit code after `service.once()`, and a line for each trouble."""
    code, lines = ExitCode.OK, []
    for name, why in service.unreachable.items():
        code = ExitCode.MAILBOX_UNREACHABLE
        lines.append(f"mailbox {name} could not be read ({why}); its mail waits on the "
                     "server, the other mailboxes and the clock were done, and it is read "
                     "again at the next run")
    stuck = [e for e in service.store.pending_outbox() if e.attempts > 0]
    if service.send_failed or stuck:
        code = code or ExitCode.SENDER_UNREACHABLE
        later = _next_try(stuck, service.clock.now())
        if service.send_failed:
            lines.append(f"the sender did not take the mail ({service.send_failed}); "
                         f"{len(stuck)} message(s) wait in the outbox and are tried again "
                         f"{later}: nothing is lost")
        else:
            # Not tried in this pass: each waits out the pause after its failed send
            # (service.retry_backoff). Saying the sender refused again would be untrue.
            lines.append(f"{len(stuck)} message(s) wait in the outbox, not tried in this run: "
                         f"the last try failed ({stuck[0].last_error}); they are tried again "
                         f"{later}: nothing is lost")
    return code, lines


def _next_try(stuck: list[OutboxEntry], now: datetime) -> str:
    """When the waiting mail is next tried: the next run, or the first run after the
    earliest pause ends (a pause grows with each failed try)."""
    pauses = [e.retry_at for e in stuck if e.retry_at is not None and e.retry_at > now]
    if not pauses or len(pauses) < len(stuck):
        return "at the next run"
    return f"at the first run after {min(pauses).astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def watching(config: Config, state_dir: Path, tick: float) -> tuple[str, list[str]]:
    """What `run` watches: one banner line, and a line for each part (for the log)."""
    parts = [f"mailbox {name}: {where(spec, DEFAULT_MAILBOX, state_dir / 'mail' / name, state_dir)}"
             for name, spec in config.mailboxes.items()]
    parts.append(f"sender: {where(config.sender, DEFAULT_SENDER, state_dir / 'outbox', state_dir)}")
    parts.append(f"state folder: {state_dir.resolve()}")
    parts.append(f"clock tick: every {tick:g} s")
    return "mailbot run: " + "; ".join(parts), parts


def where(spec: Mapping[str, Any], default: str, default_path: Path, state_dir: Path) -> str:
    """A mailbox's or the sender's backend and place, without a secret."""
    backend = str(spec.get("backend", default))
    if backend in ("maildir", "file"):
        path = state_dir / spec["path"] if "path" in spec else default_path
        return f"{backend} {path}"
    if backend == "imap":
        return (f"imap {spec.get('username')}@{spec.get('host')}:{spec.get('port')} "
                f"folder {spec.get('folder', 'INBOX')}")
    if backend == "smtp":
        return f"smtp {spec.get('host')}:{spec.get('port')}"
    folder = " folder Inbox" if default == DEFAULT_MAILBOX else ""
    return f"{backend} {spec.get('address')}{folder}"
