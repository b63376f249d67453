"""Fixtures for the clock tests: a state folder for the long simulation."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SHM = Path("/dev/shm")


@pytest.fixture
def year_dir(tmp_path: Path) -> Iterator[Path]:
    """A state folder in memory where the machine has one (/dev/shm), else tmp_path.

    The store and the file outbox fsync every write, as they must; on this
    test machine's disk that is about 3 ms a write, and a simulated year makes
    some 15,000 of them. The code under test is the same either way; what the
    disk costs is measured by bench/simulated_year.py."""
    if not (SHM.is_dir() and shutil.disk_usage(SHM).free > 512 * 2**20):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="mailbot-year-", dir=SHM))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
