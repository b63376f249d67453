"""The real Dovecot + Postfix stack, started once per test session.

Where the servers are not installed the fixture first tries
scripts/install-mailstack; only if that cannot install them do the tests
skip, and under CI (CI=true) they fail instead, so a CI run can never pass
without having exercised the real protocols.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.support.mailstack import INSTALL_SCRIPT, MailStack, unavailable_reason


def _install() -> str | None:
    """None once the stack can run, else why not."""
    if (reason := unavailable_reason()) is None:
        return None
    if os.geteuid() == 0:
        done = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            return f"{reason}; scripts/install-mailstack: {done.stderr.strip()[-300:]}"
    return unavailable_reason()


def _started() -> MailStack:
    """A stack of its own (its own folder and ports), started; skips (fails under CI)
    where the servers cannot run."""
    reason = _install()
    if reason is not None:
        message = f"real mail stack unavailable: {reason}"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(message + " (CI must run these tests)", pytrace=False)
        pytest.skip(message)
    stack = MailStack()
    try:
        stack.start()
    except Exception:
        stack.stop(keep=True)
        raise
    return stack


@pytest.fixture(scope="session")
def mailstack() -> Iterator[MailStack]:
    stack = _started()
    print(f"\nmail stack started in {stack.started_in:.2f} s ({stack.dir})")
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def private_mailstack() -> Iterator[MailStack]:
    """A second Dovecot + Postfix for one module, on other ports: a test may stop and
    start its servers (tests/mailstack/test_outage.py) without touching the shared one."""
    stack = _started()
    yield stack
    stack.stop()
