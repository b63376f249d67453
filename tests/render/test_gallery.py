"""Issue 11 §10: the gallery (docs/mail/) shows every message kind as the templates
render it today, and the HTML holds up in Outlook.

When the first test fails, look at the difference and, if it is intended, run
`.venv/bin/python docs/mail/regenerate.py` (it needs Debian's chromium for the
pictures) and look at the pictures before committing them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "docs" / "mail"
REGENERATE = "run .venv/bin/python docs/mail/regenerate.py if the change is intended"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mail_gallery", GALLERY / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    rendered: dict[str, str] = _module().render_html()
    return rendered


def test_the_gallery_has_every_kind_and_matches_the_templates(pages: dict[str, str]) -> None:
    templates = sorted(p.name.removesuffix(".html.j2") for p in (ROOT / "templates").glob("*.html.j2")
                       if not p.name.startswith("_"))
    assert sorted(pages) == templates, "every message kind has a sample in the gallery"
    for kind, html in pages.items():
        committed = GALLERY / f"{kind}.html"
        assert committed.exists(), f"docs/mail/{kind}.html is missing: {REGENERATE}"
        assert committed.read_text() == html, f"docs/mail/{kind}.html is stale: {REGENERATE}"
        assert (GALLERY / f"{kind}.png").exists(), f"docs/mail/{kind}.png is missing: {REGENERATE}"
    dark = [kind for kind in _module().DARK if not (GALLERY / f"{kind}-dark.png").exists()]
    assert not dark, f"the dark-mode pictures of {dark} are missing: {REGENERATE}"


def test_the_readme_links_the_gallery_and_the_gallery_names_every_kind(
        pages: dict[str, str]) -> None:
    assert "docs/mail/" in (ROOT / "README.md").read_text()
    index = (GALLERY / "README.md").read_text()
    missing = [kind for kind in pages if f"({kind}.png)" not in index]
    assert not missing, f"docs/mail/README.md does not show {missing}"


# What Outlook for Windows (Word's HTML engine) drops or breaks, and what dark mode needs.
OUTLOOK_BREAKS = {
    "an external image or stylesheet": re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I),
    "a <style> or <link> element (Outlook and Gmail drop them)": re.compile(r"<(?:style|link)\b", re.I),
    "CSS flex or grid layout (ignored by Outlook)": re.compile(r"display\s*:\s*(?:flex|grid)", re.I),
    "CSS positioning (ignored by Outlook)": re.compile(r"position\s*:\s*(?:absolute|fixed|relative)", re.I),
    "a background image (dropped by Outlook)": re.compile(r"background(?:-image)?\s*:\s*url\(", re.I),
    "a script": re.compile(r"<script\b", re.I),
}


@pytest.mark.parametrize("problem", sorted(OUTLOOK_BREAKS))
def test_the_html_holds_up_in_outlook(pages: dict[str, str], problem: str) -> None:
    found = [kind for kind, html in pages.items() if OUTLOOK_BREAKS[problem].search(html)]
    assert not found, f"{problem} in {found}"


def test_the_layout_is_a_table_of_fixed_width_and_dark_mode_is_declared(
        pages: dict[str, str]) -> None:
    """Outlook ignores max-width on a div: the page is a presentation table 680 wide.
    `color-scheme` tells Apple Mail and Outlook's dark mode the colours may be adapted."""
    for kind, html in pages.items():
        assert re.search(r'<table role="presentation"[^>]*width="680"', html), kind
        assert '<meta name="color-scheme" content="light dark">' in html, kind


def test_the_checks_can_fail() -> None:
    planted = '<div style="display:flex"><img src="https://tracker.example/p.gif"></div>'
    caught = [name for name, rule in OUTLOOK_BREAKS.items() if rule.search(planted)]
    assert len(caught) == 2
