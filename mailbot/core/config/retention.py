"""How long the full record of a closed alert is kept (issue 15): `retention:` in routing.yaml.

    retention: {default: 6y, C1: 25y, C4: 25y}

After that long from its closing, an alert keeps only what the statistics need
(reference, category, district, dates, outcome, its clocks' due and met times);
the child's details, the form and the mail bodies are removed everywhere the
store holds them (`mailbot.core.retention`, `mailbot.service.retention`).
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator, model_validator

from mailbot.core.config.base import Frozen, as_duration
from mailbot.core.durations import Duration

DEFAULT_PERIOD = "6y"


class Retention(Frozen):
    default: Duration = as_duration(DEFAULT_PERIOD)
    # category id -> its own period (the others keep `default`)
    categories: dict[str, Duration] = {}  # noqa: RUF012 (pydantic copies defaults per instance)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """`{default: 6y, C1: 25y}` as written: every key but `default` is a category."""
        if isinstance(value, dict) and "categories" not in value:
            return {"default": value.get("default", DEFAULT_PERIOD),
                    "categories": {k: v for k, v in value.items() if k != "default"}}
        return value

    _default = field_validator("default", mode="before")(lambda v: as_duration(v))

    @field_validator("categories", mode="before")
    @classmethod
    def _periods(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): as_duration(v) for k, v in value.items()}
        return value

    def period(self, category: str) -> Duration:
        return self.categories.get(category, self.default)
