"""Where the log goes: stderr always; a log file and the system log if asked (issue 14).

One event per line in every output: a message or traceback with newlines in it
is folded onto its line (`\\n`), so `grep`, `tail -f` and a log shipper each see
one event as one line. `json` writes each event as one JSON object (time,
level, logger, message, and the traceback if any), by the standard library's
`json`: no dependency for so little (docs/decisions.md).

The log carries alert references, mailbox names and counts, never a child's
name: the core's notes are written that way, and tests/ops/test_logs.py runs a
whole procedure at DEBUG and looks for the forms' names and Liberi numbers.
At DEBUG, other libraries (`QUIET`) are still held at INFO, because their DEBUG
output (an IMAP library's protocol trace) would carry the messages themselves.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from mailbot.core.config.operations import Operations
from mailbot.errors import ConfigError

Format = Literal["text", "json"]
TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"
SYSLOG_TEXT = "mailbot[%(process)d]: %(levelname)s %(message)s"
DEV_LOG = Path("/dev/log")
ROTATE_BYTES = 10 * 2**20
ROTATE_KEEP = 5
# libraries whose DEBUG output carries mail (protocol traces, request bodies)
QUIET = ("imapclient", "exchangelib", "urllib3", "requests", "requests_oauthlib", "msal",
         "httpx", "httpcore", "asyncio", "charset_normalizer", "PIL", "matplotlib")
# the handlers this module added, so configuring twice replaces rather than doubles them
_MARK = "_mailbot_handler"


class OneLineFormatter(logging.Formatter):
    """The usual text, with every newline in the message or traceback escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return _one_line(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, exc."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "pid": record.process}
        if record.exc_info:
            event["exc"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def formatter(kind: Format, *, syslog: bool = False) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter()
    return OneLineFormatter(SYSLOG_TEXT if syslog else TEXT)


def configure(level: int = logging.WARNING, *, log_file: str | Path | None = None,
              log_format: Format = "text", rotate: Literal["size", "external"] = "size",
              syslog: bool = False) -> list[logging.Handler]:
    """Send the log to stderr, and to `log_file` and the system log when given.
    Replaces what an earlier call set up (the CLI calls it again once routing.yaml's
    `operations:` is read). Raises ConfigError when the log file cannot be opened."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
        old.close()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        handlers.append(_file_handler(Path(log_file), rotate))
    if syslog:
        handler = _syslog_handler()
        if handler is not None:
            handlers.append(handler)
    for handler in handlers:
        handler.setFormatter(formatter(log_format, syslog=isinstance(
            handler, logging.handlers.SysLogHandler)))
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    if level < logging.INFO:   # other libraries: never below INFO (the module's docstring)
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.INFO)
    if syslog and len(handlers) == 1 + (log_file is not None):
        logging.getLogger("mailbot").warning(
            "syslog: %s is not there (no syslog or journald on this machine); "
            "logging to stderr%s only", DEV_LOG, " and the log file" if log_file else "")
    return handlers


def configure_from(ops: Operations, level: int, *, log_file: str | None = None,
                   log_format: Format | None = None, syslog: bool = False
                   ) -> list[logging.Handler]:
    """`configure` with routing.yaml's `operations:` filling what the command line left
    out (the command line wins). A relative `log_file` is from the current folder."""
    return configure(level, log_file=log_file or ops.log_file,
                     log_format=log_format or ops.log_format,
                     rotate=ops.log_rotate, syslog=syslog or ops.syslog)


def _file_handler(path: Path, rotate: Literal["size", "external"]) -> logging.Handler:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if rotate == "external":   # logrotate moves the file; reopened when it does
            return logging.handlers.WatchedFileHandler(path, encoding="utf-8")
        return logging.handlers.RotatingFileHandler(path, maxBytes=ROTATE_BYTES,
                                                    backupCount=ROTATE_KEEP, encoding="utf-8")
    except OSError as exc:
        raise ConfigError("log file", [f"{path}: cannot be opened for writing "
                                       f"({exc.strerror or exc}); give a path in a folder "
                                       "the bot's user may write to (--log-file or "
                                       "operations.log_file)"]) from None


def _syslog_handler() -> logging.Handler | None:
    """The system log's socket (syslog, or journald's /dev/log); None when absent."""
    if not DEV_LOG.exists():
        return None
    try:
        return logging.handlers.SysLogHandler(
            address=str(DEV_LOG), facility=logging.handlers.SysLogHandler.LOG_DAEMON)
    except OSError:
        return None
