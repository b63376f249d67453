"""Issue 14 §4: logs to stderr, and optionally a rotating file or syslog/journald, one
event per line (JSON optional), carrying references, never a child's name."""

from __future__ import annotations

import io
import json
import logging
import logging.handlers
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.cli import main
from mailbot.demo import run_demo
from mailbot.errors import ConfigError
from mailbot.service import logs
from tests.ops.support import PASSWORD_ENV, child_words, closed_port, config_file, imap_down

FORMS = Path(__file__).resolve().parents[2] / "examples" / "forms"


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test's handlers gone afterwards, and the levels as they were."""
    monkeypatch.setenv(PASSWORD_ENV, "not-used: nothing listens")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_a_whole_simulated_procedure_logged_at_debug_names_no_child(tmp_path: Path) -> None:
    """The demo (every example form, replies, a year of clocks) with the log at DEBUG
    into a file: no child's name and no Liberi number from the forms appears in it."""
    log_file = tmp_path / "mailbot.log"
    logs.configure(logging.DEBUG, log_file=log_file)
    assert run_demo(keep=tmp_path / "demo", out=io.StringIO()) == 0
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "KA-2026-0001" in text, "the log names the alerts by their reference"
    assert len(text.splitlines()) > 20, "the procedure was logged"
    words = child_words(sorted(FORMS.glob("*.eml")))
    assert len(words) >= 8
    found = [w for w in words if w in text]
    assert found == [], f"the log names a child: {found}"


def test_a_planted_name_would_be_caught(tmp_path: Path) -> None:
    """The check above can fail: a log line carrying a form's name is found."""
    log_file = tmp_path / "mailbot.log"
    logs.configure(logging.DEBUG, log_file=log_file)
    logging.getLogger("mailbot").debug("handled the form for Jordan Example")
    logging.getLogger().handlers[-1].flush()
    words = child_words([FORMS / "c8-child-in-care-missing.eml"])
    assert [w for w in words if w in log_file.read_text()] == ["Jordan", "Jordan Example"]


def test_one_event_is_one_line_even_with_a_traceback(tmp_path: Path) -> None:
    log_file = tmp_path / "mailbot.log"
    logs.configure(logging.INFO, log_file=log_file)
    log = logging.getLogger("mailbot")
    log.warning("first line\nsecond line")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("it broke")
    log.info("after")
    lines = log_file.read_text().splitlines()
    assert len(lines) == 3, lines
    assert lines[0].endswith("WARNING mailbot first line\\nsecond line")
    assert "it broke\\nTraceback (most recent call last):" in lines[1] and "boom" in lines[1]


def test_json_lines_carry_time_level_message_and_the_traceback(tmp_path: Path) -> None:
    log_file = tmp_path / "mailbot.jsonl"
    logs.configure(logging.INFO, log_file=log_file, log_format="json")
    log = logging.getLogger("mailbot")
    log.info("KA-2026-0001 raised (C8)")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.error("failed", exc_info=True)
    events = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [(e["level"], e["logger"], e["message"]) for e in events] == [
        ("INFO", "mailbot", "KA-2026-0001 raised (C8)"), ("ERROR", "mailbot", "failed")]
    assert "ValueError: bad\nvalue" in events[1]["exc"] and events[0]["time"].endswith("+00:00")


def test_the_file_rotates_by_size_or_is_reopened_for_logrotate(tmp_path: Path) -> None:
    handlers = logs.configure(logging.INFO, log_file=tmp_path / "a.log")
    assert isinstance(handlers[1], logging.handlers.RotatingFileHandler)
    assert handlers[1].maxBytes == logs.ROTATE_BYTES and handlers[1].backupCount == 5
    handlers = logs.configure(logging.INFO, log_file=tmp_path / "b.log", rotate="external")
    assert type(handlers[1]) is logging.handlers.WatchedFileHandler
    root = logging.getLogger()
    assert sum(1 for h in root.handlers if isinstance(h, logging.FileHandler)
               and str(tmp_path) in h.baseFilename) == 1, \
        "configuring again replaces the file handler rather than adding a second"
    logging.getLogger("mailbot").warning("before logrotate")
    (tmp_path / "b.log").rename(tmp_path / "b.log.1")
    logging.getLogger("mailbot").warning("after logrotate")
    assert "after logrotate" in (tmp_path / "b.log").read_text()


def test_syslog_goes_to_dev_log_when_there_is_one(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A datagram socket stands in for /dev/log: the event arrives on it, one line,
    as the daemon facility's error (<27>)."""
    path = tmp_path / "log.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(path))
    try:
        monkeypatch.setattr(logs, "DEV_LOG", path)
        logs.configure(logging.INFO, syslog=True)
        logging.getLogger("mailbot").error("mailbox miu\nunreachable")
        listener.settimeout(5)
        data = listener.recv(4096).decode()
        assert data.startswith("<27>mailbot[") and "ERROR mailbox miu\\nunreachable" in data
    finally:
        listener.close()
    monkeypatch.setattr(logs, "DEV_LOG", tmp_path / "absent")
    logs.configure(logging.INFO, syslog=True)
    assert "is not there (no syslog or journald on this machine)" in capsys.readouterr().err


def test_the_cli_logs_to_the_file_given_and_to_the_one_in_routing_yaml(tmp_path: Path) -> None:
    down = {"miu": imap_down(closed_port())}
    path = config_file(tmp_path / "a", lambda d: d["mailboxes"].update(down))
    given = tmp_path / "given.log"
    for state in ("s1", "s2"):   # installed bots: a first start with a mailbox down refuses
        Store.open(tmp_path / state).close()
    main(["--log-file", str(given), "once", "--init", "--config", str(path),
          "--state", str(tmp_path / "s1")])
    assert "WARNING mailbot mailbox miu unavailable, will retry" in given.read_text()

    configured = tmp_path / "from-yaml.jsonl"
    path = config_file(tmp_path / "b", lambda d: (d["mailboxes"].update(down), d[
        "operations"].update(log_file=str(configured), log_format="json")))
    main(["once", "--init", "--config", str(path), "--state", str(tmp_path / "s2")])
    events = [json.loads(line) for line in configured.read_text().splitlines()]
    assert any(e["level"] == "WARNING" and "mailbox miu unavailable" in e["message"]
               for e in events)


def test_a_log_file_that_cannot_be_opened_is_a_plain_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError) as caught:
        logs.configure(logging.INFO, log_file=tmp_path / "file" / "mailbot.log")
    assert "mailbot.log: cannot be opened for writing" in str(caught.value)
    assert main(["--log-file", str(tmp_path / "file" / "x.log"), "check-config"]) == 2


def test_other_libraries_stay_at_info_when_mailbot_logs_at_debug(tmp_path: Path) -> None:
    """An IMAP library's DEBUG is its protocol trace: the messages themselves."""
    log_file = tmp_path / "mailbot.log"
    logs.configure(logging.DEBUG, log_file=log_file)
    logging.getLogger("imapclient.protocol").debug("< * 1 FETCH (BODY[] {2048} Child's name")
    logging.getLogger("mailbot").debug("mailbot's own debug")
    text = log_file.read_text()
    assert "mailbot's own debug" in text and "FETCH" not in text
