from __future__ import annotations

import pytest

from mailbot.adapters.render import DEFAULT_TEMPLATES, Renderer
from mailbot.core.config import Config


@pytest.fixture(scope="module")
def renderer(config: Config) -> Renderer:
    """The real templates/ folder with the shipped routing.yaml."""
    return Renderer(DEFAULT_TEMPLATES, config)
