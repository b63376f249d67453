"""Fixtures for the Exchange and Microsoft 365 adapters: fake servers and a cursor store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.exchange.fake_ews import FakeEws
from tests.exchange.fake_graph import FakeGraph


class DictCursors:
    """The store's cursor methods, in a dict (what survives a restart in these tests)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes = 0

    def cursor(self, name: str) -> str | None:
        return self.values.get(name)

    def set_cursor(self, name: str, value: str | None) -> None:
        self.writes += 1
        if value is None:
            self.values.pop(name, None)
        else:
            self.values[name] = value


@pytest.fixture
def cursors() -> DictCursors:
    return DictCursors()


@pytest.fixture
def ews_server() -> Iterator[FakeEws]:
    with FakeEws() as fake:
        yield fake


@pytest.fixture
def graph_server() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake
