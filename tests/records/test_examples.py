"""The committed examples under docs/records/ are what the code makes today from the
demo's data. When this fails, look at the difference and, if it is intended, run
`.venv/bin/python docs/records/regenerate.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "records"
REGENERATE = "run .venv/bin/python docs/records/regenerate.py if the change is intended"
FILES = ("KA-2026-0001.html", "KA-2026-0002.html", "find-4410293.txt", "find-4410293.html",
         "explain-KA-2026-0001.txt")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The script in a process of its own, as it is run by hand (see its docstring)."""
    out = tmp_path_factory.mktemp("records-examples")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, str(DOCS / "regenerate.py"), "--out", str(out)],
                   check=True, env=env, capture_output=True, timeout=300)
    return out


@pytest.mark.parametrize("name", FILES)
def test_the_committed_example_is_what_the_code_makes(made: Path, name: str) -> None:
    assert (made / name).read_text() == (DOCS / name).read_text(), \
        f"docs/records/{name} differs from what the code makes: {REGENERATE}"


def test_the_examples_show_the_record_the_listing_and_the_access_log() -> None:
    record = (DOCS / "KA-2026-0001.html").read_text()
    assert "1. The form as received" in record and "3. Every clock" in record
    assert "Generated at Sat 20 Nov 2027 12:00 GMT by\nrecords.officer" in record
    assert "KA-2026-0001" in (DOCS / "find-4410293.txt").read_text()
    assert "record exported by records.officer" in (DOCS / "explain-KA-2026-0001.txt").read_text()
