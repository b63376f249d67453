"""Golden corpus: each tests/reading/golden/*.eml beside the reading a person expects.

The .eml files come from make_golden.py; the .expected.json files are written by
hand. Every parsing bug found later becomes one more pair here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailbot.core.config import Config
from mailbot.core.intake.mail.read import read_message

GOLDEN = Path(__file__).parent / "golden"
MESSAGES = sorted(GOLDEN.glob("*.eml"))


def test_the_golden_corpus_has_its_pairs() -> None:
    assert len(MESSAGES) >= 12
    for path in MESSAGES:
        assert path.with_suffix(".expected.json").exists(), f"{path.name} has no expected reading"


@pytest.mark.parametrize("path", MESSAGES, ids=[p.stem for p in MESSAGES])
def test_golden_message_reads_as_expected(path: Path, config: Config) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    got = read_message(path.read_bytes(), config)
    assert got.kind.value == expected["kind"], got.why
    if expected["form"] is None:
        assert got.form is None
    else:
        assert got.form is not None
        assert got.form.source == expected["source"]
        assert got.form.form.model_dump(mode="json", exclude={"labels"}, exclude_none=True) \
            == expected["form"]
    assert [str(p) for p in (got.form.problems if got.form else ())] == expected["problems"]
    if "command" in expected:
        command = got.command.model_dump(mode="json", include={"command", "argument"}) \
            if got.command else None
        assert command == expected["command"]
    for key in ("unsupported", "refs", "in_reply_to"):
        if key in expected:
            assert list(getattr(got, key)) == expected[key]
    for key in ("plus_token", "new_text"):
        if key in expected:
            assert getattr(got, key) == expected[key]


def test_make_golden_reproduces_the_committed_messages(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed .eml files are what the script makes, so a reader can trust both."""
    from tests.reading import make_golden

    monkeypatch.setattr(make_golden, "GOLDEN", tmp_path)
    make_golden.main()
    for path in MESSAGES:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
