"""The hostile-message suite's tally: what each family tried and how it came out.

With `-s` the session ends with a table (for the issue's closing note): per family,
how many cases were tried, how many must be refused / allowed / asked / ignored,
and how many fail today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.security.cases import FAMILIES, Case
from tests.security.world import OUTCOMES


class Tally:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Counter[str]] = {}
        self.failed: dict[str, list[str]] = {}

    @contextmanager
    def trying(self, case: Case, world: str, outcome: str | None = None) -> Iterator[None]:
        outcome = outcome or case.outcome
        row = self.rows.setdefault((world, case.family), Counter())
        row["tried"] += 1
        row[outcome] += 1
        try:
            yield
        except BaseException as exc:
            if isinstance(exc, pytest.skip.Exception):
                row["tried"] -= 1
                row[outcome] -= 1
                raise
            row["failing"] += 1
            self.failed.setdefault(world, []).append(case.name)
            raise AssertionError(f"{case.name} ({FAMILIES[case.family]}; must be {outcome}): "
                                 f"{exc}\n  case: {case.doc}") from exc

    def table(self) -> str:
        worlds = sorted({w for w, _ in self.rows})
        lines = []
        for world in worlds:
            cols = ("tried", *OUTCOMES, "failing")
            lines.append(f"\nHostile messages on {world}:")
            lines.append(f"  {'family':<44}" + "".join(f"{c:>9}" for c in cols))
            total: Counter[str] = Counter()
            for family, title in FAMILIES.items():
                row = self.rows.get((world, family))
                if not row or not row["tried"]:
                    continue
                total.update(row)
                lines.append(f"  {title:<44}" + "".join(f"{row[c]:>9}" for c in cols))
            lines.append(f"  {'all':<44}" + "".join(f"{total[c]:>9}" for c in cols))
        return "\n".join(lines)


_TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Iterator[Tally]:
    yield _TALLY
    if _TALLY.rows:
        print(_TALLY.table())


# the real mail stack, for test_hostile_mailstack.py (started once per session)
from tests.mailstack.conftest import mailstack  # noqa: E402, F401
