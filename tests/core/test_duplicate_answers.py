"""Issue 10 (6): reading UPDATE or NEW from the first line of an answer, conservatively."""

from __future__ import annotations

import pytest

from mailbot.core.alerts.duplicate import choice


@pytest.mark.parametrize(("text", "said"), [
    ("UPDATE", "update"),
    ("update please\n\nthanks", "update"),
    ("Hi,\nNEW - a separate episode", "new"),
    ("New.", "new"),
    ("Update or new? Not sure", None),
    ("UPDATE, not NEW", None),
    ("not new", None),
    ("new?", None),
    ("Newly seen at the station", None),
    ("I think it is an update", None),
    ("", None),
])
def test_only_a_first_line_that_plainly_says_update_or_new_counts(text: str,
                                                                   said: str | None) -> None:
    assert choice(text) == said
