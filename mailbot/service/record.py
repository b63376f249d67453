"""The mailboxes as the record, read back for `mailbot rebuild`: the sent copies by
Message-ID, the reply tokens they carry, and the configured mailboxes and sender opened
for reading only (nothing moved, flagged or sent; no folder made)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from mailbot.core import ids
from mailbot.core.config import Config
from mailbot.errors import ConfigError
from mailbot.ports import ArchivedMessage, FiledMail, SentCopies
from mailbot.service.bootstrap import NoCursors, build_mailbox, build_sender

_HEX20 = re.compile(r"[0-9a-f]{20}")


@dataclass(frozen=True)
class Copy:
    message_id: str
    at: datetime          # the Date the bot wrote (its clock when it made the mail)
    raw: bytes




_INSTALLATION = re.compile(r"[0-9a-f]{8}")


def sent_copies(messages: Iterable[ArchivedMessage]) -> dict[str, Copy]:
    """Message-ID -> its sent copy (the first, where a copy was filed twice)."""
    parser = BytesHeaderParser()
    found: dict[str, Copy] = {}
    for message in messages:
        head = parser.parsebytes(message.raw)
        mid = str(head.get("Message-ID", "")).strip().strip("<>")
        if not mid or mid in found:
            continue
        at = message.at
        try:
            dated = parsedate_to_datetime(str(head.get("Date", "")))
            if dated.tzinfo is not None:
                at = dated
        except (TypeError, ValueError):
            pass
        found[mid] = Copy(mid, at.astimezone(UTC), message.raw)
    return found


def installation_of(message_ids: Iterable[str]) -> str:
    """The installation part the bot's Message-IDs carry (core/ids.py): the last label
    of every id's local part, when one 8-hex value ends nearly all of them; "" for a
    store made before ids had one (their last labels vary)."""
    ends = Counter(mid.split("@", 1)[0].rsplit(".", 1)[-1] for mid in message_ids)
    if not ends:
        return ""
    value, count = ends.most_common(1)[0]
    return value if _INSTALLATION.fullmatch(value) and count >= 0.9 * sum(ends.values()) else ""


def known_tokens(message_ids: Iterable[str]) -> dict[tuple[str, str, int], str]:
    """(ref, wait id, attempt) -> token, from the Message-IDs of requests already sent:
    `ref.wait.attempt.token[.x]@` for a step (core/ids.py), `task.attempt.token[.cN]@`
    for an MIU desk task (core/miu/tasks.py, whose token is keyed (task, "desk", 1))."""
    tokens: dict[tuple[str, str, int], str] = {}
    for mid in message_ids:
        step = ids.parse_request_id(mid)
        if step is not None:
            tokens.setdefault((step.ref, step.wait_id, step.attempt), step.token)
            continue
        parts = mid.split("@", 1)[0].split(".")
        for i in range(2, len(parts)):
            if _HEX20.fullmatch(parts[i]) and parts[i - 1].isdigit():
                tokens.setdefault((".".join(parts[:i - 1]), "desk", 1), parts[i])
                break
    return tokens


def open_sources(config: Config, mail_root: Path) -> tuple[dict[str, FiledMail], SentCopies]:
    """The configured mailboxes and sender, for reading back only. `mail_root` is the
    folder routing.yaml's relative paths were resolved from (the old state folder)."""
    mailboxes: dict[str, FiledMail] = {}
    for name, spec in config.mailboxes.items():
        backend = spec.get("backend", "maildir")
        if backend not in ("maildir", "imap"):
            raise ConfigError("routing.yaml", [
                f"mailboxes.{name}.backend: mailbot rebuild reads Maildir and IMAP mailboxes; "
                f"{backend} is not supported yet (restore from a backup instead)"])
        if backend == "maildir":
            _must_exist(mail_root / str(spec.get("path", f"mail/{name}")),
                        f"mailboxes.{name}.path", mail_root)
        mailboxes[name] = build_mailbox(name, spec, mail_root, NoCursors())  # type: ignore[assignment]
    backend = config.sender.get("backend", "file")
    if backend not in ("file", "smtp"):
        raise ConfigError("routing.yaml", [
            "sender.backend: mailbot rebuild reads the file outbox or the SMTP sender's sent "
            f"copies; {backend} is not supported yet"])
    if backend == "file":
        _must_exist(mail_root / str(config.sender.get("path", "outbox")), "sender.path",
                    mail_root)
    return mailboxes, build_sender(config.sender, mail_root)  # type: ignore[return-value]


def _must_exist(folder: Path, key: str, mail_root: Path) -> None:
    """Reading back must not make an empty Maildir where a mistyped path points."""
    if not folder.is_dir():
        raise ConfigError("routing.yaml", [
            f"{key}: {folder} does not exist (relative paths are found from --mail-root "
            f"{mail_root}: give the old state folder)"])

