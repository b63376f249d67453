"""The committed sample digest (docs/sample-digest/) is what the code renders
today. When this fails, look at the difference and, if it is intended, run
`.venv/bin/python docs/sample-digest/regenerate.py`."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-digest"
REGENERATE = "run .venv/bin/python docs/sample-digest/regenerate.py if the change is intended"


def _regenerate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_digest_regenerate",
                                                  SAMPLE / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    files: dict[str, bytes] = _regenerate_module().render_sample()
    return files


@pytest.mark.parametrize("name", ["weekly-digest.txt", "weekly-digest.html"])
def test_committed_sample_text_and_html_match_what_the_code_renders(
        rendered: dict[str, bytes], name: str) -> None:
    committed = (SAMPLE / name).read_bytes()
    assert rendered[name] == committed, f"{name} differs from what the code renders: {REGENERATE}"


def test_committed_sample_chart_matches_pixel_for_pixel(rendered: dict[str, bytes]) -> None:
    from PIL import Image

    committed = (SAMPLE / "weekly-digest.png").read_bytes()
    if rendered["weekly-digest.png"] == committed:
        return
    # a newer PNG encoder may pack the same picture differently: compare what is seen
    new, old = (Image.open(io.BytesIO(data)).convert("RGBA")
                for data in (rendered["weekly-digest.png"], committed))
    assert new.size == old.size, f"the chart's size changed: {REGENERATE}"
    assert new.tobytes() == old.tobytes(), f"the chart looks different: {REGENERATE}"


def test_the_sample_shows_every_section_and_no_child_names(rendered: dict[str, bytes]) -> None:
    text = rendered["weekly-digest.txt"].decode()
    headings = ("NEEDS ATTENTION", "THE WEEK'S FIGURES", "ALERTS",
                "CHILDREN IN CARE MISSING (CATEGORY C8)", "RETURN INTERVIEWS",
                "NATIONAL ALERTS (CATEGORY C7)", "APPROVALS WAITING LONGEST")
    places = [text.find(f"\n{heading}") for heading in headings]
    assert -1 not in places, dict(zip(headings, places, strict=True))
    assert places == sorted(places), "what needs attention comes first, then the figures"
    module = _regenerate_module()
    for content in (text, rendered["weekly-digest.html"].decode()):
        leaked = [n for n in (*module.FIRST, *module.LAST) if n in content]
        assert not leaked, f"child names {leaked} appear in the sample digest"
