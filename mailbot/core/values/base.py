"""The base of every core value: frozen, strict, JSON-serialisable."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Disposition = Literal["processed", "needs_attention", "rejected"]
