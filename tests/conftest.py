"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mailbot.core.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def config() -> Config:
    """The shipped routing.yaml: the example county."""
    return load_config(yaml.safe_load((ROOT / "routing.yaml").read_text()), "routing.yaml")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the project; tests that read it skip where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the project (samples and corpus live there)")
    return SHARED
