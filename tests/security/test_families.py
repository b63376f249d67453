"""Issue 10, "how it is shown": every hostile message has its one outcome, on the real
store, through the service (families and counts: `pytest tests/security -s`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.security.family_cases import CASES
from tests.security.family_harness import Case, run
from tests.workflow.conftest import Bot

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
TALLY: Counter[tuple[str, str]] = Counter()


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    b = Bot(tmp_path / "state", MONDAY)
    yield b
    b.close()


def test_there_are_at_least_sixty_named_cases_in_every_family() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES), "case names are unique"
    families = Counter(c.family for c in CASES)
    assert min(families.values()) >= 2, families


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_hostile_message_has_its_one_outcome(bot: Bot, case: Case) -> None:
    run(bot, case)
    TALLY[(case.family, case.outcome)] += 1


def test_print_the_tally() -> None:
    """The figures for the closing note (printed with -s): tried / outcome by family."""
    families = sorted({c.family for c in CASES})
    outcomes = ("refused", "asked", "recorded", "ignored", "allowed")
    print(f"\n{'family':30} tried " + " ".join(f"{o:>8}" for o in outcomes))
    for family in families:
        counts = Counter(c.outcome for c in CASES if c.family == family)
        print(f"{family:30} {sum(counts.values()):5} " + " ".join(f"{counts[o]:8}" for o in outcomes))
    total = Counter(c.outcome for c in CASES)
    print(f"{'all':30} {len(CASES):5} " + " ".join(f"{total[o]:8}" for o in outcomes))


@pytest.mark.parametrize("name, wrong", [
    ("the_sm_approves", "refused"), ("outsider_de_alerts_by_form", "allowed"),
    ("subject_names_another_alert", "allowed"), ("unclear_first_line_negated_not_yet", "ignored"),
    ("a_second_out_of_office", "asked"),
])
def test_the_harness_fails_a_case_given_the_wrong_outcome(bot: Bot, name: str, wrong: str) -> None:
    """The suite can fail: each outcome's checks tell the outcomes apart."""
    real = next(c for c in CASES if c.name == name)
    with pytest.raises(AssertionError):
        run(bot, Case(real.name, real.family, wrong, real.build))  # type: ignore[arg-type]
