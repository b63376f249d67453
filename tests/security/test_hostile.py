"""Issue 10, "How it is shown": every hostile message through the service on the real
store (Maildir in, file sender out), each with the one outcome it must have.

See tests/security/cases.py for the cases and tests/security/world.py for what is
checked of every one: the alerts byte-for-byte unchanged unless allowed, at most one
answer (to the From address only), nothing outside the directory and the council.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.cases import CASES, Case
from tests.security.conftest import Tally
from tests.security.world import MaildirWorld, judge_case


def test_at_least_sixty_cases_cover_every_family() -> None:
    from tests.security.cases import FAMILIES

    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES), "case names are unique and stable"
    thin = [f for f in FAMILIES if sum(c.family == f for c in CASES) < 2]
    assert not thin, f"families with fewer than two cases: {thin}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_message(case: Case, tmp_path: Path, tally: Tally) -> None:
    world = MaildirWorld(tmp_path / "state", edit=case.edit)
    try:
        with tally.trying(case, "Maildir"):
            judge_case(world, case.outcome, case.build(world), may_record=case.may_record)
    finally:
        world.close()


@pytest.mark.parametrize("name, wrong", [
    ("the_service_manager_asked_approves", "refused"),
    ("colleague_de_alerts_an_alert_they_are_not_on", "allowed"),
    ("subject_names_another_alert", "refused"),
    ("negated_not_yet_approved", "ignored"),
    ("second_out_of_office_for_the_same_request", "asked"),
    ("outsider_sends_a_new_alert_form", "asked"),
])
def test_each_outcome_is_told_apart_from_the_others(name: str, wrong: str, tmp_path: Path) -> None:
    """The checks can fail: a case judged against the wrong outcome does."""
    real = next(c for c in CASES if c.name == name)
    world = MaildirWorld(tmp_path / "state", edit=real.edit)
    try:
        with pytest.raises(AssertionError):
            judge_case(world, wrong, real.build(world), may_record=real.may_record)  # type: ignore[arg-type]
    finally:
        world.close()
