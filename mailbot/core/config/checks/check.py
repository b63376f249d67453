"""What a named check is: a rule about routing.yaml, why it exists, and how it looks.

pydantic checks each section's keys and types; a check sees the whole Config, so
it can follow references between sections (a stage's role into `roles`, a
holder into `people`). `@check(name, why)` turns a function that yields
problems into one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from mailbot.core.config.model import Config

Find = Callable[[Config], Iterable[str]]


@dataclass(frozen=True)
class Check:
    """A cross-check: its name, why it matters, and how it finds problems."""

    name: str
    why: str
    find: Find = field(repr=False, compare=False)

    def __call__(self, config: Config) -> list[str]:
        """Every place `config` breaks this rule: "key.path: what is wrong"."""
        return list(self.find(config))


def check(name: str, why: str) -> Callable[[Find], Check]:
    def named(find: Find) -> Check:
        return Check(name, why, find)
    return named
