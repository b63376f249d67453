"""The MIU's answers to the register's questions (mailbot.core.miu), read
conservatively from the first line of the reply's own words."""

from __future__ import annotations

import pytest

from mailbot.core.miu import Answer, parse_answer


@pytest.mark.parametrize("text, expected", [
    ("CONFIRM", Answer(word="confirm")),
    ("Confirmed, checked with Highmoor", Answer(word="confirm")),
    ("ENTRY OLA-2026-0003", Answer(word="entry", entry_id="OLA-2026-0003")),
    ("entry: ola-2026-0003 - same child", Answer(word="entry", entry_id="OLA-2026-0003")),
    ("OLA-2027-0012", Answer(word="entry", entry_id="OLA-2027-0012")),
    ("Hi,\n\nNEW\nNot one we hold", Answer(word="new")),
    ("done - recorded by hand", Answer(word="done")),
])
def test_the_unit_answers_with_one_word_on_the_first_line(text: str, expected: Answer) -> None:
    assert parse_answer(text) == expected


@pytest.mark.parametrize("text", ["", "I think this is new", "Newcastle have the family",
                                  "Please confirm", "Entry", "ENTRY 2026-0003"])
def test_anything_else_is_not_taken_as_an_answer(text: str) -> None:
    assert parse_answer(text) is None
