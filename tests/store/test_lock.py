"""Only one bot process works on a state folder at a time."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from mailbot.adapters.store import Store
from mailbot.errors import StoreLocked

from .conftest import expect_line, start_python

HOLD_THE_STORE = """
import sys
from pathlib import Path
from mailbot.adapters.store import Store
store = Store.open(Path(sys.argv[1]))
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_second_open_while_the_first_is_open_is_refused(folder: Path) -> None:
    with Store.open(folder), pytest.raises(StoreLocked, match=str(folder)):
        Store.open(folder)


def test_close_releases_the_lock(folder: Path) -> None:
    Store.open(folder).close()
    with Store.open(folder) as again:
        assert again.stats()["open_alerts"] == 0


def test_another_process_holding_the_folder_is_named_by_pid_and_its_death_frees_it(
    folder: Path,
) -> None:
    Store.open(folder).close()
    child = start_python(HOLD_THE_STORE, str(folder))
    try:
        expect_line(child, "holding")
        with pytest.raises(StoreLocked) as refused:
            Store.open(folder)
        assert f"PID {child.pid}" in str(refused.value)
        assert str(folder) in str(refused.value)
    finally:
        child.send_signal(signal.SIGKILL)     # dies without closing: the kernel drops the lock
        child.wait()
    with Store.open(folder) as store:
        assert store.stats()["open_alerts"] == 0
